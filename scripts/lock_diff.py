"""Print the packages whose pinned version differs between two compiled requirement files.

`make test-latest` calls it with the lock and the newest resolution, so a run that breaks
names the releases that are new since the lock was made.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)")


def pins(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = PIN.match(line)
        if m:
            name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
            out.setdefault(name, m.group(2))        # the first of per-Python variants
    return out


def main(locked: Path, latest: Path) -> int:
    old, new = pins(locked), pins(latest)
    changed = sorted(n for n in old.keys() | new.keys() if old.get(n) != new.get(n))
    if not changed:
        print(f"{latest}: the same versions as {locked}")
        return 0
    print(f"{len(changed)} package(s) differ from {locked}:")
    for n in changed:
        print(f"  {n}: {old.get(n, '-')} -> {new.get(n, '-')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
