"""The doctrine against the record: each past mission of models/history.yaml sized as a
one-zone analogue, the ratio of model to history, and a fit of the doctrine's presence rules
to the record.

A planner defends a force size by pointing at missions that held similar ground. Each
mission with a geometry on record (line, area or population) becomes one zone with those
figures, the threat the table assesses for it (1 where it assesses none), no returnees and
no mines (the record gives neither), the doctrine mandate of its class, and one contributor
offering every unit type at one price, so the least-cost plan is the least-personnel plan
the doctrine allows. The same pipeline that solves a scenario solves and verifies it. A
ratio within 0.67..1.5 of the mission's personnel is in band.

The fit (`fit_doctrine`) sets the presence rule of each class's mandate term by term
(per km of line, per 1,000 residents, per km2, as the class needs) by bounded least squares
on log(model / history); the floor `min` is a sector's least force, an assumption, not
fitted: the table holds whole missions, and a floor fitted to them would put a whole
mission's headquarters in every zone again. The analogues are then sized again by the MILP
with the fitted doctrine, and leave-one-out sizes each mission with the coefficients fitted
without it, so the errors printed are the solver's, not the fit's linear prediction.
"""

from __future__ import annotations

import copy
import datetime
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from scipy.optimize import least_squares

from pkplanner.files import write_atomic
from pkplanner.pipeline import SolverSettings, solve_checked
from pkplanner.report.document import Report, Section
from pkplanner.resources import models_dir
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
TERMS = (("min", None, 1.0), ("base", None, 1.0), ("per_line_km", "line_km", 1.0),
         ("per_1000_pop", "population", 1000.0), ("per_km2", "area_km2", 1.0))
GEOMETRY_OF = {key: (attr, per) for key, attr, per in TERMS if attr}
# the requirements that cover the same line and area as presence does: once presence is
# fitted, their people may not exceed presence's, term by term (cap_coverage)
COVERAGE = ("observation_km", "patrol_km")
SIGNIFICANT = 3                     # digits of a fitted coefficient written to the doctrine


@dataclass(frozen=True)
class ClassSpec:
    """What is fitted for one mandate class, with the bounds of each coefficient.

    `floor` is the presence rule's `min`, a sector's least force (an assumption, the old
    per-zone base); each term is (key, lower, upper). Why these bounds: docs/calibration.md."""

    mandate: str
    floor: float
    terms: tuple[tuple[str, float, float], ...]


SPECS = {
    # unarmed monitors on a line or over a province: per km and per resident; at most 5 per km
    # (four times the densest record, SMM 1.28) and 4 per 1,000 (Quinlivan's peaceful policing
    # ratio, the most a presence among residents is given anywhere in the doctrine)
    "monitoring": ClassSpec("monitoring", 12.0, (("per_line_km", 0.0, 5.0),
                                                 ("per_1000_pop", 0.0, 4.0))),
    "observation": ClassSpec("observation_liaison", 20.0, (("per_line_km", 0.0, 5.0),
                                                           ("per_1000_pop", 0.0, 4.0))),
    # armed forces on a line: at most 30 per km (above UNEF I's 25.8, the densest record)
    # and 20 per 1,000 residents (Quinlivan's stabilisation ratio)
    "interposition": ClassSpec("interposition", 100.0, (("per_line_km", 0.0, 30.0),
                                                        ("per_1000_pop", 0.0, 20.0))),
    # robust forces over territory: line, residents and area; at most 5 per km2
    "robust": ClassSpec("multidimensional", 100.0, (("per_line_km", 0.0, 30.0),
                                                    ("per_1000_pop", 0.0, 20.0),
                                                    ("per_km2", 0.0, 5.0))),
}


@dataclass
class Analogue:
    mission: Mission
    history: int                        # the mission's personnel (total, else its components)
    mandate: str
    geometry: dict[str, float]          # line_km, area_km2, population (0 where not on record)
    threat: int = 1                     # the table's assessment; 1 where it assesses none
    model: int | None = None            # the analogue's least personnel; None: not sized
    status: str = ""
    verdict: list[str] | None = None
    why: str = ""
    sizing: str = ""                    # what sets the size: requirements met with no room

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


def analogue_of(m: Mission) -> Analogue:
    g = m.geometry
    geometry = {"line_km": float(g.line_km.value) if g.line_km else 0.0,
                "area_km2": float(g.area_km2.value) if g.area_km2 else 0.0,
                "population": float(g.population.value) if g.population else 0.0}
    return Analogue(m, history_personnel(m), MANDATE_OF[m.mandate_class], geometry,
                    m.threat.level if m.threat else 1)


def analogue_document(a: Analogue, d: dict[str, Any]) -> dict[str, Any]:
    """The one-zone scenario of a mission (the doctrine `d` fills unit types and mandates)."""
    g = a.geometry
    units = [u["id"] for u in d["unit_types"]]
    return {
        "schema_version": 1, "name": f"analogue_{a.mission.id}",
        "title": f"One-zone analogue of {a.mission.name}",
        "parties": [{"id": "P"}],
        "zones": [{"id": "zone", "location": {"lat": 0.0, "lon": 0.0}, "threat": a.threat,
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


def rule_terms(d: dict[str, Any], mandate: str, capability: str, geometry: dict[str, float],
               threat: int = 1) -> list[tuple[str, float]]:
    """One requirement of the analogue's mandate in the doctrine `d`, term by term, after
    the threat multiplier; `min` is listed only when it is what counts (the terms sum to
    less)."""
    rule = next(m for m in d["mandates"] if m["id"] == mandate)["requirements"].get(
        capability) or {}
    mult = float(d["threat_multipliers"][threat])
    out = []
    for key, attr, per in TERMS:
        coef = float(rule.get(key, 0.0))
        if coef and key != "min":
            value = coef * (geometry[attr] / per if attr else 1.0) * mult
            where = f" x {geometry[attr]:,.0f}" + (" / 1,000" if per == 1000.0 else "") \
                if attr else ""
            out.append((f"{key} {coef:g}{where}", value))
    floor = float(rule.get("min", 0.0)) * mult
    if floor > sum(v for _, v in out):
        return [(f"min {float(rule['min']):g}", floor)]
    return out


def sizing(a: Analogue, zone: dict[str, Any], d: dict[str, Any]) -> str:
    """What sets the analogue's size: the requirements its units meet with no room, each
    with the doctrine terms that make it."""
    held = [(cap, float(q["required"])) for cap, q in (zone.get("requirements") or {}).items()
            if float(q["provided"]) - float(q["required"]) <= 0.05 * max(1.0, float(
                q["required"]))]
    parts = []
    for cap, need in held or [("presence", float(a.model or 0))]:
        terms = " + ".join(f"{k}" for k, v in rule_terms(d, a.mandate, cap, a.geometry,
                                                          a.threat) if v)
        parts.append(f"{cap} {need:,.0f}" + (f" ({terms})" if terms else ""))
    thr = f" at threat {a.threat} (x{float(d['threat_multipliers'][a.threat]):g})"
    return "; ".join(parts) + f" under {a.mandate}" + thr


def size(a: Analogue, d: dict[str, Any], time_limit: float = 30.0) -> Analogue:
    """Solve and verify the analogue under the doctrine `d`; fills model, status, verdict."""
    # the doctrine's keys given, so fill_defaults reads no file per mission
    doc = fill_defaults({**analogue_document(a, d), **{k: d[k] for k in DOCTRINE_KEYS}})
    sc = validate_document(doc, f"analogue {a.mission.id}")
    rs = resolve(LoadedScenario(sc, f"analogue:{a.mission.id}", "-"))
    done = solve_checked(rs, "cost", SolverSettings(time_limit=time_limit, gap=1e-4))
    a.status, a.verdict = done.outcome.status, done.verdict
    a.model = int(done.doc["totals"]["personnel"]) if done.outcome.plan is not None else None
    if a.model is not None:
        a.sizing = sizing(a, done.doc["zones"][0], d)
    return a


def calibrate(table: HistoryTable | None = None, d: dict[str, Any] | None = None,
              time_limit: float = 30.0) -> list[Analogue]:
    """Size every mission of the history table that has a geometry on record, with the
    doctrine `d` (the shipped one by default)."""
    table = table or load_history()
    d = d or doctrine()
    out = []
    for m in table.missions:
        a = analogue_of(m)
        out.append(a)
        if not any(a.geometry.values()):
            a.status = "not sized"
            a.why = f"not sized: {m.geometry_missing.strip()}"
            continue
        size(a, d, time_limit)
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


# --------------------------------------------------------------------------- the fit


def significant(x: float, digits: int = SIGNIFICANT) -> float:
    """x to `digits` significant digits: what the doctrine file holds, so the solver sizes
    with the written numbers."""
    if x == 0 or not math.isfinite(x):
        return 0.0
    return float(f"{x:.{digits}g}")


@dataclass(frozen=True)
class Point:
    """One mission as the fit sees it: its class's terms' geometry, threat multiplier and
    personnel."""

    mission: str
    x: tuple[float, ...]            # line km, residents / 1,000, km2: the class's terms, in order
    mult: float
    history: float


def points(rows: list[Analogue], cls: str, d: dict[str, Any]) -> list[Point]:
    spec = SPECS[cls]
    out = []
    for a in rows:
        if a.mission.mandate_class != cls or not any(a.geometry.values()) or not a.history:
            continue
        x = tuple(a.geometry[GEOMETRY_OF[k][0]] / GEOMETRY_OF[k][1] for k, _, _ in spec.terms)
        out.append(Point(a.mission.id, x, float(d["threat_multipliers"][a.threat]),
                         float(a.history)))
    return out


def predict(pts: list[Point], floor: float, coefs: tuple[float, ...]) -> list[float]:
    """The presence rule's requirement for each point: mult x max(floor, sum of terms)."""
    return [p.mult * max(floor, sum(c * x for c, x in zip(coefs, p.x, strict=True)))
            for p in pts]


def log_cost(pts: list[Point], floor: float, coefs: tuple[float, ...]) -> float:
    """Sum of squared log(predicted / history): what the fit minimises."""
    return sum(math.log(q / p.history) ** 2
               for q, p in zip(predict(pts, floor, coefs), pts, strict=True))


def fit_terms(pts: list[Point], spec: ClassSpec) -> tuple[float, ...]:
    """The class's presence coefficients: bounded least squares on log(predicted /
    history) (scipy.optimize.least_squares, trust-region reflective), from a grid of
    starting points so a local minimum of the non-convex log residual is not taken for the
    best; rounded to SIGNIFICANT digits. A term no mission of the class has (its column all
    0) is not identified and stays at its lower bound."""
    lo = np.array([t[1] for t in spec.terms], dtype=float)
    hi = np.array([t[2] for t in spec.terms], dtype=float)
    a = np.array([p.x for p in pts], dtype=float).reshape(len(pts), len(spec.terms))
    mult = np.array([p.mult for p in pts])
    hist = np.array([p.history for p in pts])
    used = np.flatnonzero(a.any(axis=0))
    if len(used) == 0:
        return tuple(float(v) for v in lo)

    def full(c: np.ndarray) -> np.ndarray:
        out = lo.copy()
        out[used] = c
        return out

    def residual(c: np.ndarray) -> np.ndarray:
        return np.asarray(np.log(mult * np.maximum(spec.floor, a @ full(c))) - np.log(hist))

    grid = [lo[used] + (hi[used] - lo[used]) * f for f in (0.002, 0.02, 0.1, 0.3, 0.7)]
    starts = np.array(np.meshgrid(*[[g[i] for g in grid] for i in range(len(used))],
                                  indexing="ij")).reshape(len(used), -1).T
    best: tuple[float, np.ndarray] | None = None
    for x0 in starts:
        r = least_squares(residual, x0, bounds=(lo[used], hi[used]), method="trf",
                          x_scale=np.maximum(hi[used] - lo[used], 1e-9))
        cost = float(np.sum(r.fun ** 2))
        if best is None or cost < best[0] - 1e-12:
            best = (cost, r.x)
    assert best is not None
    c = full(np.clip(best[1], lo[used], hi[used]))
    # a coefficient the solver leaves a hair above its bound (1e-14) is at the bound
    c = np.where(c - lo <= 1e-6 * (hi - lo), lo, np.where(hi - c <= 1e-6 * (hi - lo), hi, c))
    return tuple(significant(float(v)) for v in c)


def people_per(d: dict[str, Any], mandate: dict[str, Any], capability: str) -> float | None:
    """The fewest people per unit of `capability` among the unit types a zone under the
    mandate may take (armament at most the mandate's highest); None: no unit has it."""
    rank = {lv: i for i, lv in enumerate(d["armament_levels"])}
    top = rank[mandate["max_armament"]]
    per = [u["personnel"] / u["capabilities"][capability] for u in d["unit_types"]
           if u["capabilities"].get(capability, 0) > 0 and rank[u["armament"]] <= top]
    return min(per) if per else None


def presence_rule(spec: ClassSpec, coefs: tuple[float, ...], old: dict[str, Any]
                  ) -> dict[str, float]:
    """The fitted presence rule: the floor, the fitted terms, and the old rule's terms the
    record cannot fit (per 1,000 returnees: no mission records returnees); no base."""
    rule: dict[str, float] = {"min": spec.floor}
    rule.update({k: c for (k, _, _), c in zip(spec.terms, coefs, strict=True)})
    rule.update({k: v for k, v in old.items() if k not in rule and k != "base"})
    return rule


def cap_coverage(d: dict[str, Any], mandate: dict[str, Any]) -> None:
    """Observation and patrol cover the line and the area presence is fitted on; the record
    does not support a coverage the fitted presence's people cannot give (UNMOGIP watches
    740 km with 44 observers), so each of their line, resident and area terms is lowered to
    what the presence term's people provide with the unit best at it. Lowers, never
    raises."""
    req = mandate["requirements"]
    presence = req.get("presence") or {}
    for cap in COVERAGE:
        rule = req.get(cap)
        per = people_per(d, mandate, cap)
        if not rule or per is None:
            continue
        for key in GEOMETRY_OF:
            if key in rule:
                rule[key] = min(float(rule[key]),
                                significant(float(presence.get(key, 0.0)) / per))


def apply_fit(d: dict[str, Any], coefs: dict[str, tuple[float, ...]]) -> dict[str, Any]:
    """A copy of the doctrine `d` with each fitted class's presence rule replaced and its
    coverage capped."""
    out = copy.deepcopy(d)
    for cls, c in coefs.items():
        spec = SPECS[cls]
        m = next(m for m in out["mandates"] if m["id"] == spec.mandate)
        m["requirements"]["presence"] = presence_rule(
            spec, c, m["requirements"].get("presence") or {})
        cap_coverage(out, m)
    return out


@dataclass
class ClassFit:
    """The presence rule of one class's mandate fitted to its missions, with the
    leave-one-out check sized by the MILP."""

    cls: str
    coefs: tuple[float, ...]
    missions: list[str]
    cost: float                                     # sum of squared log(predicted / history)
    prediction: dict[str, float]                    # mission -> the rule's linear prediction
    loo_coefs: dict[str, tuple[float, ...]] = field(default_factory=dict)
    loo_ratio: dict[str, float] = field(default_factory=dict)  # MILP size / history

    @property
    def spec(self) -> ClassSpec:
        return SPECS[self.cls]

    @property
    def terms(self) -> dict[str, float]:
        return {k: c for (k, _, _), c in zip(self.spec.terms, self.coefs, strict=True)}

    @property
    def at_bound(self) -> list[str]:
        return [f"{k} at its {'upper' if c >= hi else 'lower'} bound {c:g}"
                for (k, lo, hi), c in zip(self.spec.terms, self.coefs, strict=True)
                if c >= hi or (c <= lo and lo > 0)]

    @property
    def loo_rms(self) -> float | None:
        """RMS of log(size / history), each mission sized with the coefficients fitted
        without it."""
        r = list(self.loo_ratio.values())
        return math.sqrt(sum(math.log(x) ** 2 for x in r) / len(r)) if r else None

    @property
    def loo_in_band(self) -> int:
        return sum(BAND[0] <= x <= BAND[1] for x in self.loo_ratio.values())


def fit_doctrine(rows: list[Analogue], d: dict[str, Any] | None = None,
                 time_limit: float = 30.0, loo: bool = True
                 ) -> tuple[dict[str, Any], dict[str, ClassFit]]:
    """The doctrine with every class's presence rule fitted to its missions (a class needs
    two), and the fits; with `loo`, each mission is also sized by the MILP with the
    coefficients fitted without it."""
    d = d or doctrine()
    fits: dict[str, ClassFit] = {}
    for cls, spec in SPECS.items():
        pts = points(rows, cls, d)
        if len(pts) < 2:
            continue
        c = fit_terms(pts, spec)
        fits[cls] = ClassFit(cls, c, [p.mission for p in pts], log_cost(pts, spec.floor, c),
                             {p.mission: q for p, q in zip(pts, predict(pts, spec.floor, c),
                                                           strict=True)})
    fitted = apply_fit(d, {cls: f.coefs for cls, f in fits.items()})
    if loo:
        for cls, f in fits.items():
            pts = points(rows, cls, d)
            for i, p in enumerate(pts):
                c_i = fit_terms(pts[:i] + pts[i + 1:], f.spec)
                f.loo_coefs[p.mission] = c_i
                a = next(r for r in rows if r.mission.id == p.mission)
                b = size(analogue_of(a.mission), apply_fit(d, {cls: c_i}), time_limit)
                if b.ratio is not None:
                    f.loo_ratio[p.mission] = b.ratio
    return fitted, fits


BAND_WIDTH = BAND[1] / BAND[0]


def explain(rows: list[Analogue], fits: dict[str, ClassFit]) -> None:
    """One line on every analogue outside the band: what sets its size, and why the fit
    cannot bring it in (the class mission it disagrees with most, when the two disagree by
    more than the band is wide; a coefficient held at its bound; else the class's
    compromise)."""
    for a in rows:
        if a.ratio is None or a.in_band:
            continue
        side = "above" if a.ratio > BAND[1] else "below"
        head = f"{side} the band ({a.ratio:.2f}): {a.model:,} people meet, with no room, " \
               f"{a.sizing}"
        f = fits.get(a.mission.mandate_class)
        if f is None:
            a.why = f"{head}; too few missions in the class to fit"
            continue
        off = {m: f.prediction[m] / next(r.history for r in rows if r.mission.id == m)
               for m in f.missions}
        mine = off[a.mission.id]
        other = max(off, key=lambda m: abs(math.log(off[m] / mine)))
        spread = max(off[other] / mine, mine / off[other])
        if spread > BAND_WIDTH:
            h = next(r for r in rows if r.mission.id == other)
            reason = (f"it and {other} ({h.history:,} for {describe(h)}) disagree "
                      f"{spread:.1f}x at the class's fitted terms, more than the band's "
                      f"{BAND_WIDTH:.2f}x: no coefficients hold both")
        elif f.at_bound:
            reason = "the fit holds " + ", ".join(f.at_bound)
        else:
            reason = "the least-squares compromise of its class leaves it out"
        a.why = f"{head}; {reason}"


def describe(a: Analogue) -> str:
    g = a.geometry
    parts = [f"{g['line_km']:,.0f} km of line" if g["line_km"] else "",
             f"{g['population']:,.0f} residents" if g["population"] else "",
             f"{g['area_km2']:,.0f} km2" if g["area_km2"] else ""]
    return ", ".join(p for p in parts if p) + f", threat {a.threat}"


# --------------------------------------------------------------------------- write-back


def _number(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def provenance(rows: list[Analogue], fits: dict[str, ClassFit], today: str
               ) -> dict[str, Any]:
    """What the doctrine's `calibration:` block records: method, date, and per mandate the
    missions used, the bounds, what the MILP sizes in band and the leave-one-out error."""
    mandates = {}
    for cls, f in fits.items():
        sized = [a for a in rows if a.mission.id in f.missions and a.ratio is not None]
        loo = f.loo_rms
        mandates[f.spec.mandate] = {
            "class": cls,
            "presence": {"min": _number(f.spec.floor),
                         **{k: _number(v) for k, v in f.terms.items()}},
            "bounds": {k: [_number(lo), _number(hi)] for k, lo, hi in f.spec.terms},
            "missions": list(f.missions),
            "in_band": f"{sum(a.in_band for a in sized)} of {len(sized)}",
            "out_of_band": [a.mission.id for a in sized if not a.in_band],
            "leave_one_out_in_band": f"{f.loo_in_band} of {len(f.loo_ratio)}",
            "leave_one_out_rms_log_error": round(loo, 3) if loo is not None else None,
        }
    return {
        "written_by": "pkplanner calibrate --write",
        "date": today,
        "history": "models/history.yaml",
        "method": (
            "per mandate class, the presence rule's terms fitted by bounded least squares on "
            "log(requirement / history personnel), requirement = threat multiplier x max(min, "
            "sum of terms) at each mission's geometry and assessed threat "
            "(scipy.optimize.least_squares, trf, from a grid of starts); min is a sector "
            "floor, an assumption, not fitted; observation_km and patrol_km capped at what "
            "the fitted presence's people provide; in_band and leave_one_out are the MILP's "
            "sizes of the one-zone analogues (docs/calibration.md)"),
        "mandates": mandates,
    }


def write_doctrine(path: Path, fitted: dict[str, Any], rows: list[Analogue],
                   fits: dict[str, ClassFit], today: str | None = None) -> None:
    """Write the fitted rules into the doctrine file at `path`, keeping its comments and
    layout (ruamel.yaml round trip): each fitted mandate's presence rule and its capped
    coverage rules, and the `calibration:` block with their provenance (replaced when
    there)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def flow(items: dict[str, Any]) -> CommentedMap:
        out = CommentedMap()
        for k, v in items.items():
            if isinstance(v, list):
                seq = CommentedSeq(v)
                seq.fa.set_flow_style()
                out[k] = seq
            elif isinstance(v, float | int) and not isinstance(v, bool):
                out[k] = _number(v)
            else:
                out[k] = v
        out.fa.set_flow_style()
        return out

    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    data = y.load(path.read_text(encoding="utf-8"))
    for f in fits.values():
        new = next(m for m in fitted["mandates"] if m["id"] == f.spec.mandate)["requirements"]
        req = next(m for m in data["mandates"] if m["id"] == f.spec.mandate)["requirements"]
        for cap in ("presence", *COVERAGE):
            if cap in req:
                req[cap] = flow(new[cap])
    block = provenance(rows, fits, today or datetime.date.today().isoformat())
    cal = CommentedMap()
    for k, v in block.items():
        if k != "mandates":
            cal[k] = v
    cal["mandates"] = CommentedMap()
    for mid, entry in block["mandates"].items():
        e = CommentedMap()
        for k, v in entry.items():
            e[k] = flow(v) if isinstance(v, dict) else (
                flow({"_": v})["_"] if isinstance(v, list) else v)
        cal["mandates"][mid] = e
    if "calibration" in data:
        data["calibration"] = cal          # in place: the comment above it stays, once
    else:
        data["calibration"] = cal
        data.yaml_set_comment_before_after_key(
            "calibration", before="\nProvenance of the presence rules fitted to "
            "models/history.yaml (written by\n`pkplanner calibrate --write`; "
            "docs/calibration.md). The rules above are the fitted ones;\nthis block records "
            "how they were fitted.")
    buf = io.StringIO()
    y.dump(data, buf)
    write_atomic(path, buf.getvalue())


def doctrine_path() -> Path:
    return models_dir() / "doctrine.yaml"


# --------------------------------------------------------------------------- report


@dataclass
class Calibration:
    """One run: the analogues with the shipped doctrine, the fit, and the analogues sized
    again with the fitted doctrine (the numbers the command reports)."""

    shipped: list[Analogue]
    fitted: list[Analogue]
    fits: dict[str, ClassFit]
    doctrine: dict[str, Any]


def run_calibration(table: HistoryTable | None = None, time_limit: float = 30.0
                    ) -> Calibration:
    table = table or load_history()
    d = doctrine()
    shipped = calibrate(table, d, time_limit)
    fitted_d, fits = fit_doctrine(shipped, d, time_limit)
    after = calibrate(table, fitted_d, time_limit)
    explain(after, fits)
    return Calibration(shipped, after, fits, fitted_d)


def class_line(cal: Calibration, cls: str) -> str:
    """One line per class: in band with the shipped and the fitted doctrine, the
    leave-one-out check, and the fitted presence rule."""
    def inside(rows: list[Analogue]) -> tuple[int, int]:
        sized = [a for a in rows if a.mission.mandate_class == cls and a.ratio is not None]
        return sum(a.in_band for a in sized), len(sized)
    s_in, n = inside(cal.shipped)
    f_in, _ = inside(cal.fitted)
    f = cal.fits.get(cls)
    if f is None:
        return f"{cls}: {n} sized, {s_in} in band; too few missions to fit"
    rule = ", ".join(f"{k} {v:g}" for k, v in {"min": f.spec.floor, **f.terms}.items())
    loo = f.loo_rms
    check = (f"leave-one-out {f.loo_in_band} of {len(f.loo_ratio)}, RMS log error {loo:.2f}"
             if loo is not None else "no leave-one-out")
    return (f"{cls}: {n} sized; in band {s_in} of {n} with the shipped doctrine, {f_in} of "
            f"{n} fitted; {check}; {f.spec.mandate} presence {{{rule}}}")


def build_calibration(cal: Calibration) -> Report:
    shipped = {a.mission.id: a for a in cal.shipped}
    rows = cal.fitted
    sized = [a for a in rows if a.ratio is not None]
    inside = [a for a in sized if a.in_band]
    loo = {m: r for f in cal.fits.values() for m, r in f.loo_ratio.items()}
    s = Section("missions", "Missions sized by the doctrine")
    s.p("Each mission of models/history.yaml with a line, area or population on record is "
        "sized as one zone with those figures, at the threat the table assesses for it (an "
        "assessment with its reason in the table; 1 where none), with no returnees or mines "
        "(the record gives neither), under the doctrine mandate of its class (monitoring: "
        "monitoring; observation: observation_liaison; interposition: interposition; "
        "robust: multidimensional), by the same solve and verifier as a scenario, with one "
        "contributor offering every unit type at one price: the least personnel the doctrine "
        f"allows. Ratio = model / history; the band is {BAND[0]:g}..{BAND[1]:g}. History is "
        "the mission's total personnel, else the sum of its components on record. "
        "'shipped' is models/doctrine.yaml as read; 'fitted' the doctrine with the presence "
        "rules fitted below; 'leave-one-out' the mission sized with the coefficients fitted "
        "without it. Every size is the MILP's.")
    s.table(["mission", "class", "threat", "line km", "area km2", "population", "history",
             "shipped", "ratio", "fitted", "ratio", "leave-one-out ratio", "in band", "why"], [
        [a.mission.id, a.mission.mandate_class, str(a.threat),
         f"{a.geometry['line_km']:,.0f}", f"{a.geometry['area_km2']:,.0f}",
         f"{a.geometry['population']:,.0f}", f"{a.history:,}",
         _n(shipped[a.mission.id].model), _r(shipped[a.mission.id].ratio),
         _n(a.model), _r(a.ratio), _r(loo.get(a.mission.id)),
         "yes" if a.in_band else ("-" if a.ratio is None else "no"),
         a.why or ("" if a.verdict in (None, []) else "; ".join(a.verdict or []))]
        for a in rows], numeric=range(2, 12))
    c = Section("classes", "The fit by mandate class")
    c.p("Per class, the presence rule of its mandate is fitted term by term by bounded least "
        "squares on log(requirement / history), requirement = threat multiplier x max(min, "
        "sum of terms) at the mission's geometry (scipy.optimize.least_squares, from a grid "
        "of starting points). min, the floor a zone gets whatever its size, is an "
        "assumption (a sector's least force) and is not fitted: the table holds whole "
        "missions, and a floor fitted to them would give every zone a whole mission's "
        "headquarters. Observation and patrol rules are then capped at what the fitted "
        "presence's people provide. Leave-one-out: each mission is sized by the MILP with "
        "the coefficients fitted without it; the RMS of log(size / history) over the class "
        "is its error.")
    c.table(["class", "mandate", "missions", "fitted presence", "bounds", "in band, shipped",
             "in band, fitted", "leave-one-out in band", "leave-one-out RMS log error"], [
        [cls, f.spec.mandate, str(len(f.missions)),
         ", ".join(f"{k} {v:g}" for k, v in {"min": f.spec.floor, **f.terms}.items()),
         ", ".join(f"{k} {lo:g}..{hi:g}" for k, lo, hi in f.spec.terms),
         _count(cal.shipped, cls), _count(rows, cls), f"{f.loo_in_band} of {len(f.loo_ratio)}",
         f"{f.loo_rms:.2f}" if f.loo_rms is not None else "-"]
        for cls, f in cal.fits.items()], numeric=range(2, 3))
    c.table(["class", "missions sized", "geometric mean ratio", "lowest", "highest"], [
        [cls, str(n), f"{gm:.2f}", f"{lo:.2f}", f"{hi:.2f}"]
        for cls, (n, gm, lo, hi) in by_class(rows).items()], numeric=range(1, 5))
    fig = go.Figure()
    for label, group, colour in (("shipped", cal.shipped, "#bab0ac"),
                                 ("fitted", rows, None)):
        pts = [a for a in group if a.ratio is not None]
        fig.add_trace(go.Scatter(
            x=[a.ratio for a in pts], y=[a.mission.id for a in pts], mode="markers",
            name=f"{label} doctrine",
            marker={"size": 10 if colour is None else 7, "color": colour or [
                "#54a24b" if a.in_band else "#e45756" for a in pts]},
            hovertext=[f"{a.mission.name}: model {a.model:,} / history {a.history:,}"
                       for a in pts], hoverinfo="text"))
    fig.add_vrect(x0=BAND[0], x1=BAND[1], fillcolor="#54a24b", opacity=0.12, line_width=0)
    fig.add_vline(x=1.0, line_dash="dot")
    fig.update_xaxes(type="log", title="model / history (log scale)")
    fig.update_layout(title={"text": "Model against history", "x": 0.01}, height=620,
                      template="plotly_white", margin={"l": 140, "r": 20, "t": 60, "b": 60})
    s.chart("calibration", "Ratio of model to history per mission, shipped (grey) and "
            "fitted doctrine; the band shaded")
    summary = [f"{len(sized)} missions sized",
               f"{len(inside)} within {BAND[0]:g}..{BAND[1]:g} with the fitted doctrine",
               f"{sum(a.in_band for a in cal.shipped)} with the shipped one",
               f"{len(rows) - len(sized)} not sized"]
    return Report("Calibration of the doctrine against past missions", "models/history.yaml "
                  "sized with models/doctrine.yaml and with its fitted presence rules",
                  "calibration", summary, [s, c], {"calibration": fig})


def _n(v: int | None) -> str:
    return f"{v:,}" if v is not None else "-"


def _r(v: float | None) -> str:
    return f"{v:.2f}" if v is not None else "-"


def _count(rows: list[Analogue], cls: str) -> str:
    sized = [a for a in rows if a.mission.mandate_class == cls and a.ratio is not None]
    return f"{sum(a.in_band for a in sized)} of {len(sized)}"


def write_calibration(folder: Path, cal: Calibration) -> tuple[Path, Path]:
    report = build_calibration(cal)
    md, page = Path(folder) / "calibration.md", Path(folder) / "calibration.html"
    write_atomic(md, report.markdown())
    write_atomic(page, report.html())
    return md, page
