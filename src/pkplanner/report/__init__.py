"""Reports a reviewer reads: built from solution documents and the scenario only.

The public surface is below; the modules behind it are `document` (the report model and its
Markdown and HTML renderings, shared with the batch report), `fmt`, `view` (scenario and
solution joined), `hlpg` (the planning report's sections), `audit`, `charts`, `comparison`,
`xlsx` and `write` (the files); `timeline` reads a phased plan phase by phase.
"""

from pkplanner.report.comparison import build_comparison
from pkplanner.report.fmt import esc
from pkplanner.report.hlpg import build_report
from pkplanner.report.timeline import (
    is_phased,
    phase_solution,
    phases_of,
    plan_figures,
    timeline_figure,
)
from pkplanner.report.write import report_from_file, resolved_for, write_comparison, write_report
from pkplanner.report.xlsx import solution_frames, write_xlsx

__all__ = ["build_comparison", "build_report", "esc", "is_phased", "phase_solution",
           "phases_of", "plan_figures", "report_from_file", "resolved_for", "solution_frames",
           "timeline_figure", "write_comparison", "write_report", "write_xlsx"]
