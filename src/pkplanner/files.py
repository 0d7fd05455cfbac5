"""Writing result files: atomically (a reader never sees half a file), with the user's
permissions, and refusing an unwritable folder before the work starts. Every stage that
writes a file (the CLI, the report, batch, the app) writes through here."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from pkplanner.errors import InputError


def temp_beside(path: Path, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new hidden file next to PATH, to write and then rename over it.

    Created with the permissions `open(path, "w")` would give (0666 less the umask, or the
    folder's default ACL), not mkstemp's 0600: results are for sharing, and the umask is
    the user's say in that. (Reading the umask means setting it, which would race with the
    app's other threads creating files.)"""
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{suffix}")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_writable(folder: Path, label: str | None = None) -> None:
    """Refuse an output folder that cannot be written before the work starts: a solve can
    take minutes, and its result would be lost at the end. The folder itself is not
    created (bad input elsewhere must leave nothing behind); its nearest existing
    ancestor must be a folder we can create files in."""
    label = label or str(folder)

    def refuse(reason: str) -> InputError:
        return InputError.one(label, "", f"cannot write here: {reason}")

    here = folder
    try:
        here = folder.absolute()
        while not here.is_dir():
            if os.path.lexists(here):
                raise refuse(f"{here} is not a folder")
            here = here.parent
        fd, probe = temp_beside(here / ".pkplanner-write-test")
        os.close(fd)
        probe.unlink()
    except OSError as e:
        raise refuse(f"creating a file in {here} fails "
                     f"({e.strerror or e.__class__.__name__})") from None


def write_solution(path: Path, doc: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(doc, indent=2, sort_keys=False) + "\n")
