"""Errors a user can act on.

Every loader and command reports bad input as one line per problem naming the file,
the dotted field path and what is wrong, so a planner never has to read a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"error: {self.file}: {where}{self.message}"


class InputError(Exception):
    """Bad input (exit code 2): carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def one(cls, file: str, path: str, message: str) -> InputError:
        return cls([Problem(file, path, message)])
