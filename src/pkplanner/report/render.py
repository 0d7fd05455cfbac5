"""The planning report: a solution read as an HLPG recommendation, in Markdown, HTML and Excel.

The report reads `solution.json` (docs/solution-file.md) and the resolved scenario it was solved
from, never a live model. Its body follows the six headings of the OSCE High Level Planning
Group's mandate (size and characteristics of the force, command and control, logistics,
allocation of units and resources, rules of engagement, arrangements with contributing
States), then acceptability to each party, a constraint audit, sensitivity, the verifier's
verdict and provenance. An infeasible solution shows its conflicting rules instead.

Every string from the scenario is data: the HTML template escapes it (autoescape), the
Markdown renderer escapes table cells and text, and chart labels and hover texts are
HTML-escaped before they reach plotly. `report.html` is self-contained: plotly.js is
embedded once and nothing is fetched from the network (the zone network is a plain scatter
on lon/lat axes, not a geo trace, whose base map plotly would download).
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pkplanner import __version__
from pkplanner.files import temp_beside, write_atomic
from pkplanner.scenario.resolve import ResolvedScenario, network
from pkplanner.scenario.schema import Scenario
from pkplanner.solution import metrics
from pkplanner.solution.io import load_solution, resolved_from_solution

TEMPLATES = Path(__file__).resolve().parent / "templates"
TOL = 1e-6

HLPG_HEADINGS = (
    "Size and characteristics of the force",
    "Command and control",
    "Logistics",
    "Allocation of units and resources",
    "Rules of engagement",
    "Arrangements with contributing states",
)

# A generic reading of the usual armament levels; the scenario's mandates say what each zone's
# task is. Unknown levels are described by their rank on the scenario's own scale.
LEVEL_MEANING = {
    "civilian": "Unarmed civilian monitors: observe, report and facilitate dialogue. No use of "
                "force; their security rests with the parties.",
    "observer": "Unarmed military observers: observe, verify and liaise. No use of force; they "
                "withdraw when threatened and rely on the parties or on protection elements.",
    "light": "Lightly armed: personal and light crew-served weapons for self-defence and the "
             "protection of monitors, returnees and installations. No enforcement.",
    "armed": "Armed formed units: inter-position between the parties, patrol and control "
             "movement; force may be used in self-defence and in defence of the mandate.",
}

PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6",
           "#9d755d", "#bab0ac", "#eeca3b")
LEVEL_COLOURS = {"civilian": "#72b7b2", "observer": "#4c78a8", "light": "#f58518",
                 "armed": "#e45756"}


# --------------------------------------------------------------------------- document model


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)     # right-aligned columns
    caption: str = ""


@dataclass
class Block:
    kind: str                                 # "p" | "list" | "table" | "chart"
    text: str = ""                            # paragraph, or a chart's caption
    items: list[str] = field(default_factory=list)
    table: Table | None = None
    chart: str = ""                           # key into Report.figures


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    number: str = ""

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    def p(self, text: str) -> None:
        self.blocks.append(Block("p", text=text))

    def bullets(self, items: Iterable[str]) -> None:
        items = list(items)
        if items:
            self.blocks.append(Block("list", items=items))

    def table(self, columns: list[str], rows: list[list[str]], numeric: Iterable[int] = (),
              caption: str = "") -> None:
        self.blocks.append(Block("table", table=Table(columns, rows, set(numeric), caption)))

    def chart(self, key: str, caption: str) -> None:
        self.blocks.append(Block("chart", text=caption, chart=key))


@dataclass
class Report:
    """A report as data: sections of paragraphs, lists, tables and charts (plotly figures)."""

    title: str
    subtitle: str
    status: str
    summary: list[str]
    sections: list[Section]
    figures: dict[str, Any] = field(default_factory=dict)

    def section(self, title: str) -> Section | None:
        return next((s for s in self.sections if s.title == title), None)

    def markdown(self) -> str:
        return _md_env().get_template("document.md.j2").render(doc=self)

    def html(self) -> str:
        return _html_env().get_template("document.html.j2").render(
            doc=self, figures=_figure_html(self.sections, self.figures))


# --------------------------------------------------------------------------- rendering


_MD_ESCAPES = (("\\", "\\\\"), ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("[", "\\["),
               ("]", "\\]"), ("`", "\\`"))


def _md_escape(value: object) -> str:
    s = str(value)
    for a, b in _MD_ESCAPES:
        s = s.replace(a, b)
    return s


def md_text(value: object) -> str:
    """Escape inline text for Markdown: no raw HTML, links or code spans; one line."""
    return " ".join(_md_escape(value).split())


def md_para(value: object) -> str:
    """md_text, and no heading, list, quote or rule marker where a paragraph starts."""
    s = md_text(value)
    m = re.match(r"(\d+)([.)])", s)
    if m:
        return f"{m.group(1)}\\{m.group(2)}{s[m.end():]}"
    return "\\" + s if s[:1] in ("#", "-", "+", "*", "=", "_") else s


def md_cell(value: object) -> str:
    """Escape a Markdown table cell: pipes, angle brackets, brackets, backslashes; newlines
    become <br>."""
    s = _md_escape(value).replace("|", "\\|").replace("\r\n", "\n").replace("\r", "\n")
    return "<br>".join(part.strip() for part in s.split("\n"))


def _md_env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["mdcell"] = md_cell
    env.filters["mdtext"] = md_text
    env.filters["mdpara"] = md_para
    return env


def _html_env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)


def _figure_html(sections: list[Section], figures: dict[str, Any]) -> dict[str, Markup]:
    """HTML of each chart in document order: plotly.js is embedded with the first one only."""
    out: dict[str, Markup] = {}
    first = True
    for s in sections:
        for b in s.blocks:
            if b.kind != "chart" or b.chart in out:
                continue
            fig = figures[b.chart]
            height = fig.layout.height or 450
            out[b.chart] = Markup(fig.to_html(
                full_html=False, include_plotlyjs=first, include_mathjax=False,
                div_id=f"chart-{b.chart}", default_height=f"{height}px", default_width="100%",
                config={"displaylogo": False, "responsive": True}))
            first = False
    return out


# --------------------------------------------------------------------------- formatting


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def fmt_int(n: float | int | None) -> str:
    return "-" if n is None else f"{round(n):,}"


def fmt_money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def fmt_pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def fmt_acc(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def fmt_hours(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} h"


def fmt_pp(x: float) -> str:
    return f"{x * 100:+.1f} pp"


def fmt_value(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def fmt_gap(gap: float | None) -> str:
    return "n/a" if gap is None else f"{gap:.4%}"


def esc(s: object) -> str:
    """For plotly labels and hover text (plotly renders a subset of HTML)."""
    return html.escape(str(s), quote=True)


# --------------------------------------------------------------------------- scenario views


@dataclass
class _View:
    """The scenario and the solution joined: names, lookups and per-zone tables."""

    rs: ResolvedScenario
    sol: dict[str, Any]

    def __post_init__(self) -> None:
        sc = self.sc
        self.zone = {z.id: z for z in sc.zones}
        self.hub = {h.id: h for h in sc.hubs}
        self.contrib = {c.id: c for c in sc.contributors}
        self.unit = {u.id: u for u in sc.unit_types}
        self.mandate = {m.id: m for m in sc.mandates}
        self.party = {p.id: p for p in sc.parties}
        self.levels = list(sc.armament_levels)
        self.rank = {lv: i for i, lv in enumerate(self.levels)}
        self.zones: list[dict[str, Any]] = list(self.sol.get("zones") or [])
        self.deployed = [z for z in self.zones if z.get("deployed")]
        self.alloc = pd.DataFrame(self.sol.get("allocations") or [],
                                  columns=["contributor", "zone", "unit_type", "units",
                                           "personnel"])
        self.contributors: list[dict[str, Any]] = list(self.sol.get("contributors") or [])
        totals = self.sol.get("totals") or {}
        self.total = int(totals.get("personnel", 0))
        self.cost = float(totals.get("cost_per_month", 0.0))
        self.binding: list[str] = list(self.sol.get("binding") or [])
        self.graph = network.build_graph(sc)
        kind = (self.sol.get("objective") or {}).get("kind")
        self.soft = bool(sc.rules.soft_requirements or kind == "coverage")

    @property
    def sc(self) -> Scenario:
        return self.rs.scenario

    def zname(self, z: str) -> str:
        zz = self.zone.get(z)
        return zz.name or z if zz else z

    def zlabel(self, z: str) -> str:
        name = self.zname(z)
        return name if name == z else f"{name} ({z})"

    def cname(self, c: str) -> str:
        cc = self.contrib.get(c)
        return cc.name or c if cc else c

    def uname(self, u: str) -> str:
        uu = self.unit.get(u)
        return uu.name or u if uu else u

    def mname(self, k: str | None) -> str:
        if k is None:
            return "-"
        mm = self.mandate.get(k)
        return mm.name or k if mm else k

    def pname(self, p: str) -> str:
        pp = self.party.get(p)
        return pp.name or p if pp else p

    def acc(self, p: str, c: str, z: str | None = None) -> float:
        a = self.sc.acceptability
        if z is not None and c in a.zones.get(z, {}).get(p, {}):
            return a.zones[z][p][c]
        return a.contributors.get(p, {}).get(c, a.default)

    def zone_personnel(self, z: str) -> dict[str, int]:
        here = self.alloc[self.alloc["zone"] == z]
        per = here.groupby("contributor")["personnel"].sum()
        return {str(c): int(n) for c, n in per.items()}

    def is_binding(self, family: str, *idx: str) -> bool:
        key = ".".join((family, *idx))
        return any(b == key or b.startswith(key + ".") for b in self.binding)

    def hub_paths(self) -> tuple[dict[str, float], dict[str, list[str]]]:
        hubs = [h for h in self.hub if h in self.graph]
        if not hubs:
            return {}, {}
        dist, paths = nx.multi_source_dijkstra(self.graph, set(hubs), weight="hours")
        return ({str(k): float(v) for k, v in dist.items()},
                {str(k): [str(n) for n in v] for k, v in paths.items()})


# --------------------------------------------------------------------------- the report


def build_report(rs: ResolvedScenario, solution: dict[str, Any],
                 verdict: list[str] | None) -> Report:
    """Read a solution as an HLPG recommendation (see the module docstring)."""
    v = _View(rs, solution)
    sc = rs.scenario
    status = str(solution.get("status", "unknown"))
    opt = rs.option
    title = f"{sc.title or sc.name}: planning option {opt.id}"
    subtitle = (f"{opt.name} — recommendation for the High Level Planning Group"
                if opt.name else "Recommendation for the High Level Planning Group")
    feasible = status in ("optimal", "feasible") and bool(solution.get("zones"))
    sections: list[Section] = []
    figures: dict[str, Any] = {}
    summary: list[str] = []
    intro = Section("overview", "Overview")
    if sc.description:
        intro.p(sc.description)
    if opt.description:
        intro.p(f"Planning option {opt.id} ({opt.name}): {opt.description}")
    intro.p(f"Status of the plan: {status}" + (
        f" (relative MIP gap {fmt_gap(solution.get('mip_gap'))})" if feasible else "") + ".")
    if status == "feasible":
        intro.p("The solver stopped at a limit: this plan satisfies every rule but is not "
                "proven optimal; the gap above bounds how much better a plan could be.")
    sections.append(intro)
    if feasible:
        summary = [
            f"{fmt_int(v.total)} personnel",
            f"{fmt_money(v.cost)} per month",
            f"{len(v.contributors)} contributing states",
            f"{len(v.deployed)} of {len(v.zones)} zones deployed",
        ]
        hlpg = [_size(v, figures), _command(v), _logistics(v, figures), _allocation(v),
                _rules_of_engagement(v), _arrangements(v, figures)]
        for i, s in enumerate(hlpg, start=1):
            s.number = f"{i}."
        sections += hlpg
        sections.append(_acceptability(v, figures))
        sections.append(_audit(v))
    else:
        sections.append(_no_plan(v, status))
        summary = [f"no plan ({status})"]
    sections.append(_sensitivity(solution))
    sections.append(_verdict(verdict))
    sections.append(_provenance(v))
    return Report(title, subtitle, status, summary, sections, figures)


def _size(v: _View, figures: dict[str, Any]) -> Section:
    s = Section("size", HLPG_HEADINGS[0])
    sol = v.sol
    obj = sol.get("objective") or {}
    kind = obj.get("kind", "cost")
    value = obj.get("value")
    value_text = fmt_money(value) if kind == "cost" else fmt_value(value)
    s.p(f"The force numbers {fmt_int(v.total)} personnel from {len(v.contributors)} "
        f"contributing states, deployed in {len(v.deployed)} of {len(v.zones)} zones, at a "
        f"cost of {fmt_money(v.cost)} per month. Objective: {kind} (value {value_text}).")
    mix: dict[str, list[int]] = {}
    for z in v.deployed:
        row = mix.setdefault(z["mandate"] or "-", [0, 0])
        row[0] += 1
        row[1] += int(z["personnel"])
    s.table(["mandate", "zones", "personnel", "share of force"],
            [[v.mname(k), str(n), fmt_int(p), fmt_pct(p / v.total if v.total else 0.0)]
             for k, (n, p) in mix.items()], numeric=(1, 2, 3), caption="Mandates")
    rows = []
    for z in v.zones:
        zz = v.zone.get(z["zone"])
        required = "required" if zz is None or zz.required else "optional"
        if z.get("deployed"):
            rows.append([v.zlabel(z["zone"]), required, v.mname(z["mandate"]),
                         z["armament"] or "-", fmt_int(z["personnel"]),
                         v.cname(z["lead"]) if z.get("lead") else "-"])
        else:
            rows.append([v.zlabel(z["zone"]), required, "not deployed", "-", "0", "-"])
    s.table(["zone", "required", "mandate", "armament", "personnel", "lead nation"], rows,
            numeric=(4,), caption="Zones")
    figures["personnel"] = _chart_personnel_by_zone(v)
    s.chart("personnel", "Personnel by zone, coloured by armament level")
    return s


def _command(v: _View) -> Section:
    s = Section("command", HLPG_HEADINGS[1])
    r = v.sc.rules
    parties = [p.id for p in v.sc.parties]
    rules = []
    if r.lead_min_share > 0:
        rules.append(f"provides at least {fmt_pct(r.lead_min_share)} of its zone's personnel")
    if r.lead_min_acceptability > 0:
        rules.append(f"has an acceptability of at least {fmt_acc(r.lead_min_acceptability)} "
                     "to every party in that zone")
    s.p("Each deployed zone has a lead nation that commands the zone's contingents"
        + (": it " + " and ".join(rules) if rules else "") + ". "
        + ("The plan chooses the lead with the allocation." if r.lead_min_share > 0 else
           "The lead is the acceptable contributor with most personnel in the zone "
           "(ties: the lower cost)."))
    rows = []
    for z in v.deployed:
        per = v.zone_personnel(z["zone"])
        lead = z.get("lead")
        lead_p = per.get(lead, 0) if lead else 0
        zp = int(z["personnel"])
        accs = [fmt_acc(v.acc(p, lead, z["zone"])) if lead else "-" for p in parties]
        others = ", ".join(c for c in sorted(per, key=lambda c: -per[c]) if c != lead)
        rows.append([v.zlabel(z["zone"]), f"{v.cname(lead)} ({lead})" if lead else "none",
                     fmt_int(lead_p), fmt_pct(lead_p / zp if zp else 0.0), *accs,
                     others or "-"])
    s.table(["zone", "lead nation", "lead personnel", "lead share of zone",
             *[f"acceptability to {p}" for p in parties], "other contingents"], rows,
            numeric=range(2, 4 + len(parties)))
    if r.working_language:
        s.p(f"Working language: {r.working_language}; in each zone at least "
            f"{fmt_pct(r.language_share)} of personnel come from contributors that use it.")
    return s


def _logistics(v: _View, figures: dict[str, Any]) -> Section:
    s = Section("logistics", HLPG_HEADINGS[2])
    sc = v.sc
    r = sc.rules
    dist, paths = v.hub_paths()
    speeds = ", ".join(f"{k} {val:g} km/h" for k, val in sc.network.road_speeds_kmh.items())
    s.p(f"{plural(len(sc.hubs), 'logistic hub')} and {plural(len(sc.routes), 'route')}. "
        f"Travel time on a route is its length at the road's convoy speed ({speeds}), "
        f"lengthened by mine risk (factor {sc.network.mine_risk_factor:g}); closed routes are "
        "not used. Supply flows over routes are not modelled: a hub's load below is the "
        "personnel of the deployed zones for which it is the nearest hub, an indication to set "
        "against its capacity.")
    load: dict[str, int] = {}
    served: dict[str, list[str]] = {}
    rows = []
    for z in v.deployed:
        zid = z["zone"]
        path = paths.get(zid)
        hub = path[0] if path else None
        if hub:
            load[hub] = load.get(hub, 0) + int(z["personnel"])
            served.setdefault(hub, []).append(zid)
        rows.append([v.zlabel(zid), hub if hub else "none (unreachable)",
                     fmt_hours(dist.get(zid)),
                     " → ".join(n
                                for n in path) if path else "-",
                     fmt_int(z["personnel"])])
    s.table(["deployed zone", "nearest hub", "travel time", "route", "personnel"], rows,
            numeric=(2, 4), caption="Nearest hub of each deployed zone")
    hrows = []
    for h in sc.hubs:
        cap = h.capacity_personnel
        used = load.get(h.id, 0)
        hrows.append([f"{h.name} ({h.id})" if h.name else h.id,
                      f"{h.location.lat:.3f}, {h.location.lon:.3f}",
                      fmt_int(cap) if cap is not None else "unlimited", fmt_int(used),
                      ("over capacity" if cap is not None and used > cap else "within"),
                      ", ".join(served.get(h.id, [])) or "-"])
    s.table(["hub", "lat, lon", "capacity", "personnel served", "load", "zones served"],
            hrows, numeric=(2, 3), caption="Hubs")
    rrows = []
    speeds_d = sc.network.road_speeds_kmh
    for rt in sc.routes:
        hours = _route_hours(sc, rt) if rt.road in speeds_d else None
        rrows.append([rt.from_, rt.to, f"{rt.km:g}", rt.road, f"{rt.mine_risk:.2f}",
                      fmt_hours(hours), "closed" if rt.closed else "open"])
    s.table(["from", "to", "km", "road", "mine risk", "travel time", "status"], rrows,
            numeric=(2, 4, 5), caption="Routes")
    if r.qrf_hours is not None:
        s.blocks.extend(_qrf(v))
    figures["network"] = _chart_network(v)
    s.chart("network", "Zone network: zones sized by personnel and coloured by armament, "
                       "hubs as squares, routes as lines (dashed: closed)")
    return s


@dataclass
class _Cover:
    zone: str
    needs: bool              # the zone's mandate is in qrf_mandates
    station: str | None      # zone of the nearest quick-reaction element
    units: int               # quick-reaction units stationed there
    hours: float | None      # travel time from it

    def covered(self, limit: float) -> bool:
        return self.hours is not None and self.hours <= limit + TOL


def _qrf_cover(v: _View) -> list[_Cover]:
    """Nearest quick-reaction element (qrf_unit_types, stationed in a zone) of each deployed
    zone, by travel time over open routes."""
    r = v.sc.rules
    times = network.travel_times(v.graph)
    q = v.alloc[v.alloc["unit_type"].isin(set(r.qrf_unit_types))]
    stations = {str(z): int(n) for z, n in q.groupby("zone")["units"].sum().items()}
    out = []
    for z in v.deployed:
        zid = z["zone"]
        best = min(((times.get(st, {}).get(zid, math.inf), st) for st in stations),
                   default=(math.inf, ""))
        ok = math.isfinite(best[0])
        out.append(_Cover(zid, z["mandate"] in r.qrf_mandates, best[1] if ok else None,
                          stations.get(best[1], 0) if ok else 0, best[0] if ok else None))
    return out


def _qrf(v: _View) -> list[Block]:
    """Quick-reaction cover: QRF units stationed within qrf_hours of the zones that need them."""
    s = Section("qrf", "Quick-reaction cover")
    r = v.sc.rules
    hours = float(r.qrf_hours or 0.0)
    kinds = ", ".join(v.uname(u) for u in r.qrf_unit_types) or "none named"
    need = ", ".join(v.mname(k) for k in r.qrf_mandates) or "none"
    s.p(f"Quick-reaction cover: a zone under a mandate of [{need}] must be reached within "
        f"{hours:g} hours by a quick-reaction element ({kinds}) stationed in a zone.")
    rows = []
    for c in _qrf_cover(v):
        zone = next(z for z in v.deployed if z["zone"] == c.zone)
        rows.append([v.zlabel(c.zone), v.mname(zone["mandate"]), "yes" if c.needs else "no",
                     f"{c.station} ({plural(c.units, 'unit')})" if c.station
                     else "none", fmt_hours(c.hours),
                     "covered" if c.covered(hours) else "NOT covered" if c.needs else "-"])
    s.table(["zone", "mandate", "needs QRF", "nearest QRF element", "travel time", "cover"],
            rows, numeric=(4,), caption="Quick-reaction cover")
    return s.blocks


def _allocation(v: _View) -> Section:
    s = Section("allocation", HLPG_HEADINGS[3])
    s.p(f"{len(v.alloc)} allocations of {int(v.alloc['units'].sum()) if len(v.alloc) else 0} "
        f"units, {fmt_int(v.total)} personnel in all.")
    order = {z["zone"]: i for i, z in enumerate(v.zones)}
    df = v.alloc.assign(_o=v.alloc["zone"].map(order)).sort_values(
        ["_o", "personnel", "contributor", "unit_type"], ascending=[True, False, True, True])
    rows = [[z, f"{v.cname(c)} ({c})", v.uname(u), str(int(n)), fmt_int(p)]
            for z, c, u, n, p in df[["zone", "contributor", "unit_type", "units",
                                     "personnel"]].itertuples(index=False)]
    s.table(["zone", "contributor", "unit type", "units", "personnel"], rows, numeric=(3, 4),
            caption="Zone × contributor × unit type")
    soft_short = "shortfall (soft)" if v.soft else "SHORT"
    req_rows = []
    for z in v.deployed:
        for cap, rq in (z.get("requirements") or {}).items():
            need, got = float(rq["required"]), float(rq["provided"])
            req_rows.append([v.zlabel(z["zone"]), v.mname(z["mandate"]), cap, f"{need:,.6g}",
                             f"{got:,.6g}", f"{got - need:+,.6g}",
                             "binding" if v.is_binding("requirement", z["zone"], cap)
                             or abs(got - need) <= TOL * (1 + need) else "met"
                             if got >= need - TOL * (1 + need) else soft_short])
    if req_rows:
        s.table(["zone", "mandate", "capability", "required", "provided", "margin", "status"],
                req_rows, numeric=(3, 4, 5), caption="Requirements met in each zone")
    return s


def _rules_of_engagement(v: _View) -> Section:
    s = Section("roe", HLPG_HEADINGS[4])
    r = v.sc.rules
    n = len(v.levels)
    s.p(f"Armament levels of this scenario, from least to most armed: {', '.join(v.levels)}. "
        f"The option allows mandates [{', '.join(v.mname(k) for k in r.mandates or v.mandate)}]"
        f" and armament up to {r.max_armament or v.levels[-1]}. The meaning given to each "
        "level is pkplanner's generic reading; each zone's mandate describes its task.")
    lrows = []
    for i, lv in enumerate(v.levels):
        zs = [z for z in v.deployed if z["armament"] == lv]
        if not zs:
            continue
        units = sorted({v.uname(u) for u in v.alloc[v.alloc["zone"].isin(
            [z["zone"] for z in zs])]["unit_type"]
            if v.unit.get(u) is not None and v.unit[u].armament == lv})
        lrows.append([lv, LEVEL_MEANING.get(lv, f"Armament level {i + 1} of {n}."),
                      ", ".join(z["zone"] for z in zs),
                      fmt_int(sum(int(z["personnel"]) for z in zs)), ", ".join(units) or "-"])
    s.table(["armament level", "what it implies", "zones", "personnel",
             "units at this level"], lrows, numeric=(3,), caption="Armament levels in use")
    zrows = []
    for z in v.deployed:
        k = z["mandate"]
        m = v.mandate.get(k) if k else None
        band = f"{m.min_armament}–{m.max_armament}" if m else "-"
        zrows.append([v.zlabel(z["zone"]), v.mname(k), z["armament"] or "-", band,
                      m.description if m and m.description else "-"])
    s.table(["zone", "mandate", "armament", "mandate's armament band", "the mandate"], zrows,
            caption="Mandate and armament per zone")
    return s


def _arrangements(v: _View, figures: dict[str, Any]) -> Section:
    s = Section("arrangements", HLPG_HEADINGS[5])
    r = v.sc.rules
    s.p(f"{plural(len(v.contributors), 'contributing state')}. Each contingent below is what "
        f"the plan asks of the state; no state above {fmt_pct(r.max_share)} of the force"
        + (f", at least {r.min_contingent} personnel from each" if r.min_contingent else "")
        + ".")
    rows = []
    for c in v.contributors:
        cid = c["contributor"]
        mine = v.alloc[v.alloc["contributor"] == cid]
        units = mine.groupby("unit_type")["units"].sum()
        zones = [z["zone"] for z in v.zones if z["zone"] in set(mine["zone"])]
        cc = v.contrib.get(cid)
        rows.append([f"{v.cname(cid)} ({cid})",
                     "; ".join(f"{int(n)} × {v.uname(str(u))}" for u, n in units.items()),
                     fmt_int(c["personnel"]), ", ".join(zones),
                     fmt_pct(c["share"]), fmt_money(c["cost_per_month"]),
                     fmt_money(cc.cost_per_person_month) if cc else "-",
                     fmt_int(cc.max_personnel) if cc else "-"])
    s.table(["contributor", "units", "personnel", "zones", "share", "cost per month",
             "cost per person-month", "offered at most"], rows, numeric=(2, 4, 5, 6, 7),
            caption="Contributions")
    figures["shares"] = _chart_shares(v)
    s.chart("shares", "Share of the force by contributor, with the max_share cap")
    return s


def _acceptability(v: _View, figures: dict[str, Any]) -> Section:
    s = Section("acceptability", "Acceptability to each party")
    r = v.sc.rules
    sol = v.sol
    s.p("Composition acceptability is the personnel-weighted acceptability of the contributors "
        "to the party (zone-specific scores where the scenario sets them); armament "
        "acceptability is the zone-weighted acceptability of the armament levels chosen. "
        "The scores are planning assumptions set in the scenario, not measurements.")
    rows = []
    for p in v.sc.parties:
        a = sol.get("acceptability", {}).get(p.id)
        f = r.acceptability_floor.get(p.id)
        b = sol.get("armament_acceptability", {}).get(p.id)
        g = r.armament_floor.get(p.id)
        rows.append([f"{p.name or p.id} ({p.id})", fmt_acc(a), fmt_acc(f),
                     f"{a - f:+.3f}" if a is not None and f is not None else "-",
                     fmt_acc(b), fmt_acc(g),
                     f"{b - g:+.3f}" if b is not None and g is not None else "-"])
    s.table(["party", "composition", "floor", "margin", "armament", "armament floor",
             "margin"], rows, numeric=range(1, 7))
    s.bullets(v.sc.acceptability.assumptions)
    figures["acceptability"] = _chart_acceptability(v)
    s.chart("acceptability", "Acceptability to each party, with the floors")
    return s


# --------------------------------------------------------------------------- audit


@dataclass
class _Check:
    rule: str
    meaning: str
    value: str
    limit: str
    margin: str
    status: str


def _state(margin: float, binding: bool, scale: float = 1.0) -> str:
    if margin < -TOL * (1.0 + abs(scale)):
        return "VIOLATED"
    if binding or abs(margin) <= TOL * (1.0 + abs(scale)):
        return "binding"
    return "slack"


def audit_checks(rs: ResolvedScenario, solution: dict[str, Any]) -> list[_Check]:
    """Each active rule of the effective rules: value, limit, margin and holds/binding/slack."""
    return _checks(_View(rs, solution))


def _checks(v: _View) -> list[_Check]:
    r = v.sc.rules
    out: list[_Check] = []
    n = v.total
    pc = {c["contributor"]: int(c["personnel"]) for c in v.contributors}

    def add(rule: str, meaning: str, value: str, limit: str, margin: str, status: str) -> None:
        out.append(_Check(rule, meaning, value, limit, margin, status))

    if r.mandates is not None:
        used = sorted({z["mandate"] for z in v.deployed if z["mandate"]})
        bad = [k for k in used if k not in r.mandates]
        add("mandates", "zones take only the option's mandates", ", ".join(used),
            ", ".join(r.mandates), "-", "VIOLATED" if bad else "holds")
    if r.max_armament is not None and r.max_armament in v.rank:
        top = max((v.rank.get(z["armament"], -1) for z in v.deployed), default=-1)
        room = v.rank[r.max_armament] - top
        add("max_armament", "no zone armed above the option's level",
            v.levels[top] if top >= 0 else "-", r.max_armament, f"{room} level(s)",
            "VIOLATED" if room < 0 else "binding" if room == 0 else "slack")
    if r.exclude_groups:
        hit = sorted(c for c in pc if set(v.contrib[c].groups if c in v.contrib else [])
                     & set(r.exclude_groups))
        add("exclude_groups", "no contributor from an excluded group",
            ", ".join(hit) or "none deployed", ", ".join(r.exclude_groups), "-",
            "VIOLATED" if hit else "holds")
    for veto in v.sc.vetoes:
        target = veto.contributor or f"group {veto.group}"
        who = [c for c in pc if c == veto.contributor or (
            veto.group is not None and c in v.contrib and veto.group in v.contrib[c].groups)]
        zones = set(veto.zones) if veto.zones else set(v.zone)
        hit = v.alloc[v.alloc["contributor"].isin(who) & v.alloc["zone"].isin(zones)]
        where = f" in {', '.join(veto.zones)}" if veto.zones else ""
        add(f"veto {veto.party}->{target}{where}", f"{veto.party} vetoes {target}{where}",
            "deployed there" if len(hit) else "not deployed there", "none", "-",
            "VIOLATED" if len(hit) else "holds")
    reqs = [(z["zone"], cap, float(q["required"]), float(q["provided"]))
            for z in v.deployed for cap, q in (z.get("requirements") or {}).items()]
    if reqs:
        worst = min(reqs, key=lambda t: t[3] - t[2])
        nb = sum(v.is_binding("requirement", z, cap) for z, cap, _, _ in reqs)
        add("requirement", "capabilities in each zone meet its mandate's requirement",
            f"{len(reqs)} requirements, {nb} binding",
            "provided ≥ required", f"least {worst[3] - worst[2]:+,.6g} ({worst[1]} in "
            f"{worst[0]})", "shortfall (soft)" if v.soft and worst[3] < worst[2] - TOL
            else _state(worst[3] - worst[2], nb > 0))
    caps = [b for b in v.binding if b.startswith("capacity.")]
    over = []
    for c, p in pc.items():
        cc = v.contrib.get(c)
        if cc is None:
            continue
        if p > cc.max_personnel:
            over.append(c)
        used = v.alloc[v.alloc["contributor"] == c].groupby("unit_type")["units"].sum()
        over += [f"{c}.{u}" for u, k in used.items() if k > cc.units.get(str(u), 0)]
    add("capacity", "no contributor sends more units or people than it offers",
        f"{len(caps)} limits fully used", "units and personnel offered", "-",
        "VIOLATED" if over else "binding" if caps else "slack")
    if r.min_contingent > 0 and pc:
        c, p = min(pc.items(), key=lambda t: t[1])
        add("min_contingent", "each contributor sends at least the minimum contingent",
            f"{p:,} ({c})", f"{r.min_contingent:,}", f"{p - r.min_contingent:+,}",
            _state(p - r.min_contingent, v.is_binding("min_contingent")))
    if r.max_share < 1 and pc and n:
        c, p = max(pc.items(), key=lambda t: t[1])
        share = p / n
        room = math.floor(r.max_share * n + TOL) - p
        add("max_share", "no contributor above max_share of the force",
            f"{share:.2%} ({c})", f"{r.max_share:.2%}",
            f"{fmt_pp(r.max_share - share)} ({room:+,} personnel)",
            _state(r.max_share - share, v.is_binding("dominance.max_share")))
    if r.max_share_zone < 1 and len(v.alloc):
        worst_z = (-1.0, "", "")
        for z in v.deployed:
            per = v.zone_personnel(z["zone"])
            zp = sum(per.values())
            for c, p in per.items():
                if zp and p / zp > worst_z[0]:
                    worst_z = (p / zp, c, z["zone"])
        add("max_share_zone", "no contributor above max_share_zone of a zone",
            f"{worst_z[0]:.2%} ({worst_z[1]} in {worst_z[2]})",
            f"{r.max_share_zone:.2%}", fmt_pp(r.max_share_zone - worst_z[0]),
            _state(r.max_share_zone - worst_z[0],
                   v.is_binding("dominance.max_share_zone")))
    for g, cap in r.group_caps.items():
        if cap >= 1 or not n:
            continue
        gp = sum(p for c, p in pc.items() if c in v.contrib and g in v.contrib[c].groups)
        add(f"group_caps.{g}", f"members of {g} hold at most {cap:.0%} of the force",
            f"{gp / n:.2%} ({gp:,})", f"{cap:.2%}", fmt_pp(cap - gp / n),
            _state(cap - gp / n, v.is_binding("dominance.group_caps", g)))
    if r.min_contributors > 0:
        add("min_contributors", "at least min_contributors take part", str(len(pc)),
            str(r.min_contributors), f"{len(pc) - r.min_contributors:+}",
            _state(len(pc) - r.min_contributors,
                   v.is_binding("dominance.min_contributors")))
    if r.min_contributors_zone > 0 and v.deployed:
        counts = {z["zone"]: len(v.zone_personnel(z["zone"])) for z in v.deployed}
        z0 = min(counts, key=lambda z: counts[z])
        add("min_contributors_zone", "at least min_contributors_zone in each deployed zone",
            f"{counts[z0]} ({(z0)})", str(r.min_contributors_zone),
            f"{counts[z0] - r.min_contributors_zone:+}",
            _state(counts[z0] - r.min_contributors_zone,
                   v.is_binding("dominance.min_contributors_zone")))
    for party, floor in r.acceptability_floor.items():
        a = float(v.sol.get("acceptability", {}).get(party, 0.0))
        add(f"acceptability_floor.{party}", f"composition acceptability to {v.pname(party)}",
            f"{a:.3f}", f"{floor:.3f}", f"{a - floor:+.3f}",
            _state(a - floor, v.is_binding("acceptability", party)))
    for party, floor in r.armament_floor.items():
        a = float(v.sol.get("armament_acceptability", {}).get(party, 0.0))
        add(f"armament_floor.{party}", f"armament acceptability to {v.pname(party)}",
            f"{a:.3f}", f"{floor:.3f}", f"{a - floor:+.3f}",
            _state(a - floor, v.is_binding("armament_acceptability", party)))
    if r.working_language and v.deployed:
        lang = r.working_language
        shares = {}
        for z in v.deployed:
            per = v.zone_personnel(z["zone"])
            zp = sum(per.values())
            speak = sum(p for c, p in per.items() if c in v.contrib
                        and lang in v.contrib[c].languages)
            shares[z["zone"]] = speak / zp if zp else 1.0
        z0 = min(shares, key=lambda z: shares[z])
        add("language_share", f"speakers of {lang} hold the required share of each zone",
            f"{shares[z0]:.2%} ({(z0)})", f"{r.language_share:.2%}",
            fmt_pp(shares[z0] - r.language_share),
            _state(shares[z0] - r.language_share, v.is_binding("language")))
    leads = [(z, z.get("lead")) for z in v.deployed]
    if r.lead_min_share > 0 and leads:
        vals = []
        for z, lead in leads:
            zp = int(z["personnel"])
            vals.append(((v.zone_personnel(z["zone"]).get(lead, 0) / zp) if lead and zp
                         else 0.0, z["zone"]))
        val, z0 = min(vals)
        add("lead_min_share", "each lead nation provides a minimum share of its zone",
            f"{val:.2%} ({(z0)})", f"{r.lead_min_share:.2%}",
            fmt_pp(val - r.lead_min_share), _state(val - r.lead_min_share, False))
    if r.lead_min_acceptability > 0 and leads:
        vals = [(min(v.acc(p.id, lead, z["zone"]) for p in v.sc.parties) if lead else 0.0,
                 z["zone"]) for z, lead in leads]
        val, z0 = min(vals)
        add("lead_min_acceptability", "each lead nation acceptable to every party",
            f"{val:.3f} ({(z0)})", f"{r.lead_min_acceptability:.3f}",
            f"{val - r.lead_min_acceptability:+.3f}",
            _state(val - r.lead_min_acceptability, False))
    if r.personnel_min > 0:
        add("personnel_min", "total personnel at least the option's minimum", f"{n:,}",
            f"{r.personnel_min:,}", f"{n - r.personnel_min:+,}",
            _state(n - r.personnel_min, v.is_binding("size", "min")))
    if r.personnel_max is not None:
        add("personnel_max", "total personnel at most the option's maximum", f"{n:,}",
            f"{r.personnel_max:,}", f"{r.personnel_max - n:+,}",
            _state(r.personnel_max - n, v.is_binding("size", "max")))
    if r.budget_per_month is not None:
        add("budget_per_month", "monthly cost within the budget", fmt_money(v.cost),
            fmt_money(r.budget_per_month), f"{r.budget_per_month - v.cost:+,.0f}",
            _state(r.budget_per_month - v.cost, v.is_binding("budget"),
                   scale=r.budget_per_month))
    if r.qrf_hours is not None and r.qrf_mandates:
        limit = float(r.qrf_hours)
        needing = [c for c in _qrf_cover(v) if c.needs]
        missing = [c for c in needing if not c.covered(limit)]
        slowest = max((c.hours for c in needing if c.hours is not None), default=None)
        add("qrf_hours", "quick-reaction cover of the zones that need it",
            f"{len(needing) - len(missing)} of {len(needing)} covered"
            + (f", slowest {slowest:.1f} h" if slowest is not None else ""),
            f"{limit:g} h",
            f"{limit - slowest:+.1f} h" if slowest is not None and not missing else "-",
            "VIOLATED" if missing else _state(limit - (slowest or 0.0), v.is_binding("qrf")))
    return out


def _audit(v: _View) -> Section:
    s = Section("audit", "Constraint audit")
    checks = _checks(v)
    s.p("Each rule in force, recomputed from the plan: its value, its limit and the margin. "
        "'binding' means the rule is at its limit (the solver reports it in the binding list, "
        "or the margin is zero); 'slack' means there is room; 'holds' is for rules without a "
        "margin (exclusions, vetoes, mandate lists).")
    s.table(["rule", "meaning", "value", "limit", "margin", "status"],
            [[c.rule, c.meaning, c.value, c.limit, c.margin, c.status] for c in checks])
    rest = [b for b in v.binding if not b.startswith(("capacity.", "requirement."))]
    if rest:
        s.p("Binding in the solver's report: " + ", ".join(rest) + ".")
    return s


# --------------------------------------------------------------------------- the rest


def _no_plan(v: _View, status: str) -> Section:
    sol = v.sol
    conflicts = sol.get("conflicts") or []
    if status == "infeasible":
        s = Section("conflicts", "Conflicting rules: no force satisfies these rules together")
        if conflicts:
            s.p("No force satisfies every rule of this planning option. The rules below "
                "conflict together. \"Alone\" says whether dropping that rule alone, with "
                "every other rule in force, was checked to restore a plan; each relaxation "
                "listed was checked the same way (applied alone, it gives a plan).")
            s.table(["rule", "detail", "alone", "relaxation"],
                    [[str(c.get("rule", "")), str(c.get("detail", "")),
                      {True: "restores a plan", False: "not enough alone"}.get(
                          c.get("alone"), "-"),
                      str(c.get("relaxation") or "-")] for c in conflicts])
        else:
            s.p("No force satisfies every rule of this planning option; the conflicting rules "
                "were not computed.")
    elif status == "error":
        s = Section("conflicts", "Solver error")
        said = str((sol.get("solver") or {}).get("error") or "no message")
        s.p(f"The solver failed before it could search ({said}); nothing is known about "
            "whether a plan exists. This is not a property of the scenario: check the "
            "installation with `pkplanner doctor`.")
    else:
        s = Section("conflicts", "No plan")
        bound = (sol.get("solver") or {}).get("bound")
        s.p(f"The solver found no plan (status {status}) within its limits; infeasibility "
            "was not proven, so no conflict is reported. Allow more time or relax a rule."
            + (f" The best bound proved on the objective is {bound:,.6g}."
               if isinstance(bound, (int, float)) else ""))
    return s


def _sensitivity(sol: dict[str, Any]) -> Section:
    s = Section("sensitivity", "Sensitivity")
    recs = sol.get("sensitivity")
    if recs is None:
        s.p("Sensitivity was not computed for this solution.")
        return s
    if not recs:
        s.p("Sensitivity was computed: no binding rule has a relaxation step (binding "
            "requirements and capacities are the scenario's data, not rules to relax).")
        return s
    obj = sol.get("objective") or {}
    base = obj.get("value")
    s.p("Each binding rule relaxed by one step and the plan re-solved with every other rule in "
        f"force: how the objective ({obj.get('kind', '-')}) moves. A MILP has no dual prices; "
        "these are re-solves.")
    rows = []
    for x in recs:
        change = x.get("objective_change")
        rel = (f" ({change / base:+.1%})" if isinstance(change, int | float)
               and isinstance(base, int | float) and base else "")
        rows.append([str(x.get("rule", "")), str(x.get("parameter") or "-"),
                     fmt_value(x.get("from")), fmt_value(x.get("to")),
                     (f"{change:+,.6g}" if isinstance(change, int | float) else "-") + rel,
                     str(x.get("status") or "-"), str(x.get("note") or "")])
    s.table(["rule", "parameter", "from", "to", "objective change", "re-solve", "note"], rows,
            numeric=(2, 3, 4))
    return s


def _verdict(verdict: list[str] | None) -> Section:
    s = Section("verdict", "Verifier verdict")
    if verdict is None:
        s.p("The independent verifier was not run on this solution.")
    elif not verdict:
        s.p("The independent verifier recomputed the plan from the scenario: all constraint "
            "families hold.")
    else:
        s.p("The independent verifier found problems:")
        s.bullets(verdict)
    return s


def _provenance(v: _View) -> Section:
    s = Section("provenance", "Provenance")
    sol = v.sol
    sc = v.sc
    solver = sol.get("solver") or {}
    scen = sol.get("scenario") or {}
    overrides = sol.get("overrides") or {}
    rows = [
        ["scenario", str(scen.get("name", sc.name))],
        ["scenario title", sc.title or "-"],
        ["scenario path", str(scen.get("path", v.rs.path))],
        ["scenario sha256", str(scen.get("sha256", "-"))],
        ["planning option", f"{v.rs.option.id} ({v.rs.option.name})"],
        ["overrides (--set)", ", ".join(f"{k}={json.dumps(val)}" for k, val in
                                        overrides.items()) or "none"],
        ["objective", str((sol.get("objective") or {}).get("kind", "-"))],
        ["status", str(sol.get("status", "-"))],
        ["relative MIP gap", fmt_gap(sol.get("mip_gap"))],
        ["solve seconds", fmt_value(solver.get("seconds"))],
        ["solver", f"{solver.get('name', 'highs')} (HiGHS {solver.get('version', '?')}), "
                   f"{solver.get('threads', '?')} thread(s)"],
        ["solved with pkplanner", str(solver.get("pkplanner", "-"))],
        ["report by pkplanner", __version__],
        ["Pyomo", str(solver.get("pyomo", "not recorded"))],
    ]
    s.table(["item", "value"], rows)
    if scen.get("sha256") and scen.get("sha256") != v.rs.sha256:
        s.p(f"Warning: the scenario read for this report (sha256 {v.rs.sha256}) is not the "
            "one the solution was computed from; the file has changed since the solve.")
    rules = sol.get("rules") or sc.rules.model_dump(mode="json")
    s.table(["rule", "effective value"], [[k, fmt_value(val)] for k, val in rules.items()],
            caption="Effective rules (scenario < option < --set)")
    if sc.sources:
        s.p("Sources of the scenario:")
        s.bullets(sc.sources)
    return s


# --------------------------------------------------------------------------- charts


def _layout(fig: Any, title: str, height: int = 420) -> Any:
    fig.update_layout(title={"text": title, "x": 0.01}, height=height, template="plotly_white",
                      margin={"l": 60, "r": 20, "t": 60, "b": 60},
                      font={"family": "sans-serif", "size": 12})
    return fig


def _chart_shares(v: _View) -> Any:
    cs = v.contributors
    fig = go.Figure(go.Bar(
        x=[esc(c["contributor"]) for c in cs], y=[c["share"] for c in cs],
        marker_color=PALETTE[0],
        hovertext=[f"{esc(v.cname(c['contributor']))}<br>{c['personnel']:,} personnel<br>"
                   f"{c['share']:.1%} of the force" for c in cs], hoverinfo="text",
        name="share"))
    cap = v.sc.rules.max_share
    if cap < 1:
        fig.add_hline(y=cap, line_dash="dash", line_color="#e45756",
                      annotation_text=f"max_share {cap:.0%}", annotation_position="top right")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title="share of the force",
                     range=[0, max([cap if cap < 1 else 0.0] + [c["share"] for c in cs]) * 1.12
                            or 1])
    fig.update_xaxes(title="contributor")
    return _layout(fig, "Contributor shares")


def _chart_personnel_by_zone(v: _View) -> Any:
    fig = go.Figure()
    zs = v.deployed
    x = [esc(z["zone"]) for z in zs]
    for i, lv in enumerate(v.levels):
        ys = [int(z["personnel"]) if z["armament"] == lv else 0 for z in zs]
        if not any(ys):
            continue
        fig.add_trace(go.Bar(
            x=x, y=ys, name=esc(lv),
            marker_color=LEVEL_COLOURS.get(lv, PALETTE[i % len(PALETTE)]),
            hovertext=[f"{esc(v.zname(z['zone']))}<br>{esc(v.mname(z['mandate']))}, {esc(lv)}"
                       f"<br>{int(z['personnel']):,} personnel" for z in zs],
            hoverinfo="text"))
    fig.update_layout(barmode="stack", legend_title_text="armament")
    fig.update_yaxes(title="personnel")
    fig.update_xaxes(title="zone")
    return _layout(fig, "Personnel by zone and armament level")


def _route_hours(sc: Scenario, rt: Any) -> float:
    return network.route_hours(rt.km, rt.road, rt.mine_risk, sc.network.road_speeds_kmh,
                               sc.network.mine_risk_factor)


def _chart_network(v: _View) -> Any:
    sc = v.sc
    pos = {z.id: (z.location.lon, z.location.lat) for z in sc.zones}
    pos.update({h.id: (h.location.lon, h.location.lat) for h in sc.hubs})
    fig = go.Figure()
    for closed in (False, True):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for rt in sc.routes:
            if rt.closed != closed or rt.from_ not in pos or rt.to not in pos:
                continue
            (x0, y0), (x1, y1) = pos[rt.from_], pos[rt.to]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        if xs:
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", hoverinfo="skip",
                line={"color": "#bbbbbb" if closed else "#888888", "width": 1.5,
                      "dash": "dash" if closed else "solid"},
                name="closed route" if closed else "route"))
    mids = [rt for rt in sc.routes if rt.from_ in pos and rt.to in pos]
    if mids:
        speeds = sc.network.road_speeds_kmh
        fig.add_trace(go.Scatter(
            x=[(pos[rt.from_][0] + pos[rt.to][0]) / 2 for rt in mids],
            y=[(pos[rt.from_][1] + pos[rt.to][1]) / 2 for rt in mids],
            mode="markers", marker={"size": 6, "color": "rgba(0,0,0,0)"}, showlegend=False,
            hovertext=[f"{esc(rt.from_)} – {esc(rt.to)}: {rt.km:g} km, {esc(rt.road)}, "
                       f"mine risk {rt.mine_risk:.2f}"
                       + (f", {_route_hours(sc, rt):.1f} h" if rt.road in speeds else "")
                       + (" (closed)" if rt.closed else "") for rt in mids],
            hoverinfo="text", name="route"))
    if sc.hubs:
        fig.add_trace(go.Scatter(
            x=[h.location.lon for h in sc.hubs], y=[h.location.lat for h in sc.hubs],
            mode="markers+text", text=[esc(h.id) for h in sc.hubs], textposition="bottom right",
            marker={"symbol": "square", "size": 12, "color": "#333333"}, name="hub",
            hovertext=[f"hub {esc(h.name or h.id)}<br>capacity "
                       + (f"{h.capacity_personnel:,}" if h.capacity_personnel is not None
                          else "unlimited") for h in sc.hubs], hoverinfo="text"))
    idle = [z for z in v.zones if not z.get("deployed") and z["zone"] in v.zone]
    if idle or not v.zones:
        zs = [v.zone[z["zone"]] for z in idle] if v.zones else list(sc.zones)
        fig.add_trace(go.Scatter(
            x=[z.location.lon for z in zs], y=[z.location.lat for z in zs],
            mode="markers+text", text=[esc(z.id) for z in zs], textposition="top center",
            marker={"symbol": "circle-open", "size": 10, "color": "#999999"},
            name="zone, not deployed" if v.zones else "zone",
            hovertext=[f"{esc(z.name or z.id)}<br>not deployed" for z in zs],
            hoverinfo="text"))
    pmax = max([int(z["personnel"]) for z in v.deployed] + [1])
    for i, lv in enumerate(v.levels):
        zs2 = [z for z in v.deployed if z["armament"] == lv and z["zone"] in v.zone]
        if not zs2:
            continue
        fig.add_trace(go.Scatter(
            x=[v.zone[z["zone"]].location.lon for z in zs2],
            y=[v.zone[z["zone"]].location.lat for z in zs2],
            mode="markers+text", text=[esc(z["zone"]) for z in zs2], textposition="top center",
            marker={"size": [10 + 26 * math.sqrt(int(z["personnel"]) / pmax) for z in zs2],
                    "color": LEVEL_COLOURS.get(lv, PALETTE[i % len(PALETTE)]), "opacity": 0.8,
                    "line": {"width": 1, "color": "#333333"}},
            name=f"deployed, {esc(lv)}",
            hovertext=[f"<b>{esc(v.zname(z['zone']))}</b><br>mandate: "
                       f"{esc(v.mname(z['mandate']))}<br>armament: {esc(lv)}<br>personnel: "
                       f"{int(z['personnel']):,}<br>lead: "
                       f"{esc(v.cname(z['lead'])) if z.get('lead') else 'none'}"
                       for z in zs2], hoverinfo="text"))
    lats = [p[1] for p in pos.values()] or [0.0]
    lat0 = (min(lats) + max(lats)) / 2
    # equal distances on both axes: a degree of longitude is cos(lat) of a degree of latitude
    fig.update_xaxes(title="longitude (°E)", showgrid=True, zeroline=False, constrain="domain")
    fig.update_yaxes(title="latitude (°N)", showgrid=True, zeroline=False, scaleanchor="x",
                     scaleratio=1 / max(math.cos(math.radians(lat0)), 0.1), constrain="domain")
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1})
    return _layout(fig, "Zone network", height=640)


def _chart_acceptability(v: _View) -> Any:
    sol = v.sol
    r = v.sc.rules
    parties = [p.id for p in v.sc.parties]
    x = [esc(p) for p in parties]
    fig = go.Figure()
    for i, (key, label) in enumerate((("acceptability", "composition"),
                                      ("armament_acceptability", "armament"))):
        fig.add_trace(go.Bar(x=x, y=[sol.get(key, {}).get(p, 0.0) for p in parties],
                             name=label, marker_color=PALETTE[i], offsetgroup=str(i)))
    for i, (floors, label) in enumerate(((r.acceptability_floor, "composition floor"),
                                         (r.armament_floor, "armament floor"))):
        ps = [p for p in parties if p in floors]
        if ps:
            fig.add_trace(go.Scatter(
                x=[esc(p) for p in ps], y=[floors[p] for p in ps], mode="markers",
                marker={"symbol": "line-ew-open", "size": 34, "color": "#222222",
                        "line": {"width": 3}}, name=label, offsetgroup=str(i),
                hovertext=[f"{label} {floors[p]:.3f}" for p in ps], hoverinfo="text"))
    fig.update_layout(barmode="group", scattermode="group")
    fig.update_yaxes(range=[0, 1], title="acceptability (0..1)")
    fig.update_xaxes(title="party")
    return _layout(fig, "Acceptability to each party")


# --------------------------------------------------------------------------- writing


def write_report(folder: Path, rs: ResolvedScenario, solution: dict[str, Any],
                 verdict: list[str] | None) -> tuple[Path, Path]:
    """Write `report.md` and a self-contained `report.html` into `folder` (atomically)."""
    report = build_report(rs, solution, verdict)
    folder = Path(folder)
    md, page = folder / "report.md", folder / "report.html"
    write_atomic(md, report.markdown())
    write_atomic(page, report.html())
    return md, page


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


# --------------------------------------------------------------------------- comparison


Row = tuple[str, str, dict[str, Any]]

KNOWN_LEVELS = ("civilian", "observer", "light", "armed")


def _profile(sol: dict[str, Any]) -> dict[str, int]:
    return metrics.armament_profile(sol) or {}


def build_comparison(rows: list[Row], title: str | None = None) -> Report:
    """Planning options side by side: one column per option."""
    names = sorted({str((sol.get("scenario") or {}).get("name", "")) for _, _, sol in rows})
    title = title or f"{', '.join(n for n in names if n) or 'Scenario'}: planning options"
    parties: list[str] = []
    levels: list[str] = [lv for lv in KNOWN_LEVELS]
    for _, _, sol in rows:
        for key in ("acceptability", "armament_acceptability"):
            parties += [p for p in sol.get(key) or {} if p not in parties]
        for p in (sol.get("rules") or {}).get("acceptability_floor", {}):
            if p not in parties:
                parties.append(p)
        levels += [lv for lv in _profile(sol) if lv not in levels]
    used = [lv for lv in levels if any(lv in _profile(sol) for _, _, sol in rows)]

    def cell(sol: dict[str, Any], fn: Any) -> str:
        return str(fn(sol)) if metrics.has_plan(sol) else "-"

    def status(sol: dict[str, Any]) -> str:
        st = str(sol.get("status", "?"))
        conf = sol.get("conflicts") or []
        if conf:
            st += ": " + "; ".join(f"{c.get('rule', '')} ({c.get('detail', '')})"
                                   for c in conf)
        return st

    def largest(sol: dict[str, Any]) -> str:
        top = metrics.largest_share(sol)
        return "-" if top is None else f"{top[0]} {top[1]:.1%}"

    figures_of: list[tuple[str, Any]] = [
        ("personnel", lambda s: fmt_int(metrics.personnel(s))),
        ("cost per month", lambda s: fmt_money(metrics.cost_per_month(s))),
        ("contributors", lambda s: str(metrics.n_contributors(s))),
        ("largest share", largest),
    ]
    for p in parties:
        figures_of.append((f"acceptability {p}",
                           lambda s, p=p: fmt_acc((metrics.acceptability(s) or {}).get(p))))
    for p in parties:
        figures_of.append((f"armament acceptability {p}", lambda s, p=p: fmt_acc(
            (metrics.armament_acceptability(s) or {}).get(p))))
    figures_of.append(("armament profile", lambda s: ", ".join(
        f"{lv} {n:,}" for lv, n in sorted(_profile(s).items(),
                                          key=lambda t: levels.index(t[0]))) or "-"))
    figures_of.append(("zones deployed", lambda s: (
        f"{metrics.zones_deployed(s)} of {len(s['zones'])}")))
    figures_of.append(("mandates", lambda s: ", ".join(metrics.mandates(s) or [])))
    headers = ["", *[f"{oid}: {name}" if name else oid for oid, name, _ in rows]]
    table_rows = [["status", *[status(sol) for _, _, sol in rows]]]
    table_rows += [[label, *[cell(sol, fn) for _, _, sol in rows]] for label, fn in figures_of]
    table_rows.append(["gap / seconds", *[
        f"{fmt_gap(metrics.gap(sol))} / {(sol.get('solver') or {}).get('seconds', 0):.1f} s"
        for _, _, sol in rows]])
    s = Section("options", "Planning options side by side")
    s.p("Each column is one planning option of the scenario, solved on its own. '-' marks a "
        "figure an option without a plan does not have; the status line of an infeasible "
        "option names the rules that conflict.")
    s.table(headers, table_rows)
    figures: dict[str, Any] = {}
    feasible = [(oid, name, sol) for oid, name, sol in rows if metrics.has_plan(sol)]
    if feasible:
        figures["comparison_acceptability"] = chart_comparison_acceptability(feasible, parties)
        s.chart("comparison_acceptability", "Acceptability per party and option")
        figures["comparison_profile"] = chart_comparison_profile(feasible, used)
        s.chart("comparison_profile", "Personnel per armament level and option")
    conflicts = [(oid, sol.get("conflicts") or []) for oid, _, sol in rows]
    conf_rows = [[oid, str(c.get("rule", "")), str(c.get("detail", "")),
                  str(c.get("relaxation") or "-")] for oid, cs in conflicts for c in cs]
    sections = [s]
    if conf_rows:
        c = Section("conflicts", "Conflicting rules of infeasible options")
        c.table(["option", "rule", "detail", "relaxation"], conf_rows)
        sections.append(c)
    prov = Section("provenance", "Provenance")
    prov.table(["option", "scenario sha256", "status", "overrides"], [
        [oid, str((sol.get("scenario") or {}).get("sha256", "-")), str(sol.get("status")),
         ", ".join(f"{k}={json.dumps(val)}" for k, val in (sol.get("overrides") or {}).items())
         or "none"] for oid, _, sol in rows])
    prov.p(f"Report by pkplanner {__version__}.")
    sections.append(prov)
    return Report(title, "Comparison of planning options", "comparison",
                  [f"{len(rows)} options", f"{len(feasible)} with a plan"], sections, figures)


def chart_comparison_acceptability(rows: list[Row], parties: list[str]) -> Any:
    x = [esc(f"{oid}: {name}" if name else oid) for oid, name, _ in rows]
    fig = go.Figure()
    i = 0
    for p in parties:
        for key, label in (("acceptability", "composition"),
                           ("armament_acceptability", "armament")):
            fig.add_trace(go.Bar(x=x, y=[(sol.get(key) or {}).get(p, 0.0) for _, _, sol in rows],
                                 name=esc(f"{p} {label}"),
                                 marker_color=PALETTE[i % len(PALETTE)]))
            i += 1
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 1], title="acceptability (0..1)")
    return _layout(fig, "Acceptability to each party, by option")


def chart_comparison_profile(rows: list[Row], levels: list[str]) -> Any:
    x = [esc(f"{oid}: {name}" if name else oid) for oid, name, _ in rows]
    fig = go.Figure()
    for i, lv in enumerate(levels):
        fig.add_trace(go.Bar(x=x, y=[_profile(sol).get(lv, 0) for _, _, sol in rows],
                             name=esc(lv),
                             marker_color=LEVEL_COLOURS.get(lv, PALETTE[i % len(PALETTE)])))
    fig.update_layout(barmode="stack", legend_title_text="armament")
    fig.update_yaxes(title="personnel")
    return _layout(fig, "Personnel by armament level, by option")


def write_comparison(folder: Path, rows: list[Row]) -> tuple[Path, Path]:
    """Write `comparison.md` and a self-contained `comparison.html` (atomically).

    `rows` are (option id, option name, solution document), one per planning option."""
    report = build_comparison(rows)
    folder = Path(folder)
    md, page = folder / "comparison.md", folder / "comparison.html"
    write_atomic(md, report.markdown())
    write_atomic(page, report.html())
    return md, page


# --------------------------------------------------------------------------- Excel


def solution_frames(rs: ResolvedScenario, solution: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The solution as tables: allocation, zones, contributors, acceptability, rules."""
    v = _View(rs, solution)
    sc = rs.scenario
    alloc = pd.DataFrame([
        {"contributor": c, "contributor_name": v.cname(c), "zone": z, "zone_name": v.zname(z),
         "unit_type": u, "unit_name": v.uname(u), "units": int(n), "personnel": int(p)}
        for c, z, u, n, p in v.alloc[["contributor", "zone", "unit_type", "units",
                                      "personnel"]].itertuples(index=False)],
        columns=["contributor", "contributor_name", "zone", "zone_name", "unit_type",
                 "unit_name", "units", "personnel"])
    dist, paths = v.hub_paths()
    caps = sorted({cap for z in v.zones for cap in (z.get("requirements") or {})})
    zrows = []
    for z in v.zones:
        zz = v.zone.get(z["zone"])
        row: dict[str, Any] = {
            "zone": z["zone"], "name": v.zname(z["zone"]),
            "required": bool(zz.required) if zz else True,
            "deployed": bool(z.get("deployed")), "mandate": z.get("mandate") or "",
            "armament": z.get("armament") or "", "personnel": int(z.get("personnel", 0)),
            "lead": z.get("lead") or "",
            "nearest_hub": paths[z["zone"]][0] if z["zone"] in paths else "",
            "hours_to_hub": round(dist[z["zone"]], 3) if z["zone"] in dist else None,
            "lat": zz.location.lat if zz else None, "lon": zz.location.lon if zz else None,
        }
        for cap in caps:
            q = (z.get("requirements") or {}).get(cap)
            row[f"required_{cap}"] = q["required"] if q else None
            row[f"provided_{cap}"] = q["provided"] if q else None
        zrows.append(row)
    zones = pd.DataFrame(zrows, columns=[
        "zone", "name", "required", "deployed", "mandate", "armament", "personnel", "lead",
        "nearest_hub", "hours_to_hub", "lat", "lon",
        *[f"{k}_{cap}" for cap in caps for k in ("required", "provided")]])
    crow = []
    for c in v.contributors:
        cid = c["contributor"]
        mine = v.alloc[v.alloc["contributor"] == cid]
        cc = v.contrib.get(cid)
        crow.append({
            "contributor": cid, "name": v.cname(cid), "personnel": int(c["personnel"]),
            "share": float(c["share"]), "cost_per_month": float(c["cost_per_month"]),
            "cost_per_person_month": cc.cost_per_person_month if cc else None,
            "max_personnel": cc.max_personnel if cc else None,
            "zones": ", ".join(sorted(set(mine["zone"]))),
            "units": int(mine["units"].sum()),
        })
    contributors = pd.DataFrame(crow, columns=[
        "contributor", "name", "personnel", "share", "cost_per_month",
        "cost_per_person_month", "max_personnel", "zones", "units"])
    r = sc.rules
    acc = pd.DataFrame([{
        "party": p.id, "name": p.name,
        "composition": (solution.get("acceptability") or {}).get(p.id),
        "composition_floor": r.acceptability_floor.get(p.id),
        "armament": (solution.get("armament_acceptability") or {}).get(p.id),
        "armament_floor": r.armament_floor.get(p.id)} for p in sc.parties],
        columns=["party", "name", "composition", "composition_floor", "armament",
                 "armament_floor"])
    rules_doc = solution.get("rules") or r.model_dump(mode="json")
    rules = pd.DataFrame([{"rule": k, "value": json.dumps(val, ensure_ascii=False)}
                          for k, val in rules_doc.items()], columns=["rule", "value"])
    scen = solution.get("scenario") or {}
    summary = pd.DataFrame([
        {"item": k, "value": str(val)} for k, val in (
            ("scenario", scen.get("name", sc.name)), ("path", scen.get("path", rs.path)),
            ("sha256", scen.get("sha256", rs.sha256)), ("option", rs.option.id),
            ("option_name", rs.option.name), ("status", solution.get("status")),
            ("objective", (solution.get("objective") or {}).get("kind")),
            ("objective_value", (solution.get("objective") or {}).get("value")),
            ("mip_gap", solution.get("mip_gap")),
            ("personnel", v.total), ("cost_per_month", v.cost),
            ("pkplanner", __version__))], columns=["item", "value"])
    frames = {"summary": summary, "allocation": alloc, "zones": zones,
              "contributors": contributors, "acceptability": acc, "rules": rules}
    if solution.get("conflicts"):
        frames["conflicts"] = pd.DataFrame(solution["conflicts"],
                                           columns=["rule", "detail", "relaxation"])
    return frames


def _xlsx_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Control characters are not allowed in an xlsx cell (openpyxl refuses them): drop them."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda x: ILLEGAL_CHARACTERS_RE.sub("", x)
                                    if isinstance(x, str) else x)
    return out


def write_xlsx(path: Path, rs: ResolvedScenario, solution: dict[str, Any]) -> Path:
    """Write the solution as an Excel workbook, atomically (temp file in the folder, rename).

    Sheets: summary, allocation, zones, contributors, acceptability, rules (and conflicts
    for an infeasible solution). Text that looks like a formula stays text."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = {name: _xlsx_safe(df) for name, df in solution_frames(rs, solution).items()}
    fd, tmp = temp_beside(path, ".xlsx")
    os.close(fd)
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, df in frames.items():
                df.to_excel(writer, sheet_name=name, index=False)
            for ws in writer.book.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        if cell.data_type == "f":      # "=..." from a scenario string
                            cell.data_type = "s"
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
