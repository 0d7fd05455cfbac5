"""The doctrine against the record: each past mission of models/history.yaml sized as a
one-zone analogue with the current doctrine, and the ratio of model to history.

A planner defends a force size by pointing at missions that held similar ground. Each
mission with a geometry on record (line, area or population) becomes one zone with those
figures, threat 1, no returnees and no mines (the record gives neither), the doctrine mandate
of its class, and one contributor offering every unit type at one price, so the least-cost
plan is the least-personnel plan the doctrine allows. The same pipeline that solves a
scenario solves and verifies it. A ratio within 0.67..1.5 of the mission's personnel is in
band; out of band, the analogue's presence rule is broken down term by term, which says
where the doctrine's size comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from pkplanner.files import write_atomic
from pkplanner.pipeline import SolverSettings, solve_checked
from pkplanner.report.document import Report, Section
from pkplanner.scenario.history import HistoryTable, Mission, load_history
from pkplanner.scenario.resolve import (
    DOCTRINE_KEYS,
    LoadedScenario,
    doctrine,
    fill_defaults,
    resolve,
    validate_document,
)

BAND = (0.67, 1.5)
# the doctrine mandate that does what each class of mission did (models/history.yaml)
MANDATE_OF = {"monitoring": "monitoring", "observation": "observation_liaison",
              "interposition": "interposition", "robust": "multidimensional"}
TERMS = (("base", None, 1.0), ("per_line_km", "line_km", 1.0),
         ("per_1000_pop", "population", 1000.0), ("per_km2", "area_km2", 1.0))


@dataclass
class Analogue:
    mission: Mission
    history: int                        # the mission's personnel (total, else its components)
    mandate: str
    geometry: dict[str, float]          # line_km, area_km2, population (0 where not on record)
    model: int | None = None            # the analogue's least personnel; None: not sized
    status: str = ""
    verdict: list[str] | None = None
    why: str = ""

    @property
    def ratio(self) -> float | None:
        return self.model / self.history if self.model is not None and self.history else None

    @property
    def in_band(self) -> bool:
        return self.ratio is not None and BAND[0] <= self.ratio <= BAND[1]


def history_personnel(m: Mission) -> int:
    """What the mission fielded: its total, else the sum of the components on record."""
    s = m.strength
    if s.total is not None:
        return int(s.total.value)
    return int(sum(f.value for f in s.components().values()))


def analogue_document(a: Analogue, d: dict[str, Any]) -> dict[str, Any]:
    """The one-zone scenario of a mission (the doctrine `d` fills unit types and mandates)."""
    g = a.geometry
    units = [u["id"] for u in d["unit_types"]]
    return {
        "schema_version": 1, "name": f"analogue_{a.mission.id}",
        "title": f"One-zone analogue of {a.mission.name}",
        "parties": [{"id": "P"}],
        "zones": [{"id": "zone", "location": {"lat": 0.0, "lon": 0.0}, "threat": 1,
                   "line_km": g["line_km"], "area_km2": g["area_km2"],
                   "population": g["population"], "allowed_mandates": [a.mandate]}],
        "hubs": [{"id": "hub", "location": {"lat": 0.0, "lon": 0.01}}],
        "routes": [{"from": "hub", "to": "zone", "km": 2}],
        "contributors": [{"id": "ANY", "cost_per_person_month": 1.0,
                          "max_personnel": 10_000_000,
                          "units": dict.fromkeys(units, 100_000)}],
        "rules": {"max_share": 1.0, "max_share_zone": 1.0, "min_contributors": 0,
                  "min_contingent": 0, "acceptability_floor": {}, "armament_floor": {}},
        "planning_options": [{"id": "X", "name": "analogue", "mandates": [a.mandate]}],
        "objective": "cost",
    }


def rule_terms(d: dict[str, Any], mandate: str, capability: str, geometry: dict[str, float]
               ) -> list[tuple[str, float]]:
    """One requirement of the analogue's mandate in the doctrine `d`, term by term (threat
    1)."""
    rule = next(m for m in d["mandates"] if m["id"] == mandate)["requirements"].get(
        capability) or {}
    mult = float(d["threat_multipliers"][1])
    out = []
    for key, attr, per in TERMS:
        coef = float(rule.get(key, 0.0))
        if coef:
            value = coef * (geometry[attr] / per if attr else 1.0) * mult
            where = f" x {geometry[attr]:,.0f}" + (" / 1,000" if per == 1000.0 else "") \
                if attr else ""
            out.append((f"{key} {coef:g}{where}", value))
    return out


def sizing(a: Analogue, zone: dict[str, Any], d: dict[str, Any]) -> str:
    """What sets the analogue's size: the requirements its units meet with no room, each
    with the doctrine terms that make it."""
    held = [(cap, float(q["required"])) for cap, q in (zone.get("requirements") or {}).items()
            if float(q["provided"]) - float(q["required"]) <= 0.05 * max(1.0, float(
                q["required"]))]
    parts = []
    for cap, need in held or [("presence", float(a.model or 0))]:
        terms = " + ".join(f"{k}" for k, v in rule_terms(d, a.mandate, cap, a.geometry) if v)
        parts.append(f"{cap} {need:,.0f}" + (f" ({terms})" if terms else ""))
    return "; ".join(parts)


def calibrate(table: HistoryTable | None = None, time_limit: float = 30.0) -> list[Analogue]:
    """Size every mission of the history table that has a geometry on record."""
    table = table or load_history()
    d = doctrine()
    out = []
    for m in table.missions:
        g = m.geometry
        geometry = {"line_km": float(g.line_km.value) if g.line_km else 0.0,
                    "area_km2": float(g.area_km2.value) if g.area_km2 else 0.0,
                    "population": float(g.population.value) if g.population else 0.0}
        a = Analogue(m, history_personnel(m), MANDATE_OF[m.mandate_class], geometry)
        out.append(a)
        if not any(geometry.values()):
            a.status = "not sized"
            a.why = "the record gives no line, area or population to size a zone by"
            continue
        # the doctrine's keys given, so fill_defaults reads no file per mission
        doc = fill_defaults({**analogue_document(a, d), **{k: d[k] for k in DOCTRINE_KEYS}})
        sc = validate_document(doc, f"analogue {m.id}")
        rs = resolve(LoadedScenario(sc, f"analogue:{m.id}", "-"))
        done = solve_checked(rs, "cost", SolverSettings(time_limit=time_limit, gap=1e-4))
        a.status, a.verdict = done.outcome.status, done.verdict
        if done.outcome.plan is not None:
            a.model = int(done.doc["totals"]["personnel"])
        if a.model is not None and not a.in_band:
            side = "above" if (a.ratio or 0) > BAND[1] else "below"
            a.why = (f"{side} the band: {a.model:,} people meet, with no room, "
                     f"{sizing(a, done.doc['zones'][0], d)} under {a.mandate}")
    return out


def by_class(rows: list[Analogue]) -> dict[str, tuple[int, float, float, float]]:
    """Class -> (missions sized, geometric mean ratio, lowest, highest)."""
    out = {}
    for cls in MANDATE_OF:
        ratios = [a.ratio for a in rows if a.mission.mandate_class == cls and a.ratio]
        if ratios:
            gm = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
            out[cls] = (len(ratios), gm, min(ratios), max(ratios))
    return out


@dataclass(frozen=True)
class ClassFit:
    """One multiplier on a mandate's requirement rules, fitted to the class's missions."""

    missions: int
    scale: float            # multiply the class mandate's requirement coefficients by this
    in_band: int            # missions within BAND once scaled
    loo_rms: float          # leave-one-out error: RMS of log(scaled ratio) with the mission
                            # left out of its own fit
    loo_in_band: int        # missions within BAND under their leave-one-out scale


def fit(rows: list[Analogue]) -> dict[str, ClassFit]:
    """Least squares on log ratios with one multiplier per class: log s = -mean(log r),
    exact for analogues sized by their requirement rules alone (a rule scaled by s scales
    the size by s, up to whole units). Leave-one-out refits without each mission and scores
    it, so a class of one gets no fit. A suggestion for the doctrine, not written to it."""
    out = {}
    for cls in MANDATE_OF:
        logs = [math.log(a.ratio) for a in rows if a.mission.mandate_class == cls and a.ratio]
        n = len(logs)
        if n < 2:
            continue
        log_s = -sum(logs) / n
        loo = [x - sum(logs[:i] + logs[i + 1:]) / (n - 1) for i, x in enumerate(logs)]
        lo, hi = math.log(BAND[0]), math.log(BAND[1])
        out[cls] = ClassFit(n, math.exp(log_s), sum(lo <= x + log_s <= hi for x in logs),
                            math.sqrt(sum(e * e for e in loo) / n),
                            sum(lo <= e <= hi for e in loo))
    return out


def build_calibration(rows: list[Analogue]) -> Report:
    sized = [a for a in rows if a.ratio is not None]
    inside = [a for a in sized if a.in_band]
    s = Section("missions", "Missions sized by the doctrine")
    s.p("Each mission of models/history.yaml with a line, area or population on record is "
        "sized as one zone with those figures (threat 1, no returnees or mines: the record "
        "gives neither) under the doctrine mandate of its class (monitoring: monitoring; "
        "observation: observation_liaison; interposition: interposition; robust: "
        "multidimensional), by the same solve and verifier as a scenario, with one "
        "contributor offering every unit type at one price: the least personnel the doctrine "
        f"allows. Ratio = model / history; the band is {BAND[0]:g}..{BAND[1]:g}. History is "
        "the mission's total personnel, else the sum of its components on record.")
    s.table(["mission", "class", "line km", "area km2", "population", "history", "model",
             "ratio", "in band", "why"], [
        [a.mission.id, a.mission.mandate_class, f"{a.geometry['line_km']:,.0f}",
         f"{a.geometry['area_km2']:,.0f}", f"{a.geometry['population']:,.0f}",
         f"{a.history:,}", f"{a.model:,}" if a.model is not None else "-",
         f"{a.ratio:.2f}" if a.ratio is not None else "-",
         "yes" if a.in_band else ("-" if a.ratio is None else "no"),
         a.why or ("" if a.verdict in (None, []) else "; ".join(a.verdict or []))]
        for a in rows], numeric=range(2, 8))
    c = Section("classes", "Ratios by mandate class")
    c.table(["class", "missions sized", "geometric mean ratio", "lowest", "highest"], [
        [cls, str(n), f"{gm:.2f}", f"{lo:.2f}", f"{hi:.2f}"]
        for cls, (n, gm, lo, hi) in by_class(rows).items()], numeric=range(1, 5))
    fits = fit(rows)
    c.p("A one-parameter fit per class (least squares on log ratios): the multiplier on the "
        "class mandate's requirement rules that centres its missions on history, how many "
        "would then sit in the band, and the leave-one-out check (each mission scored by the "
        "multiplier fitted without it). A suggestion: the doctrine is not changed.")
    c.table(["class", "mandate", "missions", "multiplier", "in band after",
             "leave-one-out in band", "leave-one-out RMS log error"], [
        [cls, MANDATE_OF[cls], str(f.missions), f"{f.scale:.2f}", f"{f.in_band} of {f.missions}",
         f"{f.loo_in_band} of {f.missions}", f"{f.loo_rms:.2f}"]
        for cls, f in fits.items()], numeric=range(2, 7))
    fig = go.Figure(go.Scatter(
        x=[a.ratio for a in sized], y=[a.mission.id for a in sized], mode="markers",
        marker={"size": 10, "color": ["#54a24b" if a.in_band else "#e45756" for a in sized]},
        hovertext=[f"{a.mission.name}: model {a.model:,} / history {a.history:,}"
                   for a in sized], hoverinfo="text"))
    fig.add_vrect(x0=BAND[0], x1=BAND[1], fillcolor="#54a24b", opacity=0.12, line_width=0)
    fig.add_vline(x=1.0, line_dash="dot")
    fig.update_xaxes(type="log", title="model / history (log scale)")
    fig.update_layout(title={"text": "Model against history", "x": 0.01}, height=560,
                      template="plotly_white", margin={"l": 140, "r": 20, "t": 60, "b": 60})
    s.chart("calibration", "Ratio of model to history per mission; the band shaded")
    summary = [f"{len(sized)} missions sized", f"{len(inside)} within {BAND[0]:g}..{BAND[1]:g}",
               f"{len(rows) - len(sized)} not sized"]
    return Report("Calibration of the doctrine against past missions", "models/history.yaml "
                  "sized with models/doctrine.yaml", "calibration", summary, [s, c],
                  {"calibration": fig})


def write_calibration(folder: Path, rows: list[Analogue]) -> tuple[Path, Path]:
    report = build_calibration(rows)
    md, page = Path(folder) / "calibration.md", Path(folder) / "calibration.html"
    write_atomic(md, report.markdown())
    write_atomic(page, report.html())
    return md, page
