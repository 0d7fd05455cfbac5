"""Errors a user can act on.

Every loader and command reports bad input as one line per problem naming the file,
the dotted field path and what is wrong, so a planner never has to read a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """User text may hold line breaks; a problem must stay on one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return one_line(f"error: {self.file}: {where}{self.message}")


class InputError(Exception):
    """Bad input (exit code 2): carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def one(cls, file: str, path: str, message: str) -> InputError:
        return cls([Problem(file, path, message)])
