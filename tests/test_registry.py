"""The registry: every rule family has each of its homes, and each of them works.

A family is an entry of the rule catalog (rules/catalog.py) with a model component built by
the function models/formulation.md names for it (or a filter, declared in its entry), a
verifier check that catches a tampered plan, rows in the report's constraint audit, and a
section in models/formulation.md. A family that lacks one fails
here, by name; nothing is marked expected-to-fail.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pyomo.environ as pyo
import pytest

from pkplanner.engine import data as engine_data
from pkplanner.engine import model as engine_model
from pkplanner.engine import phased as engine_phased
from pkplanner.engine.data import logistics_limits, prepare
from pkplanner.engine.highs import SolverSettings
from pkplanner.engine.model import family_of
from pkplanner.engine.phased import build_phased
from pkplanner.engine.solve import build, document, solve
from pkplanner.report.audit import audit_checks
from pkplanner.rules.audit import PlanView
from pkplanner.rules.catalog import CATALOG, ENTRIES, FAMILIES, Scope, entry_of
from pkplanner.rules.doc import rules_markdown
from pkplanner.rules.edits import RuleEdit, sentence
from pkplanner.scenario.resolve import ResolvedScenario, load_resolved
from pkplanner.scenario.schema import Rules
from pkplanner.verify.check import verify

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
TWO = str(EXAMPLES / "two_zones.yaml")
VETO = str(EXAMPLES / "three_zones_veto.yaml")
LANG = str(EXAMPLES / "language_lead.yaml")
PHASES = str(EXAMPLES / "two_phases.yaml")
FORMULATION = (ROOT / "models" / "formulation.md").read_text(encoding="utf-8")
NAMES = [f.name for f in FAMILIES]

Doc = dict[str, Any]
Edit = Callable[[Doc], object] | None

# every family's rule switched on in two_zones, with room to spare (the plan stays feasible)
STRUCTURE_ON = ("rules.mandates=[monitoring,interposition]", "rules.max_armament=armed")
ALL_ON = ("rules.max_share=0.9", "rules.max_share_zone=0.95", "rules.group_caps.eu=0.9",
          "rules.min_contributors=1", "rules.min_contributors_zone=2",
          "rules.min_contingent=1", "rules.armament_floor.AZ=0.1", "rules.personnel_min=1",
          "rules.personnel_max=10000", "rules.budget_per_month=1e9",
          "rules.qrf_unit_types=[infantry_company]", "rules.qrf_mandates=[monitoring]",
          "rules.qrf_hours=5", "logistics={}", "rules.min_contingent_zone=1",
          "rules.max_zones_per_contributor=2", "rules.zone_acceptability_floor.AZ=0.1",
          "rules.low_acceptability_threshold=0.3", "rules.low_acceptability_max_share=0.9")


def _zone(d: Doc, zid: str) -> dict[str, Any]:
    return next(z for z in d["zones"] if z["zone"] == zid)


def _alloc(d: Doc, c: str, z: str) -> dict[str, Any]:
    return next(a for a in d["allocations"] if a["contributor"] == c and a["zone"] == z)


def _drop(d: Doc, c: str, z: str) -> None:
    d["allocations"].remove(_alloc(d, c, z))


# family -> (scenario, rules switched on by --set, an edit of the plan): the plan solved for
# the scenario as shipped passes the verifier; tampered (the edit, or the tighter rule) the
# verifier names the family
TAMPERS: dict[str, tuple[str, tuple[str, ...], Edit]] = {
    "one_mandate": (TWO, (), lambda d: _zone(d, "north").update(mandate="interposition")),
    "one_armament": (TWO, (), lambda d: _zone(d, "north").update(armament=None)),
    "mandate_armament": (TWO, (), lambda d: _zone(d, "north").update(armament="light")),
    "unit_armament": (TWO, (), lambda d: _zone(d, "north").update(armament="civilian")),
    "requirement": (TWO, (), lambda d: _drop(d, "BBB", "south")),
    "capacity": (TWO, (), lambda d: _alloc(d, "AAA", "north").update(units=11, personnel=44)),
    "min_contingent": (TWO, ("rules.min_contingent=10",), None),
    # the plan of two_zones as shipped: AAA and BBB each 8 people in north, 150 in south
    "min_contingent_zone": (TWO, ("rules.min_contingent_zone=20",), None),
    "max_zones_per_contributor": (TWO, ("rules.max_zones_per_contributor=1",), None),
    # ... AM scores both zones' force 0.55 (AAA 0.5, BBB 0.6, half each)
    "zone_acceptability": (TWO, ("rules.zone_acceptability_floor.AM=0.58",), None),
    # ... AM scores AAA 0.5, below 0.55: AAA holds half the force
    "low_acceptability": (TWO, ("rules.low_acceptability_threshold=0.55",
                                "rules.low_acceptability_max_share=0.3"), None),
    "veto": (VETO, (), lambda d: _alloc(d, "DDD", "centre").update(contributor="CCC")),
    "dominance.max_share": (TWO, ("rules.max_share=0.5",), None),
    "dominance.max_share_zone": (TWO, ("rules.max_share_zone=0.5",), None),
    "dominance.group_caps": (TWO, ("rules.group_caps.eu=0.3",), None),
    "dominance.min_contributors": (TWO, ("rules.min_contributors=4",), None),
    "dominance.min_contributors_zone": (TWO, ("rules.min_contributors_zone=3",), None),
    "acceptability": (TWO, (), lambda d: _alloc(d, "CCC", "north").update(contributor="BBB")),
    "armament_acceptability": (TWO, ("rules.armament_floor.AZ=0.6",), None),
    "robust_acceptability": (TWO, ("acceptability.contributors.AM.AAA=[0.2,0.8]",
                                   "rules.robust_budget=1"), None),
    "language": (LANG, (), lambda d: _alloc(d, "ENG", "north").update(units=8, personnel=160)),
    "lead_nation": (LANG, (), lambda d: _zone(d, "north").update(lead="ENG")),
    "size": (TWO, ("rules.personnel_max=300",), None),
    "budget": (TWO, ("rules.budget_per_month=600000",), None),
    "qrf": (TWO, ("rules.qrf_unit_types=[infantry_company]", "rules.qrf_mandates=[monitoring]",
                  "rules.qrf_hours=0.5"), None),
    # the plan of two_zones as shipped lists no flows: with logistics on, no zone is supplied
    "logistics": (TWO, ("logistics={}",), None),
    # the transition's 16 people over a ceiling of 10
    "transition": (PHASES, ("transition.final_ceiling=10",), None),
}


@cache
def _solved(path: str, sets: tuple[str, ...] = ()) -> tuple[ResolvedScenario, str]:
    rs = load_resolved(path, None, list(sets))
    out = solve(rs, None, SolverSettings(time_limit=60, gap=0.0, warm_start=False))
    return rs, json.dumps(document(rs, out))


def solved(path: str, sets: tuple[str, ...] = ()) -> tuple[ResolvedScenario, Doc]:
    rs, text = _solved(path, sets)
    return rs, json.loads(text)


def models() -> list[pyo.ConcreteModel]:
    """Models with every family in force: the single-period examples, and the phased one
    (its phases' blocks hold the single-period rows; the transition rows sit on top)."""
    out = [build(load_resolved(path, None, list(sets)), "cost")[1]
           for path, sets in ((TWO, ALL_ON), (LANG, ()), (VETO, ()),
                              (TWO, TAMPERS["robust_acceptability"][1]))]
    return [*out, build_phased(load_resolved(PHASES).scenario).model]


@cache
def components() -> dict[str, set[str]]:
    """Family -> its constraint components, over models with every family in force."""
    out: dict[str, set[str]] = {}
    for m in models():
        for comp in m.component_objects(pyo.Constraint):
            fam = family_of(comp.local_name)
            if fam is not None:
                out.setdefault(fam, set()).add(comp.local_name)
    return out


def sections() -> dict[str, str]:
    """Family name -> the text of its `### N. name` section in models/formulation.md."""
    parts = re.split(r"^### (\d+)\. (\S+).*$", FORMULATION, flags=re.M)
    return {parts[i + 1]: parts[i + 2].split("\n## ")[0] for i in range(1, len(parts) - 2, 3)}


# --------------------------------------------------------------------------- the catalog


# rows that belong to no family: the definitions and links every family reads
HELPERS = {"def_P_c", "def_P_z", "def_N", "participation", "deployed_presence",
           "presence_link", "presence_upper", "capacity_link"}
# the verifier's checks that are not a rule family (the file's shape, its totals, its status)
VERIFIER_ONLY = {"schema", "totals", "status", "required_zone", "companion", "rules",
                 "provenance", "benchmark"}


def test_the_catalog_names_every_family_the_others_know() -> None:
    """The catalog is checked against the other homes, not against itself: a family that
    formulation.md documents, the verifier checks, the tamper table covers or the model
    builds is a catalog entry, and the other way round."""
    catalog = set(CATALOG)
    assert len(ENTRIES) == len(catalog) and all(CATALOG[f.name].family == f for f in FAMILIES)
    documented = set(sections())
    assert documented == catalog, (documented ^ catalog)
    checked = set(re.findall(r'(?:self\.bad|Violation)\("([a-z_.]+)"', (
        ROOT / "src" / "pkplanner" / "verify" / "check.py").read_text(encoding="utf-8")))
    assert checked - VERIFIER_ONLY == catalog, (checked - VERIFIER_ONLY) ^ catalog
    assert set(TAMPERS) == catalog, set(TAMPERS) ^ catalog
    assert not unowned(), f"rows of no family (not in the catalog?): {sorted(unowned())}"


def unowned() -> set[str]:
    """Constraint components, with every rule in force, that no catalog family owns."""
    out = set()
    for m in models():
        out |= {c.local_name for c in m.component_objects(pyo.Constraint)
                if family_of(c.local_name) is None and c.local_name not in HELPERS}
    return out


@pytest.mark.parametrize("name", NAMES)
def test_catalog_entry_is_complete(name: str) -> None:
    e = CATALOG[name]
    fields = set(Rules.model_fields)
    assert e.label, f"{name}: no label"
    assert set(e.keys) <= fields, f"{name}: keys {set(e.keys) - fields} are not rules"
    for rx in e.relax.values():
        assert rx.key in fields, f"{name}: relaxes unknown rules.{rx.key}"
    for st in e.step.values():
        assert st.key in fields, f"{name}: steps unknown rules.{st.key}"
    assert set(e.neutral) <= fields
    if e.binds:
        assert e.at_limit, f"{name} can bind but says nothing of being at its limit"
    if e.groups is not None:
        assert e.describe is not None, f"{name} can conflict but has no description"
        assert e.relax or e.advice, f"{name} can conflict but says nothing of relaxing it"
    else:
        assert not e.relax and not e.neutral


def test_every_group_of_a_real_scenario_finds_its_entry() -> None:
    rs = load_resolved(TWO, None, list(ALL_ON))
    d = prepare(rs.scenario)
    scope = Scope(rs.scenario.rules, rs.option.id, tuple(d.zones),
                  tuple(sorted({z for (z, _k, _r) in d.req})),
                  tuple(sorted({c for c, _u, _z in d.eligible})), logistics_limits(d),
                  parties=tuple(d.parties))
    active = {e.name: e.groups(scope) for e in ENTRIES if e.groups is not None}
    assert {n for n, g in active.items() if g is not None} == {
        e.name for e in ENTRIES if e.groups is not None} - {"language", "lead_nation",
                                                              "robust_acceptability",
                                                              "transition"}
    for name, groups in active.items():
        for g in groups or [name]:
            found = entry_of(g)
            assert found is not None and found[0].name == name, g
            assert found[0].describe is not None
            assert found[0].describe(rs.scenario.rules, found[1])


def test_every_relaxation_has_a_sentence() -> None:
    rules = Rules(max_share=0.3, max_share_zone=0.4, group_caps={"eu": 0.3},
                  min_contributors=4, min_contributors_zone=3, min_contingent=20,
                  acceptability_floor={"AM": 0.6}, armament_floor={"AZ": 0.6},
                  personnel_min=400, personnel_max=300, budget_per_month=600000.0,
                  robust_budget={"AM": 2.0}, min_contingent_zone=30,
                  max_zones_per_contributor=2, zone_acceptability_floor={"AZ": 0.45},
                  low_acceptability_threshold=0.5, low_acceptability_max_share=0.1)
    entity = {"dominance.group_caps": "eu", "acceptability": "AM",
              "armament_acceptability": "AZ", "robust_acceptability": "AM",
              "zone_acceptability": "AZ", "low_acceptability": "AZ"}
    for e in ENTRIES:
        for which, rx in e.relax.items():
            ent = entity.get(e.name, which or "")
            v = rx.value(rules, ent, rx.near(rules, ent) + (1 if rx.direction == "raise"
                                                             else -1))
            text = sentence(RuleEdit(rx.key, v), rules.model_dump(mode="json"))
            assert text.startswith(rx.direction), text


def test_docs_rules_page_is_the_catalog() -> None:
    """docs/rules.md is `pkplanner rules`: regenerate it with that command after an edit."""
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == rules_markdown(), "docs/rules.md is stale: run pkplanner rules > docs/rules.md"
    for f in FAMILIES:
        assert f"## {f.number}. {f.name}:" in page


# --------------------------------------------------------------------------- the model


@pytest.mark.parametrize("name", NAMES)
def test_model_component_or_filter(name: str) -> None:
    e = CATALOG[name]
    if e.filter:
        assert name not in components(), f"{name} is declared a filter but has rows"
        d = prepare(load_resolved(VETO).scenario)
        assert d.removed_by_veto, "the veto example removes no (contributor, zone) pair"
        return
    assert name in components(), f"{name}: no model component with every rule in force"


@pytest.mark.parametrize("name", NAMES)
def test_formulation_section_names_the_building_function(name: str) -> None:
    text = sections().get(name)
    assert text is not None, f"models/formulation.md has no '### N. {name}' section"
    assert f"### {CATALOG[name].family.number}. {name}" in FORMULATION
    built = re.search(r"[Bb]uilt by `(\w+)`", text)
    assert built, f"formulation.md's {name} section names no building function"
    fn_name = built.group(1)
    module = (engine_data if CATALOG[name].filter else
              engine_phased if name == "transition" else engine_model)
    fn = getattr(module, fn_name, None)
    assert callable(fn), f"{fn_name} (formulation.md, {name}) is not in {module.__name__}"
    source = inspect.getsource(fn)
    if CATALOG[name].filter:
        assert "veto" in source
    else:
        made = {c for c in components()[name]}
        assert any(f"m.{c} =" in source for c in made), (
            f"{fn_name} builds none of {sorted(made)}")


# --------------------------------------------------------------------------- the verifier


@pytest.mark.parametrize("name", NAMES)
def test_verifier_catches_a_tampered_plan(name: str) -> None:
    assert name in TAMPERS, f"{name}: no tamper case for its verifier check"
    path, sets, edit = TAMPERS[name]
    rs, doc = solved(path)
    assert verify(rs, doc) == [], "the untampered plan must pass"
    if edit is not None:
        edit(doc)
    if sets:
        rs = load_resolved(path, None, list(sets))
    assert name in {v.family for v in verify(rs, doc)}


# --------------------------------------------------------------------------- the audit


def audit_case(name: str) -> tuple[str, tuple[str, ...]]:
    """A scenario with `name` in force and a plan meeting it: the veto, language and lead
    examples for theirs, two_zones with every other rule switched on for the rest."""
    if name == "robust_acceptability":
        return TWO, TAMPERS[name][1]
    if name == "transition":
        return PHASES, ()
    path = {"veto": VETO, "language": LANG, "lead_nation": LANG}.get(name, TWO)
    return path, (STRUCTURE_ON + ALL_ON) if path == TWO else ()


@pytest.mark.parametrize("name", NAMES)
def test_audit_rows(name: str) -> None:
    e = CATALOG[name]
    assert e.audit is not None, f"{name}: no audit rows in its catalog entry"
    path, sets = audit_case(name)
    rs, doc = solved(path, sets)
    assert verify(rs, doc) == []
    rows = e.audit(PlanView(rs.scenario, doc))
    assert rows, f"{name}: no audit row for a plan with the rule in force"
    assert all(r.status in ("holds", "binding", "slack") for r in rows), rows
    # the report's audit lists them, in catalog order
    listed = [c.rule for c in audit_checks(rs, doc)]
    assert [r.rule for r in rows] == [x for x in listed if x in {r.rule for r in rows}]
