"""The re-solve key is complete: a model built for one scenario and updated with another's
numbers is the model built for the other, whenever the two have the same `structure`.

`solve.Reusable` keeps a built model while `structure(d)` stays the same and loads the
new numbers with `update_numbers`. A field the builder reads that neither `structure` nor
`numbers` covers would make that re-solve quietly use a model built for other data. This
test perturbs every field of `ModelData` and of its `Rules`, one at a time and in several
ways, and for each perturbation with an unchanged key compares the updated model with a
fresh build, row by row and coefficient by coefficient. It enumerates the fields, so a
field added later is perturbed too (and `mutations` must learn its type, or the test says
so). Why a test and not a key recorded while building: see `model.structure`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pyomo.environ as pyo
import pytest
import yaml
from pyomo.repn import generate_standard_repn

from pkplanner.engine.data import ModelData, prepare
from pkplanner.engine.model import build_model, structure, update_numbers
from pkplanner.scenario.resolve import load_resolved
from pkplanner.scenario.schema import Rules

# every family on, with one party's floors at 0 (a key of `numbers` that is no row)
RICH_RULES: dict[str, Any] = {
    "mandates": ["monitoring", "interposition"], "max_armament": "armed",
    "max_share": 0.7, "max_share_zone": 0.8, "group_caps": {"bloc": 0.6, "osce": 1.0},
    "exclude_groups": ["nobody"], "min_contributors": 2, "min_contributors_zone": 2,
    "min_contingent": 20, "acceptability_floor": {"AZ": 0.3, "AM": 0.0},
    "armament_floor": {"AM": 0.2, "AZ": 0.0}, "working_language": "en",
    "language_share": 0.5, "personnel_min": 50, "personnel_max": 5000,
    "budget_per_month": 1e8, "lead_min_share": 0.2, "lead_min_acceptability": 0.1,
    "qrf_hours": 3.0, "qrf_unit_types": ["infantry_company"],
    "qrf_mandates": ["interposition"], "soft_requirements": False,
    "robust_budget": {"AZ": 1.5, "AM": 1.0}, "min_contingent_zone": 10,
    "max_zones_per_contributor": 2, "zone_acceptability_floor": {"AZ": 0.3, "AM": 0.0},
    "low_acceptability_threshold": 0.4, "low_acceptability_max_share": 0.8,
}
# the other forms: lead nation as one aggregate row per zone, soft requirements
OTHER_FORMS: dict[str, Any] = {"lead_min_share": 0.0, "lead_min_acceptability": 0.5,
                               "soft_requirements": True, "min_contributors_zone": 1}


def scenario(repo_root: Path, tmp_path: Path, rules: dict[str, Any]) -> ModelData:
    doc = yaml.safe_load((repo_root / "scenarios/examples/three_zones_veto.yaml")
                         .read_text(encoding="utf-8"))
    doc["rules"].update(rules)
    doc["acceptability"]["zones"] = {"east": {"AZ": {"DDD": 0.9}}, "west": {"AM": {"BBB": 0.2}}}
    doc["acceptability"]["armament"] = {"AM": {"armed": [0.3, 0.5], "observer": 0.9}}
    doc["acceptability"]["contributors"].setdefault("AZ", {}).update(
        {"BBB": {"value": 0.5, "spread": 0.1}, "CCC": [0.2, 0.6]})
    doc["mandates"][0]["eligible"] = {"observation_km": ["observer", "civilian"]}
    doc["mandates"][1]["eligible"] = {"presence": ["infantry_company"]}
    doc["zones"][0]["required"] = False
    doc["logistics"] = {"cost_per_tonne_km": 0.5}          # family 16 on, transport priced
    doc["hubs"][0]["capacity_personnel"] = 100000
    near = doc["zones"][1]["location"]
    doc["hubs"].append({"id": "stage", "entry": False,
                        "location": {"lat": near["lat"] + 0.05, "lon": near["lon"]}})
    doc["routes"].append({"from": "stage", "to": doc["zones"][1]["id"], "km": 12})
    path = tmp_path / "rich.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return prepare(load_resolved(path).scenario)


# ----------------------------------------------------------------------------- perturbing


def mutations(value: Any, pool: list[str], depth: int = 0) -> Iterator[Any]:
    """A few other values of the same shape: numbers moved, flags flipped, names swapped,
    entries dropped, added or changed (containers: the first, middle and last entry)."""
    if isinstance(value, bool):
        yield not value
    elif isinstance(value, int):
        yield from (value + 1, 0, 2 * value + 3, max(value - 1, 0))
    elif isinstance(value, float):
        yield from (0.5 * value, 1.5 * value + 0.25, 0.0, 1.0)
    elif isinstance(value, str):
        yield from [s for s in pool if s != value][:2]
    elif value is None:
        return
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            for other in list(mutations(item, pool, depth + 1))[:2]:
                yield (*value[:i], other, *value[i + 1:])
    elif isinstance(value, (list, set, frozenset)):
        items = list(value)
        shapes = [items[1:], items[:-1], items[::-1]] if items else []
        if depth == 0:
            if items and all(isinstance(x, str) for x in items):
                shapes += [[*items, s] for s in pool if s not in items][:1]
            for i in sorted({0, len(items) // 2, len(items) - 1}) if items else []:
                shapes += [[*items[:i], other, *items[i + 1:]]
                           for other in list(mutations(items[i], pool, depth + 1))[:2]]
        for shape in shapes:
            yield type(value)(shape)
    elif isinstance(value, dict):
        keys = list(value)
        picked = [keys[i] for i in sorted({0, len(keys) // 2, len(keys) - 1})] if keys else []
        for k in picked:
            yield {kk: v for kk, v in value.items() if kk != k}
            for other in list(mutations(value[k], pool, depth + 1))[:3]:
                yield {**value, k: other}
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                      for v in value.values())
        if keys and numeric:
            yield {k: type(v)(v * 2 + 1) for k, v in value.items()}     # all at once
        if keys and isinstance(keys[0], str):
            for s in [s for s in pool if s not in value][:2]:
                yield {**value, s: copy.deepcopy(value[keys[0]])}
                if numeric:
                    yield {**value, s: 1.0}
                    yield {**value, s: 0.0}
    else:
        raise TypeError(f"mutations() does not know {type(value).__name__}: teach it")


def string_pool(d: ModelData) -> list[str]:
    names = {*d.zones, *d.levels, *d.mandates, *d.units, *d.contributors, *d.parties}
    names |= {x for v in d.langs.values() for x in v} | {x for v in d.groups.values() for x in v}
    return sorted(names)


def perturbed(d: ModelData) -> Iterator[tuple[str, ModelData]]:
    pool = string_pool(d)
    for f in fields(ModelData):
        if f.name == "rules":
            continue
        for value in mutations(getattr(d, f.name), pool):
            yield f.name, replace(d, **{f.name: value})
    for name in Rules.model_fields:
        for value in mutations(getattr(d.rules, name), pool):
            rules = d.rules.model_copy(update={name: copy.deepcopy(value)})
            yield f"rules.{name}", replace(d, rules=rules)
        if getattr(d.rules, name) is not None and Rules.model_fields[name].default is None:
            yield f"rules.{name}", replace(d, rules=d.rules.model_copy(update={name: None}))


# ----------------------------------------------------------------------------- comparing


def _num(x: Any) -> float | None:
    return None if x is None else float(f"{pyo.value(x):.12g}")


def _terms(expr: Any) -> tuple[Any, ...]:
    repn = generate_standard_repn(expr, compute_values=True)
    linear = sorted((v.name, _num(c)) for v, c in zip(repn.linear_vars, repn.linear_coefs,
                                                     strict=True))
    quadratic = sorted((a.name, b.name, _num(c)) for (a, b), c in
                       zip(repn.quadratic_vars, repn.quadratic_coefs, strict=True))
    return _num(repn.constant), tuple(linear), tuple(quadratic), repn.nonlinear_expr is None


def fingerprint(m: pyo.ConcreteModel) -> list[tuple[Any, ...]]:
    """Columns (bounds, domain, fixings) and rows (bounds, coefficients) in model order,
    with every mutable parameter at its value: the MILP HiGHS would be handed."""
    out: list[tuple[Any, ...]] = []
    for v in m.component_data_objects(pyo.Var, descend_into=True):
        out.append(("column", v.name, str(v.domain), _num(v.lb), _num(v.ub), v.fixed,
                    _num(v.value) if v.fixed else None))
    for c in m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        out.append(("row", c.name, _num(c.lower), _num(c.upper), _terms(c.body)))
    for o in m.component_data_objects(pyo.Objective, active=True, descend_into=True):
        out.append(("objective", o.name, int(o.sense), _terms(o.expr)))
    return out


def first_difference(a: list[Any], b: list[Any]) -> str:
    for x, y in zip(a, b, strict=False):
        if x != y:
            return f"updated {x}\n  fresh {y}"
    return f"{len(a)} against {len(b)} columns and rows"


# ----------------------------------------------------------------------------- the test


@pytest.mark.parametrize(("forms", "objective"), [({}, "acceptability"),
                                                  (OTHER_FORMS, "cost")],
                         ids=["rich-acceptability", "other-forms-cost"])
def test_same_structure_means_same_model_after_update(repo_root: Path, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture,
                                                       forms: dict[str, Any],
                                                       objective: str) -> None:
    caplog.set_level(logging.CRITICAL, logger="pyomo")     # the builds expected to fail
    d0 = scenario(repo_root, tmp_path, {**RICH_RULES, **forms})
    common_floor = objective == "acceptability"
    key0 = structure(d0)
    tried: dict[str, int] = {}
    resolved = 0
    for name, d1 in perturbed(d0):
        tried.setdefault(name, 0)
        try:
            fresh = build_model(d1, "cost", common_floor=common_floor)
        except Exception:
            continue                # data the builder cannot take: no model to reuse either
        tried[name] += 1
        if structure(d1) != key0:
            continue                # a rebuild: always right
        built = build_model(d0, "cost", common_floor=common_floor)
        update_numbers(built, d1)
        a, b = fingerprint(built.model), fingerprint(fresh.model)
        assert a == b, (f"{name} changed the model but not structure(): a re-solve would "
                        f"reuse the wrong model; add what it changes to `structure` or "
                        f"make it a number (`numbers`)\n  {first_difference(a, b)}")
        resolved += 1
    untried = sorted(n for n, count in tried.items() if count == 0)
    assert not untried, f"no perturbation of {untried} could be built: perturb them otherwise"
    assert {f.name for f in fields(ModelData)} - {"rules"} <= set(tried)
    assert {f"rules.{n}" for n in Rules.model_fields} <= set(tried)
    assert resolved >= 30, "too few perturbations kept the structure: the test tests little"
