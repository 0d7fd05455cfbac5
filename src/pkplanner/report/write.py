"""The report files a command leaves behind: report.md/.html, comparison.md/.html and
solution.xlsx, each written atomically so a reader never opens half a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pkplanner.files import write_atomic
from pkplanner.report.charts import Row
from pkplanner.report.comparison import build_comparison
from pkplanner.report.document import Report
from pkplanner.report.hlpg import build_report
from pkplanner.report.xlsx import write_xlsx
from pkplanner.scenario.resolve import ResolvedScenario
from pkplanner.solution.io import load_solution, resolved_from_solution


def _write_pair(folder: Path, stem: str, report: Report) -> tuple[Path, Path]:
    folder = Path(folder)
    md, page = folder / f"{stem}.md", folder / f"{stem}.html"
    write_atomic(md, report.markdown())
    write_atomic(page, report.html())
    return md, page


def write_report(folder: Path, rs: ResolvedScenario, solution: dict[str, Any],
                 verdict: list[str] | None) -> tuple[Path, Path]:
    """Write `report.md` and a self-contained `report.html` into `folder` (atomically)."""
    return _write_pair(folder, "report", build_report(rs, solution, verdict))


def write_comparison(folder: Path, rows: list[Row]) -> tuple[Path, Path]:
    """Write `comparison.md` and a self-contained `comparison.html` (atomically).

    `rows` are (option id, option name, solution document), one per planning option."""
    return _write_pair(folder, "comparison", build_comparison(rows))


def resolved_for(solution: dict[str, Any], root: Path | None = None,
                 label: str = "solution") -> ResolvedScenario:
    """The resolved scenario a solution was computed from (solution_io, shared with the
    verifier)."""
    return resolved_from_solution(solution, label, root=root)[0]


def report_from_file(solution_path: Path, folder: Path | None = None,
                     verdict: list[str] | None = None, root: Path | None = None) -> list[Path]:
    """Read a solution.json, resolve its scenario and write report.md/.html and solution.xlsx
    next to it (or into `folder`). For a CLI `pkplanner report`."""
    solution = load_solution(solution_path)
    rs = resolved_for(solution, root, str(solution_path))
    out = Path(folder) if folder is not None else Path(solution_path).parent
    md, page = write_report(out, rs, solution, verdict)
    xlsx = out / "solution.xlsx"
    write_xlsx(xlsx, rs, solution)
    return [md, page, xlsx]
