"""The scenario loader (contracts.md §1): reading, `extends:`, doctrine defaults, --set,
option resolution, and one clear line per problem for every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.errors import InputError, Problem
from pkplanner.scenario import resolve as S

# --------------------------------------------------------------------------- helpers


def problems_of(exc: pytest.ExceptionInfo[InputError]) -> list[Problem]:
    assert exc.value.problems, "an InputError must carry at least one problem"
    for p in exc.value.problems:
        line = str(p)
        assert line.startswith("error: "), line
        assert "\n" not in line and len(line.splitlines()) == 1, repr(line)
    return exc.value.problems


def expect_problem(exc: pytest.ExceptionInfo[InputError], file: str | Path, path: str,
                   *fragments: str) -> Problem:
    """The error names FILE and the dotted PATH; its message holds every fragment."""
    probs = problems_of(exc)
    file = str(file)
    for p in probs:
        line = str(p)
        prefix = f"error: {file}: {path}: " if path else f"error: {file}: "
        if p.file == file and p.path == path and line.startswith(prefix):
            msg = line[len(prefix):]
            assert msg.strip(), f"empty message in {line!r}"
            for frag in fragments:
                assert frag.lower() in msg.lower(), f"{frag!r} not in {line!r}"
            return p
    raise AssertionError(f"no problem at {file}: {path!r}; got {[str(p) for p in probs]}")


def load_doc(write_yaml: Any, doc: dict[str, Any], name: str = "scenario.yaml",
             overrides: list[str] | None = None) -> S.LoadedScenario:
    return S.load(str(write_yaml(doc, name)), overrides)


def bad_doc(write_yaml: Any, doc: dict[str, Any], path: str, *fragments: str,
            overrides: list[str] | None = None) -> Problem:
    """Loading (and resolving) DOC must fail with a problem at PATH."""
    f = write_yaml(doc)
    with pytest.raises(InputError) as exc:
        S.load_resolved(str(f), None, overrides)
    return expect_problem(exc, f, path, *fragments)


def zone(doc: dict[str, Any], zid: str) -> dict[str, Any]:
    return next(z for z in doc["zones"] if z["id"] == zid)


def contributor(doc: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in doc["contributors"] if c["id"] == cid)


def option(doc: dict[str, Any], oid: str) -> dict[str, Any]:
    return next(o for o in doc["planning_options"] if o["id"] == oid)


# --------------------------------------------------------------------------- the worked example


def test_two_zones_loads_unchanged(two_zones_path: Path, two_zones_doc: dict[str, Any]) -> None:
    loaded = S.load(two_zones_path)
    sc = loaded.scenario
    assert sc.name == "two_zones"
    assert [z.id for z in sc.zones] == ["north", "south"]
    assert [c.id for c in sc.contributors] == ["AAA", "BBB", "CCC"]
    assert [h.id for h in sc.hubs] == ["hub"]
    assert len(loaded.sha256) == 64
    # nothing in the file is lost or changed (the document adds only written-out defaults)
    assert_contains(loaded.scenario.to_document(), json.loads(json.dumps(two_zones_doc)))
    rs = S.resolve(loaded)
    assert rs.option.id == "X"
    doc = rs.to_document()
    assert doc["rules"]["max_share"] == 0.6
    assert doc["rules"]["acceptability_floor"] == {"AM": 0.55}
    assert doc["zones"][0]["line_km"] == 40
    assert doc["routes"][0]["from"] == "hub"


def assert_contains(doc: Any, part: Any, where: str = "") -> None:
    """Every key and value of PART is in DOC (mappings may hold more keys)."""
    if isinstance(part, dict):
        assert isinstance(doc, dict), where
        for k, v in part.items():
            assert k in doc, f"{where}.{k} missing"
            assert_contains(doc[k], v, f"{where}.{k}")
    elif isinstance(part, list):
        assert isinstance(doc, list) and len(doc) == len(part), where
        for i, (d, p) in enumerate(zip(doc, part, strict=True)):
            assert_contains(d, p, f"{where}.{i}")
    else:
        assert doc == part, f"{where}: {doc!r} != {part!r}"


def test_resolved_json_round_trip(two_zones_path: Path, tmp_path: Path) -> None:
    """`validate --resolved` prints a document that loads and resolves to itself."""
    first = S.load_resolved(two_zones_path).to_document()
    text = json.dumps(first, indent=2)  # what `validate --resolved` prints
    out = tmp_path / "resolved.json"
    out.write_text(text, encoding="utf-8")
    again = S.load_resolved(out).to_document()
    assert again == first
    # and once more through a .yaml file
    out2 = tmp_path / "resolved.yaml"
    out2.write_text(yaml.safe_dump(again, sort_keys=False), encoding="utf-8")
    assert S.load_resolved(out2).to_document() == first


def test_resolved_round_trip_with_scenario_overrides(two_zones_path: Path,
                                                     tmp_path: Path) -> None:
    first = S.load_resolved(two_zones_path, None, ["zones.north.threat=4",
                                                   "acceptability.contributors.AM.CCC=0.2"])
    doc = first.to_document()
    out = tmp_path / "resolved.json"
    out.write_text(json.dumps(doc), encoding="utf-8")
    assert S.load_resolved(out).to_document() == doc


def test_resolved_round_trip_keeps_rules_override_over_option(
        two_zones_doc: dict[str, Any], write_yaml: Any, tmp_path: Path) -> None:
    option(two_zones_doc, "X")["rules"] = {"max_share": 0.3}
    f = write_yaml(two_zones_doc)
    doc = S.load_resolved(str(f), None, ["rules.max_share=0.4"]).to_document()
    assert doc["rules"]["max_share"] == 0.4
    out = tmp_path / "resolved.json"
    out.write_text(json.dumps(doc), encoding="utf-8")
    assert S.load_resolved(out).to_document()["rules"]["max_share"] == 0.4


def test_resolved_json_round_trip_beyond_bmp(two_zones_doc: dict[str, Any], write_yaml: Any,
                                             tmp_path: Path) -> None:
    title = "Flags \U0001f1e6\U0001f1ff \U0001f1e6\U0001f1f2, note \U0001f4dd"
    two_zones_doc["title"] = title
    first = S.load_resolved(str(write_yaml(two_zones_doc))).to_document()
    assert first["title"] == title
    out = tmp_path / "resolved.json"
    out.write_text(json.dumps(first, indent=2, ensure_ascii=False), encoding="utf-8")
    assert S.load_resolved(out).to_document()["title"] == title


# --------------------------------------------------------------------------- extends


def test_merge_semantics_unit() -> None:
    base = {
        "title": "base",
        "rules": {"max_share": 0.6, "acceptability_floor": {"AM": 0.5, "AZ": 0.4}},
        "zones": [{"id": "a", "threat": 1, "line_km": 10}, {"id": "b", "threat": 2}],
        "sources": ["one", "two"],
        "routes": [{"from": "a", "to": "b", "km": 1}],
        "foo": [{"id": "x", "v": 1}],
    }
    over = {
        "title": "child",
        "rules": {"max_share": 0.4, "acceptability_floor": {"AM": 0.6}},
        "zones": [{"id": "b", "threat": 5}, {"id": "c", "threat": 3}],
        "sources": ["three"],
        "routes": [{"from": "b", "to": "c", "km": 2}],
        "foo": [{"id": "y", "v": 2}],
    }
    snapshot = json.dumps([base, over], sort_keys=True)
    m = S.merge(base, over)
    assert m["title"] == "child"
    assert m["rules"] == {"max_share": 0.4, "acceptability_floor": {"AM": 0.6, "AZ": 0.4}}
    assert m["zones"] == [{"id": "a", "threat": 1, "line_km": 10}, {"id": "b", "threat": 5},
                          {"id": "c", "threat": 3}]
    assert m["sources"] == ["three"]  # plain list: replaced whole
    assert m["routes"] == [{"from": "b", "to": "c", "km": 2}]  # no ids: replaced whole
    assert m["foo"] == [{"id": "y", "v": 2}]  # not an id'd list key: replaced whole
    assert json.dumps([base, over], sort_keys=True) == snapshot, "merge must not mutate inputs"


@pytest.mark.parametrize("key", list(S.ID_LISTS))
def test_merge_by_id_for_every_id_list(key: str) -> None:
    base = {key: [{"id": "p", "a": 1, "b": {"x": 1}}, {"id": "q", "a": 2}]}
    over = {key: [{"id": "p", "b": {"y": 2}}, {"id": "r", "a": 3}]}
    assert S.merge(base, over)[key] == [
        {"id": "p", "a": 1, "b": {"x": 1, "y": 2}}, {"id": "q", "a": 2}, {"id": "r", "a": 3}]


def test_extends_merges_base(two_zones_doc: dict[str, Any], tmp_path: Path, write_yaml: Any,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(two_zones_doc, "base/base.yaml")
    child = {
        "extends": "../base/base.yaml",  # relative to the child file, not the cwd
        "name": "child_scenario",
        "sources": ["child source"],
        "rules": {"max_share": 0.5},
        "zones": [{"id": "north", "threat": 3},
                  {"id": "east", "location": {"lat": 40.1, "lon": 46.9}, "line_km": 5,
                   "required": False}],
        "routes": [{"from": "hub", "to": "north", "km": 30},
                   {"from": "hub", "to": "south", "km": 85}],
        "contributors": [{"id": "AAA", "cost_per_person_month": 1000},
                         {"id": "DDD", "cost_per_person_month": 100, "max_personnel": 10,
                          "groups": ["osce"], "units": {"observer_team": 1}}],
        "acceptability": {"contributors": {"AZ": {"AAA": 0.7}}},
        "armament_levels": ["civilian", "observer", "light", "armed"],
        "planning_options": [{"id": "X", "rules": {"min_contributors": 2}}],
    }
    cpath = write_yaml(child, "child/child.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    loaded = S.load(str(cpath))
    sc = loaded.scenario
    assert sc.name == "child_scenario"
    assert sc.title == two_zones_doc["title"]                     # from the base
    assert sc.sources == ["child source"]                         # plain list replaced
    assert sc.rules.max_share == 0.5                              # mapping merged ...
    assert sc.rules.acceptability_floor == {"AM": 0.55}           # ... keeping the rest
    assert [z.id for z in sc.zones] == ["north", "south", "east"]  # merged by id
    north = sc.zones[0]
    assert north.threat == 3 and north.line_km == 40 and north.allowed_mandates == ["monitoring"]
    assert [(r.from_, r.to) for r in sc.routes] == [("hub", "north"), ("hub", "south")]
    aaa = next(c for c in sc.contributors if c.id == "AAA")
    assert aaa.cost_per_person_month == 1000
    assert aaa.units == {"observer_team": 10, "infantry_company": 4}
    assert [c.id for c in sc.contributors] == ["AAA", "BBB", "CCC", "DDD"]
    assert sc.acceptability.contributors["AZ"] == {"AAA": 0.7, "BBB": 0.9, "CCC": 0.2}
    assert sc.acceptability.contributors["AM"]["CCC"] == 0.9
    opt = sc.planning_options[0]
    assert opt.name == "Open option" and opt.rules.min_contributors == 2
    rs = S.resolve(loaded)
    assert rs.scenario.rules.min_contributors == 2
    assert rs.to_document()["extends"] is None


def test_extends_changes_the_shared_options_by_id(write_yaml: Any) -> None:
    """A base that plans with models/planning_options.yaml (karabakh_kcg_2014: null): an
    extending file's entries that name shared ids change those options and keep the rest;
    a list of new ids replaces the shared list, as before."""
    shared = {o["id"]: o for o in S.default_planning_options()}
    child = write_yaml({"extends": "pkplanner:karabakh_kcg_2014", "planning_options": [
        {"id": "C", "rules": {"min_contingent_zone": 0}}]}, "child.yaml")
    opts = {o.id: o for o in S.load(str(child)).scenario.planning_options}
    assert list(opts) == list(shared)
    assert opts["C"].rules.min_contingent_zone == 0
    assert opts["C"].name == shared["C"]["name"]
    assert opts["C"].rules.max_share == shared["C"]["rules"]["max_share"]
    assert opts["D"].rules.min_contingent_zone == shared["D"]["rules"]["min_contingent_zone"]
    new = write_yaml({"extends": "pkplanner:karabakh_kcg_2014", "planning_options": [
        {"id": "Z", "name": "Own", "mandates": ["interposition"]}],
        "planning_option": "Z"}, "new.yaml")
    assert [o.id for o in S.load(str(new)).scenario.planning_options] == ["Z"]


def test_extends_chain_of_three(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    write_yaml(two_zones_doc, "a.yaml")
    write_yaml({"extends": "a.yaml", "title": "b", "rules": {"max_share": 0.5}}, "b.yaml")
    c = write_yaml({"extends": "b.yaml", "rules": {"min_contributors": 2}}, "c.yaml")
    sc = S.load(str(c)).scenario
    assert sc.title == "b"
    assert sc.rules.max_share == 0.5 and sc.rules.min_contributors == 2


def test_extends_missing_file(write_yaml: Any) -> None:
    f = write_yaml({"extends": "no_such_base.yaml", "name": "x"})
    with pytest.raises(InputError) as exc:
        S.load(str(f))
    expect_problem(exc, f, "extends", "no_such_base.yaml", "not found")


def test_extends_not_a_string(write_yaml: Any) -> None:
    f = write_yaml({"extends": ["a.yaml"], "name": "x"})
    with pytest.raises(InputError) as exc:
        S.load(str(f))
    expect_problem(exc, f, "extends")


def test_extends_cycle_is_a_clean_error(write_yaml: Any, two_zones_doc: dict[str, Any]) -> None:
    a = write_yaml({**two_zones_doc, "extends": "b.yaml"}, "a.yaml")
    b = write_yaml({"extends": "a.yaml", "title": "b"}, "b.yaml")
    with pytest.raises(InputError) as exc:
        S.load(str(a))
    probs = problems_of(exc)
    assert len(probs) == 1
    p = probs[0]
    assert p.path == "extends"
    assert Path(p.file).resolve() in (a.resolve(), b.resolve())
    assert "cycle" in p.message
    assert str(p).startswith(f"error: {p.file}: extends: ")


def test_extends_self_cycle(write_yaml: Any) -> None:
    a = write_yaml({"extends": "a.yaml"}, "a.yaml")
    with pytest.raises(InputError) as exc:
        S.load(str(a))
    assert problems_of(exc)[0].path == "extends"


def test_extends_base_with_bad_yaml_names_the_base(write_yaml: Any, tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("zones: [\n", encoding="utf-8")
    c = write_yaml({"extends": "base.yaml"}, "child.yaml")
    with pytest.raises(InputError) as exc:
        S.load(str(c))
    p = problems_of(exc)[0]
    assert Path(p.file).resolve() == (tmp_path / "base.yaml").resolve()
    assert "YAML syntax error" in p.message


@pytest.mark.parametrize("bad_id", [["north"], {"a": 1}])
def test_extends_with_unhashable_id_is_an_input_error(two_zones_doc: dict[str, Any],
                                                       write_yaml: Any, bad_id: Any) -> None:
    write_yaml(two_zones_doc, "base.yaml")
    c = write_yaml({"extends": "base.yaml", "zones": [{"id": bad_id, "threat": 2}]}, "c.yaml")
    with pytest.raises(InputError) as exc:
        S.load(str(c))
    problems_of(exc)


# --------------------------------------------------------------------------- doctrine defaults


def _minimal(doctrine: dict[str, Any]) -> dict[str, Any]:
    """A scenario that writes no doctrine: unit types, mandates, levels, multipliers omitted."""
    unit = doctrine["unit_types"][0]["id"]
    return {
        "schema_version": 1,
        "name": "minimal",
        "parties": [{"id": "AZ"}, {"id": "AM"}],
        "zones": [{"id": "z1", "location": {"lat": 40.0, "lon": 46.0}, "line_km": 10}],
        "hubs": [{"id": "h1", "location": {"lat": 40.1, "lon": 46.1}}],
        "routes": [{"from": "h1", "to": "z1", "km": 20}],
        "contributors": [{"id": "AAA", "cost_per_person_month": 1000, "max_personnel": 100,
                          "groups": ["osce"], "units": {unit: 2}}],
        "planning_options": [{"id": "X", "name": "all"}],
    }


def test_doctrine_defaults_filled(write_yaml: Any) -> None:
    doctrine = S.doctrine()  # models/doctrine.yaml
    for key in ("armament_levels", "threat_multipliers", "unit_types", "mandates"):
        assert doctrine.get(key), f"models/doctrine.yaml lacks {key}"
    sc = load_doc(write_yaml, _minimal(doctrine)).scenario
    assert sc.armament_levels == doctrine["armament_levels"]
    assert [u.id for u in sc.unit_types] == [u["id"] for u in doctrine["unit_types"]]
    assert [m.id for m in sc.mandates] == [m["id"] for m in doctrine["mandates"]]
    assert sorted(sc.threat_multipliers) == [1, 2, 3, 4, 5]
    assert sc.threat_multipliers == {int(k): float(v)
                                     for k, v in doctrine["threat_multipliers"].items()}


def test_doctrine_defaults_null_is_like_omitted(write_yaml: Any) -> None:
    doctrine = S.doctrine()
    doc = _minimal(doctrine)
    doc.update({"unit_types": None, "mandates": None, "armament_levels": None,
                "threat_multipliers": None})
    sc = load_doc(write_yaml, doc).scenario
    assert sc.armament_levels == doctrine["armament_levels"]


def _tiny_models(tmp_path: Path) -> Path:
    models = tmp_path / "models"
    models.mkdir()
    (models / "doctrine.yaml").write_text(yaml.safe_dump({
        "armament_levels": ["unarmed", "armed"],
        "threat_multipliers": {1: 1.0, 2: 1.1, 3: 1.2, 4: 1.3, 5: 1.4},
        "unit_types": [{"id": "team", "personnel": 5, "armament": "unarmed"}],
        "mandates": [{"id": "watch", "min_armament": "unarmed", "max_armament": "unarmed"}],
    }), encoding="utf-8")
    (models / "planning_options.yaml").write_text(yaml.safe_dump({"planning_options": [
        {"id": "P", "name": "default option", "mandates": ["watch"], "max_armament": "unarmed",
         "personnel_max": 50, "rules": {"max_share": 0.7}},
        {"id": "Q", "name": "second"},
    ]}), encoding="utf-8")
    return models


def test_defaults_come_from_models_dir(tmp_path: Path, write_yaml: Any,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PKPLANNER_MODELS", str(_tiny_models(tmp_path)))
    doc = _minimal({"unit_types": [{"id": "team"}]})
    del doc["planning_options"]
    loaded = load_doc(write_yaml, doc)
    sc = loaded.scenario
    assert sc.armament_levels == ["unarmed", "armed"]
    assert [u.id for u in sc.unit_types] == ["team"]
    assert [m.id for m in sc.mandates] == ["watch"]
    assert sc.threat_multipliers[5] == 1.4
    assert [o.id for o in sc.planning_options] == ["P", "Q"]
    rs = S.resolve(loaded)  # no planning_option: the first one
    assert rs.option.id == "P"
    assert rs.scenario.rules.max_share == 0.7
    assert rs.scenario.rules.personnel_max == 50


def test_given_doctrine_list_replaces_default(tmp_path: Path, write_yaml: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PKPLANNER_MODELS", str(_tiny_models(tmp_path)))
    doc = _minimal({"unit_types": [{"id": "squad"}]})
    doc["unit_types"] = [{"id": "squad", "personnel": 8, "armament": "armed"}]
    sc = load_doc(write_yaml, doc).scenario
    assert [u.id for u in sc.unit_types] == ["squad"]  # not merged with the doctrine's "team"
    assert [m.id for m in sc.mandates] == ["watch"]     # still filled


def test_default_planning_options_from_models(write_yaml: Any) -> None:
    """planning_options omitted: models/planning_options.yaml is used."""
    doctrine = S.doctrine()
    defaults = S.default_planning_options()
    assert defaults, "models/planning_options.yaml ships planning options"
    doc = _minimal(doctrine)
    del doc["planning_options"]
    # give the pool every group and unit type the shipped options may name
    groups = sorted({g for o in defaults for g in (o.get("rules") or {}).get("group_caps", {})}
                    | {"osce"})
    doc["contributors"][0]["groups"] = groups
    sc = load_doc(write_yaml, doc).scenario
    assert [o.id for o in sc.planning_options] == [o["id"] for o in defaults]


# --------------------------------------------------------------------------- --set


def test_set_overrides(two_zones_path: Path) -> None:
    loaded = S.load(two_zones_path, ["rules.max_share=0.4", "zones.north.threat=4",
                                     "acceptability.contributors.AM.CCC=0.2"])
    sc = loaded.scenario
    assert sc.rules.max_share == 0.4
    assert next(z for z in sc.zones if z.id == "north").threat == 4
    assert sc.acceptability.contributors["AM"]["CCC"] == 0.2
    assert sc.acceptability.contributors["AM"]["AAA"] == 0.5  # neighbours untouched
    assert loaded.overrides == {"rules.max_share": 0.4, "zones.north.threat": 4,
                                "acceptability.contributors.AM.CCC": 0.2}
    assert loaded.sha256 != S.load(two_zones_path).sha256
    rs = S.resolve(loaded)
    assert rs.scenario.rules.max_share == 0.4


def test_set_new_nested_key(two_zones_path: Path) -> None:
    sc = S.load(two_zones_path, ["acceptability.zones.north.AZ.AAA=0.1"]).scenario
    assert sc.acceptability.zones == {"north": {"AZ": {"AAA": 0.1}}}


def test_set_rules_wins_over_option(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    option(two_zones_doc, "X")["rules"] = {"max_share": 0.3, "min_contributors": 2}
    f = str(write_yaml(two_zones_doc))
    plain = S.load_resolved(f).scenario.rules
    assert plain.max_share == 0.3          # option beats the scenario's 0.6
    assert plain.min_contributors == 2
    assert plain.max_armament == "armed"
    over = S.load_resolved(f, None, ["rules.max_share=0.4",
                                     "rules.max_armament=observer"]).scenario.rules
    assert over.max_share == 0.4           # --set beats the option's rules
    assert over.max_armament == "observer"  # ... and the option's max_armament
    assert over.min_contributors == 2


def test_set_rules_floor_wins_over_option(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    option(two_zones_doc, "X")["rules"] = {"acceptability_floor": {"AM": 0.3, "AZ": 0.3}}
    f = str(write_yaml(two_zones_doc))
    rules = S.load_resolved(f, None, ["rules.acceptability_floor.AM=0.45"]).scenario.rules
    assert rules.acceptability_floor == {"AM": 0.45, "AZ": 0.3}


@pytest.mark.parametrize(("expr", "path", "fragment"), [
    ("zones.nope.threat=4", "zones.nope", "no entry with id 'nope'"),
    ("zones.north=4", "zones.north", "cannot replace"),
    ("name.sub=1", "name.sub", "cannot descend"),
    ("rules..max_share=0.4", "rules..max_share", "empty path segment"),
    ("rules.max_share", "rules.max_share", "PATH=VALUE"),
])
def test_set_bad_paths(two_zones_path: Path, expr: str, path: str, fragment: str) -> None:
    with pytest.raises(InputError) as exc:
        S.load(two_zones_path, [expr])
    expect_problem(exc, "--set", path, fragment)


@pytest.mark.parametrize(("expr", "path"), [
    ("rules.max_shar=0.4", "rules.max_shar"),
    ("rules.max_share=1.5", "rules.max_share"),
    ("rules.max_share=abc", "rules.max_share"),
    ("zones.north.threat=high", "zones.north.threat"),
    ("zones.north.threat=9", "zones.north.threat"),
    ("acceptability.contributors.AM.ZZZ=0.2", "acceptability.contributors.AM.ZZZ"),
    ("rules.acceptability_floor.XX=0.2", "rules.acceptability_floor.XX"),
])
def test_set_values_validated_like_the_file(two_zones_path: Path, expr: str, path: str) -> None:
    with pytest.raises(InputError) as exc:
        S.load_resolved(two_zones_path, None, [expr])
    expect_problem(exc, two_zones_path, path)


# --------------------------------------------------------------------------- options


def test_resolution_writes_option_into_rules(two_zones_doc: dict[str, Any],
                                             write_yaml: Any) -> None:
    two_zones_doc["planning_options"].append({
        "id": "Y", "name": "small", "mandates": ["monitoring"], "max_armament": "observer",
        "personnel_min": 10, "personnel_max": 500, "rules": {"max_share": 0.5}})
    f = str(write_yaml(two_zones_doc))
    loaded = S.load(f)
    rs = S.resolve(loaded, "Y")
    r = rs.scenario.rules
    assert rs.option.id == "Y"
    assert r.mandates == ["monitoring"]
    assert r.max_armament == "observer"
    assert (r.personnel_min, r.personnel_max) == (10, 500)
    assert r.max_share == 0.5
    assert r.acceptability_floor == {"AM": 0.55}  # not named by the option: the scenario's
    assert rs.to_document()["planning_option"] == "Y"
    # the default option (planning_option: X) writes its own values
    rx = S.resolve(loaded).scenario.rules
    assert rx.mandates == ["monitoring", "interposition"]
    assert (rx.max_armament, rx.personnel_min, rx.personnel_max) == ("armed", 0, 100000)
    assert rx.max_share == 0.6


def test_option_fields_left_null_keep_scenario_rules(two_zones_doc: dict[str, Any],
                                                     write_yaml: Any) -> None:
    two_zones_doc["rules"].update({"max_armament": "light", "personnel_max": 900})
    two_zones_doc["planning_options"] = [{"id": "Z", "name": "bare"}]
    two_zones_doc["planning_option"] = "Z"
    r = S.load_resolved(str(write_yaml(two_zones_doc))).scenario.rules
    assert r.max_armament == "light" and r.personnel_max == 900 and r.mandates is None


def test_resolve_unknown_option(two_zones_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        S.load_resolved(two_zones_path, "NOPE")
    expect_problem(exc, two_zones_path, "planning_option", "NOPE")


def test_option_excluding_every_contributor(two_zones_doc: dict[str, Any],
                                            write_yaml: Any) -> None:
    option(two_zones_doc, "X")["rules"] = {"exclude_groups": ["osce"]}
    f = write_yaml(two_zones_doc)
    S.load(str(f))  # loading is fine: only this option empties the pool
    with pytest.raises(InputError) as exc:
        S.load_resolved(str(f))
    expect_problem(exc, f, "rules.exclude_groups", "X")


def test_option_excluding_some_contributors_is_fine(two_zones_doc: dict[str, Any],
                                                    write_yaml: Any) -> None:
    option(two_zones_doc, "X")["rules"] = {"exclude_groups": ["csto"]}
    rs = S.load_resolved(str(write_yaml(two_zones_doc)))
    assert rs.scenario.rules.exclude_groups == ["csto"]


# --------------------------------------------------------------------------- file-level errors


def test_yaml_syntax_error(tmp_path: Path) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text("schema_version: 1\nzones: [\n  {id: a\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        S.load(str(f))
    p = expect_problem(exc, f, "", "YAML syntax error")
    assert "line" in p.message


def test_yaml_tab_indent(tmp_path: Path) -> None:
    f = tmp_path / "tab.yaml"
    f.write_text("rules:\n\tmax_share: 0.4\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        S.load(str(f))
    expect_problem(exc, f, "", "YAML syntax error")


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "---\n", "null\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    f = tmp_path / "empty.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        S.load(str(f))
    expect_problem(exc, f, "", "empty")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string\n", "42\n", "[1, 2]\n"])
def test_top_level_not_a_mapping(tmp_path: Path, text: str) -> None:
    f = tmp_path / "list.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        S.load(str(f))
    expect_problem(exc, f, "", "mapping")


def test_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as exc:
        S.load(str(f))
    expect_problem(exc, f, "", "not found")


def test_not_utf8(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(InputError) as exc:
        S.load(str(f))
    expect_problem(exc, f, "", "cannot read")


# --------------------------------------------------------------------------- field errors


@pytest.mark.parametrize("key", ["zones", "contributors", "parties", "name", "schema_version"])
def test_missing_required_field(two_zones_doc: dict[str, Any], write_yaml: Any, key: str) -> None:
    del two_zones_doc[key]
    bad_doc(write_yaml, two_zones_doc, key, "required field is missing")


def test_missing_required_nested_field(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    del zone(two_zones_doc, "south")["location"]
    bad_doc(write_yaml, two_zones_doc, "zones.south.location", "required field is missing")


def test_unknown_key_top_level(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["zonez"] = []
    bad_doc(write_yaml, two_zones_doc, "zonez", "unknown key")


def test_unknown_key_in_rules(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["rules"]["max_shar"] = 0.3
    bad_doc(write_yaml, two_zones_doc, "rules.max_shar", "unknown key")


def test_unknown_key_in_zone(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    zone(two_zones_doc, "north")["thret"] = 3
    bad_doc(write_yaml, two_zones_doc, "zones.north.thret", "unknown key")


def test_unknown_key_in_option_rules(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    option(two_zones_doc, "X")["rules"] = {"max_shar": 0.3}
    bad_doc(write_yaml, two_zones_doc, "planning_options.X.rules.max_shar", "unknown key")


def test_unknown_key_in_route_named_by_ends(two_zones_doc: dict[str, Any],
                                            write_yaml: Any) -> None:
    two_zones_doc["routes"][1]["lenght"] = 3
    bad_doc(write_yaml, two_zones_doc, "routes.north-south.lenght", "unknown key")


def test_wrong_type_threat(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    zone(two_zones_doc, "north")["threat"] = "high"
    bad_doc(write_yaml, two_zones_doc, "zones.north.threat", "integer")


def test_wrong_type_list_for_mapping(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["rules"] = ["max_share", 0.3]
    bad_doc(write_yaml, two_zones_doc, "rules")


def test_negative_population(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    zone(two_zones_doc, "north")["population"] = -5
    bad_doc(write_yaml, two_zones_doc, "zones.north.population", "greater than or equal to 0")


def test_negative_cost(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    contributor(two_zones_doc, "BBB")["cost_per_person_month"] = -1
    bad_doc(write_yaml, two_zones_doc, "contributors.BBB.cost_per_person_month")


def test_share_above_one(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["rules"]["max_share"] = 1.5
    bad_doc(write_yaml, two_zones_doc, "rules.max_share", "less than or equal to 1")


def test_acceptability_below_zero(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["acceptability"]["contributors"]["AZ"]["BBB"] = -0.1
    bad_doc(write_yaml, two_zones_doc, "acceptability.contributors.AZ.BBB",
            "greater than or equal to 0")


@pytest.mark.parametrize("threat", [0, 6, -1])
def test_threat_out_of_range(two_zones_doc: dict[str, Any], write_yaml: Any, threat: int) -> None:
    zone(two_zones_doc, "south")["threat"] = threat
    bad_doc(write_yaml, two_zones_doc, "zones.south.threat")


def test_threat_multipliers_incomplete(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    del two_zones_doc["threat_multipliers"][5]
    bad_doc(write_yaml, two_zones_doc, "threat_multipliers", "1..5")


def test_bad_slug(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    zone(two_zones_doc, "north")["id"] = "North Sector"
    bad_doc(write_yaml, two_zones_doc, "zones.North Sector.id", "pattern")


def test_veto_needs_one_target(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["vetoes"] = [{"party": "AZ"}]
    bad_doc(write_yaml, two_zones_doc, "vetoes.0", "exactly one")


def test_many_problems_reported_at_once(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    zone(two_zones_doc, "north")["threat"] = 9
    zone(two_zones_doc, "south")["population"] = -1
    two_zones_doc["rules"]["max_shar"] = 0.3
    f = write_yaml(two_zones_doc)
    with pytest.raises(InputError) as exc:
        S.load(str(f))
    assert {p.path for p in problems_of(exc)} >= {
        "zones.north.threat", "zones.south.population", "rules.max_shar"}
    assert str(exc.value).count("\n") == len(exc.value.problems) - 1


# --------------------------------------------------------------------------- reference errors


def test_duplicate_zone_id(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    zone(two_zones_doc, "south")["id"] = "north"
    bad_doc(write_yaml, two_zones_doc, "zones.north", "duplicate id 'north'")


def test_duplicate_contributor_id(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    contributor(two_zones_doc, "CCC")["id"] = "AAA"
    bad_doc(write_yaml, two_zones_doc, "contributors.AAA", "duplicate id 'AAA'")


def test_hub_id_clashing_with_zone(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["hubs"].append({"id": "south", "location": {"lat": 1, "lon": 1}})
    bad_doc(write_yaml, two_zones_doc, "hubs.south", "already a zone")


def test_unit_of_unknown_type(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    contributor(two_zones_doc, "BBB")["units"]["tank_battalion"] = 1
    bad_doc(write_yaml, two_zones_doc, "contributors.BBB.units.tank_battalion",
            "unknown unit type 'tank_battalion'")


def test_veto_unknown_contributor(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["vetoes"] = [{"party": "AM", "contributor": "TUR"}]
    bad_doc(write_yaml, two_zones_doc, "vetoes.0.contributor", "unknown contributor 'TUR'")


def test_veto_unknown_party(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["vetoes"] = [{"party": "AM", "contributor": "AAA"},
                               {"party": "XX", "contributor": "AAA"}]
    bad_doc(write_yaml, two_zones_doc, "vetoes.1.party", "unknown party 'XX'")


def test_veto_unknown_group(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["vetoes"] = [{"party": "AZ", "group": "nato"}]
    bad_doc(write_yaml, two_zones_doc, "vetoes.0.group", "'nato'")


def test_veto_unknown_zone(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["vetoes"] = [{"party": "AZ", "group": "csto", "zones": ["west"]}]
    bad_doc(write_yaml, two_zones_doc, "vetoes.0.zones", "unknown zone 'west'")


def test_acceptability_unknown_party(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["acceptability"]["contributors"]["RU"] = {"AAA": 0.5}
    bad_doc(write_yaml, two_zones_doc, "acceptability.contributors.RU", "unknown party 'RU'")


def test_acceptability_unknown_contributor(two_zones_doc: dict[str, Any],
                                           write_yaml: Any) -> None:
    two_zones_doc["acceptability"]["contributors"]["AZ"]["TUR"] = 0.9
    bad_doc(write_yaml, two_zones_doc, "acceptability.contributors.AZ.TUR",
            "unknown contributor 'TUR'")


def test_acceptability_unknown_zone(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["acceptability"]["zones"] = {"west": {"AZ": {"AAA": 0.1}}}
    bad_doc(write_yaml, two_zones_doc, "acceptability.zones.west", "unknown zone 'west'")


def test_acceptability_zone_unknown_party(two_zones_doc: dict[str, Any],
                                          write_yaml: Any) -> None:
    two_zones_doc["acceptability"]["zones"] = {"north": {"XX": {"AAA": 0.1}}}
    bad_doc(write_yaml, two_zones_doc, "acceptability.zones.north.XX", "unknown party 'XX'")


def test_acceptability_armament_unknown_level(two_zones_doc: dict[str, Any],
                                              write_yaml: Any) -> None:
    two_zones_doc["acceptability"]["armament"] = {"AZ": {"heavy": 0.1}}
    bad_doc(write_yaml, two_zones_doc, "acceptability.armament.AZ.heavy",
            "unknown armament level 'heavy'")


def test_zone_allowed_mandate_unknown(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    zone(two_zones_doc, "north")["allowed_mandates"] = ["monitoring", "peace_enforcement"]
    bad_doc(write_yaml, two_zones_doc, "zones.north.allowed_mandates",
            "unknown mandate 'peace_enforcement'")


def test_rules_floor_unknown_party(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["rules"]["acceptability_floor"]["XX"] = 0.5
    bad_doc(write_yaml, two_zones_doc, "rules.acceptability_floor.XX", "unknown party 'XX'")


def test_rules_unknown_mandate(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["rules"]["mandates"] = ["peace_enforcement"]
    bad_doc(write_yaml, two_zones_doc, "rules.mandates", "unknown mandate")


def test_option_rules_unknown_party(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    option(two_zones_doc, "X")["rules"] = {"acceptability_floor": {"XX": 0.4}}
    bad_doc(write_yaml, two_zones_doc, "planning_options.X.rules.acceptability_floor.XX",
            "unknown party 'XX'")


def test_option_unknown_mandate(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    option(two_zones_doc, "X")["mandates"] = ["monitoring", "enforcement"]
    bad_doc(write_yaml, two_zones_doc, "planning_options.X.mandates", "unknown mandate")


def test_planning_option_unknown(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["planning_option"] = "Q"
    bad_doc(write_yaml, two_zones_doc, "planning_option", "unknown planning option 'Q'")


def test_route_to_unknown_node(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["routes"].append({"from": "south", "to": "atlantis", "km": 10})
    bad_doc(write_yaml, two_zones_doc, "routes.south-atlantis.to",
            "unknown node 'atlantis'")


def test_route_unknown_road_class(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["routes"][0]["road"] = "goat_path"
    bad_doc(write_yaml, two_zones_doc, "routes.hub-north.road", "goat_path")


def test_required_zone_unreachable(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["routes"] = [r for r in two_zones_doc["routes"] if "south" not in
                               (r["from"], r["to"])]
    bad_doc(write_yaml, two_zones_doc, "zones.south", "no hub can reach")


def test_required_zone_unreachable_when_route_closed(two_zones_doc: dict[str, Any],
                                                     write_yaml: Any) -> None:
    two_zones_doc["routes"][0]["closed"] = True
    f = write_yaml(two_zones_doc)
    with pytest.raises(InputError) as exc:
        S.load(str(f))
    assert {p.path for p in problems_of(exc)} == {"zones.north", "zones.south"}


def test_unrequired_zone_may_be_unreachable(two_zones_doc: dict[str, Any],
                                            write_yaml: Any) -> None:
    two_zones_doc["routes"] = [r for r in two_zones_doc["routes"] if "south" not in
                               (r["from"], r["to"])]
    zone(two_zones_doc, "south")["required"] = False
    S.load_resolved(str(write_yaml(two_zones_doc)))


def test_empty_contributor_pool(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["contributors"] = []
    two_zones_doc["acceptability"]["contributors"] = {}
    bad_doc(write_yaml, two_zones_doc, "contributors", "empty")


def test_empty_contributor_pool_with_dangling_acceptability(two_zones_doc: dict[str, Any],
                                                            write_yaml: Any) -> None:
    two_zones_doc["contributors"] = []
    bad_doc(write_yaml, two_zones_doc, "contributors", "empty")


def test_zone_min_armament_above_max(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    zone(two_zones_doc, "north").update({"min_armament": "armed", "max_armament": "observer"})
    bad_doc(write_yaml, two_zones_doc, "zones.north", "min_armament is above max_armament")


def test_mandate_min_armament_above_max(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["mandates"][0].update({"min_armament": "armed", "max_armament": "civilian"})
    bad_doc(write_yaml, two_zones_doc, "mandates.monitoring", "min_armament is above")


@pytest.mark.parametrize(("where", "path"), [
    ("unit", "unit_types.infantry_company.armament"),
    ("zone", "zones.south.min_armament"),
    ("mandate", "mandates.interposition.max_armament"),
    ("rules", "rules.max_armament"),
    ("option", "planning_options.X.max_armament"),
])
def test_unknown_armament_level(two_zones_doc: dict[str, Any], write_yaml: Any, where: str,
                                path: str) -> None:
    if where == "unit":
        two_zones_doc["unit_types"][1]["armament"] = "heavy"
    elif where == "zone":
        zone(two_zones_doc, "south")["min_armament"] = "heavy"
    elif where == "mandate":
        two_zones_doc["mandates"][1]["max_armament"] = "heavy"
    elif where == "rules":
        two_zones_doc["rules"]["max_armament"] = "heavy"
    else:
        option(two_zones_doc, "X")["max_armament"] = "heavy"
    bad_doc(write_yaml, two_zones_doc, path, "unknown armament level 'heavy'")


def test_personnel_max_below_min(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["rules"].update({"personnel_min": 100, "personnel_max": 10})
    bad_doc(write_yaml, two_zones_doc, "rules.personnel_max", "below personnel_min")


def test_duplicate_armament_level(two_zones_doc: dict[str, Any], write_yaml: Any) -> None:
    two_zones_doc["armament_levels"].append("light")
    bad_doc(write_yaml, two_zones_doc, "armament_levels.light", "duplicate")


# --------------------------------------------------------------------------- load_text


def test_load_text_accepts_two_zones(two_zones_path: Path) -> None:
    loaded = S.load_text(two_zones_path.read_text(encoding="utf-8"), "upload.yaml")
    assert loaded.scenario.name == "two_zones"
    assert loaded.path == "upload.yaml"


def test_load_text_refuses_extends_of_a_file_it_cannot_see(two_zones_doc: dict[str, Any]
                                                            ) -> None:
    """An upload has no folder: it may extend a shipped base only (tests/test_resources.py)."""
    two_zones_doc["extends"] = "base.yaml"
    with pytest.raises(InputError) as exc:
        S.load_text(yaml.safe_dump(two_zones_doc), "up.yaml")
    expect_problem(exc, "up.yaml", "extends", "is not a shipped base")


@pytest.mark.parametrize("expr", [
    "zones.north.line_km=.inf",
    "zones.north.population=.inf",
    "contributors.AAA.cost_per_person_month=.inf",
    "network.mine_risk_factor=.inf",
    "routes=[{from: hub, to: north, km: .inf}, {from: north, to: south, km: 60}]",
])
def test_infinite_numbers_are_input_errors(two_zones_path: Path, expr: str) -> None:
    with pytest.raises(InputError) as exc:
        S.load_resolved(two_zones_path, None, [expr])
    problems_of(exc)


# --------------------------------------------------------------------------- duplicate keys


DUP_ZONE = """\
zones:
  - id: north
    line_km: 40
    line_km: 4
"""


def test_duplicate_key_is_an_error(two_zones_path: Path, tmp_path: Path) -> None:
    f = tmp_path / "dup.yaml"
    f.write_text(f"extends: {two_zones_path}\n{DUP_ZONE}", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        S.load(f)
    expect_problem(exc, f, "zones.north.line_km", "duplicate key", "lines 4 and 5")


def test_duplicate_top_level_key_in_a_base(two_zones_path: Path, tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(two_zones_path.read_text(encoding="utf-8") + "title: again\n",
                    encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        S.load(child)
    expect_problem(exc, str(base.resolve()), "title", "duplicate key")


def test_duplicate_key_in_doctrine(two_zones_doc: dict[str, Any], write_yaml: Any,
                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    models = tmp_path / "models"
    models.mkdir()
    doctrine = models / "doctrine.yaml"
    doctrine.write_text("armament_levels: [observer]\narmament_levels: [armed]\n",
                        encoding="utf-8")
    monkeypatch.setenv("PKPLANNER_MODELS", str(models))
    del two_zones_doc["armament_levels"]
    with pytest.raises(InputError) as exc:
        load_doc(write_yaml, two_zones_doc)
    expect_problem(exc, doctrine, "armament_levels", "duplicate key")


def test_duplicate_key_in_batch_spec(tmp_path: Path) -> None:
    from pkplanner.batch.spec import load_spec
    f = tmp_path / "spec.yaml"
    f.write_text("schema_version: 1\nname: b\nscenarios: [a.yaml]\n"
                 "pareto: {points: 3, points: 5}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_spec(f)
    expect_problem(exc, f, "pareto.points", "duplicate key", "line 4")


def test_merge_keys_may_be_overridden(two_zones_path: Path, tmp_path: Path) -> None:
    f = tmp_path / "merge.yaml"
    f.write_text(f"extends: {two_zones_path}\nx-defaults: &z {{line_km: 5, area_km2: 9}}\n"
                 "zones:\n  - {id: north, <<: *z, line_km: 7}\n", encoding="utf-8")
    data = S.read_yaml(f)
    assert data["zones"] == [{"id": "north", "line_km": 7, "area_km2": 9}]


# --------------------------------------------------------------------------- yes/no numbers


@pytest.mark.parametrize("path", [
    "rules.max_share",                              # a number field of a block
    "zones.north.line_km",                          # ... of a list entry
    "zones.north.location.lat",                     # ... of a nested block
    "unit_types.observer_team.capabilities.presence",   # a dict value
    "acceptability.contributors.AM.AAA",            # a dict of dicts
])
def test_yes_no_where_a_number_is_expected(two_zones_path: Path, path: str) -> None:
    with pytest.raises(InputError) as exc:
        S.load_resolved(two_zones_path, None, [f"{path}=yes"])
    expect_problem(exc, two_zones_path, path, "yes/no", "number")


def test_yes_no_where_yes_no_is_expected(two_zones_path: Path) -> None:
    rs = S.load_resolved(two_zones_path, None, ["zones.north.required=no",
                                                "rules.soft_requirements=yes"])
    assert rs.scenario.zones[0].required is False and rs.scenario.rules.soft_requirements


def test_yes_no_numbers_in_batch_spec(tmp_path: Path) -> None:
    from pkplanner.batch.spec import load_spec
    f = tmp_path / "spec.yaml"
    f.write_text("schema_version: 1\nname: b\nscenarios: [a.yaml]\ngap: no\n"
                 "monte_carlo:\n  samples: 2\n  vary:\n    zones.*.threat:\n"
                 "      {dist: choice, values: [1, 2], weights: [yes, 1]}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_spec(f)
    expect_problem(exc, f, "gap", "yes/no")
    expect_problem(exc, f, "monte_carlo.vary.zones.*.threat.weights.0", "yes/no")


def test_batch_spec_gap_above_1(tmp_path: Path) -> None:
    from pkplanner.batch.spec import load_spec
    f = tmp_path / "spec.yaml"
    f.write_text("schema_version: 1\nname: b\nscenarios: [a.yaml]\ngap: 5\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_spec(f)
    expect_problem(exc, f, "gap", "above 1")
