"""Property tests of the loader: whatever a user writes, the answer is a scenario or an
InputError with one `error: ...` line per problem, never another exception."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pkplanner.errors import InputError
from pkplanner.scenario import resolve as S

SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# Text without line breaks (Cc holds \n \r \v \f \x1c-\x1f \x85; Zl, Zp the Unicode breaks).
# The one-line check on random documents uses one-line text; line breaks in user text are
# covered by test_problem_is_one_line_even_with_line_breaks_in_input. Any text at all must
# still give a scenario or an InputError.
one_line_text = st.text(alphabet=st.characters(max_codepoint=0xFFFF,
                                               blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                        max_size=12)
any_text = st.text(alphabet=st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)),
                   max_size=12)
KNOWN = ["id", "north", "south", "AAA", "AZ", "AM", "hub", "X", "osce", "threat", "rules",
         "zones", "max_share", "armed", "observer_team", "from", "to", "km", "units", "extends",
         "location", "lat", "planning_option", "does_not_exist.yaml", ""]


def json_ish_from(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    keys = st.one_of(text, st.sampled_from(KNOWN))
    scalars = st.one_of(
        st.none(), st.booleans(),
        st.integers(min_value=-10, max_value=10),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0, 1, 5, 6, 0.5, 1.5, -0.1, -5, 1e308, -1e308, 2**63, 2**64 + 1]),
        keys,
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                st.dictionaries(keys, inner, max_size=4)),
        max_leaves=12,
    )


json_ish = json_ish_from(one_line_text)
json_ish_any_text = json_ish_from(any_text)


def check_problems(e: InputError) -> None:
    assert e.problems
    for p in e.problems:
        line = str(p)
        assert line.startswith("error: "), line
        assert len(line.splitlines()) == 1 and "\n" not in line, repr(line)


def mutate(data: st.DataObject, doc: dict[str, Any],
           values: st.SearchStrategy[Any] = json_ish) -> tuple[list[Any], Any]:
    """Walk to a random container in DOC and set an existing or new key to a random value."""
    keys = st.one_of(one_line_text if values is json_ish else any_text, st.sampled_from(KNOWN))
    node: Any = doc
    path: list[Any] = []
    depth = data.draw(st.integers(min_value=0, max_value=6), label="depth")
    for _ in range(depth):
        if isinstance(node, dict) and node:
            key = data.draw(st.sampled_from(sorted(node, key=str)), label="step")
        elif isinstance(node, list) and node:
            key = data.draw(st.integers(min_value=0, max_value=len(node) - 1), label="step")
        else:
            break
        child = node[key]
        if not isinstance(child, (dict, list)):
            break
        path.append(key)
        node = child
    value = data.draw(values, label="value")
    if isinstance(node, dict):
        existing = sorted(node, key=str)
        key_st = st.one_of(st.sampled_from(existing), keys) if existing else keys
        key = data.draw(key_st, label="key")
        if data.draw(st.booleans(), label="delete") and key in node:
            del node[key]
            return [*path, key, "<deleted>"], None
        node[key] = value
    else:
        if node and data.draw(st.booleans(), label="replace"):
            key = data.draw(st.integers(min_value=0, max_value=len(node) - 1), label="index")
            node[key] = value
        else:
            key = len(node)
            node.append(value)
    return [*path, key], value


def run_pipeline(doc: dict[str, Any]) -> None:
    """validate -> resolve -> JSON round trip; only InputError may come out of the first two,
    and a document that resolved must load and resolve to itself."""
    sc = S.validate_document(S.fill_defaults(doc), "mutated.yaml")
    rs = S.resolve(S.LoadedScenario(sc, "mutated.yaml", "0" * 64))
    first = rs.to_document()
    try:
        again = S.resolve(S.load_text(json.dumps(first), "resolved.json")).to_document()
    except InputError as e:
        raise AssertionError(f"resolved document does not load again: {e}") from None
    assert again == first


# --------------------------------------------------------------------------- (a) mutations


@SETTINGS
@given(data=st.data())
def test_random_mutations_give_a_scenario_or_input_error(data: st.DataObject,
                                                         two_zones_doc: dict[str, Any]) -> None:
    doc = copy.deepcopy(two_zones_doc)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="mutations")):
        mutate(data, doc)
    try:
        run_pipeline(doc)
    except InputError as e:
        check_problems(e)


@SETTINGS
@given(data=st.data())
def test_random_mutations_with_any_text_never_crash(data: st.DataObject,
                                                    two_zones_doc: dict[str, Any]) -> None:
    doc = copy.deepcopy(two_zones_doc)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="mutations")):
        mutate(data, doc, json_ish_any_text)
    try:
        run_pipeline(doc)
    except InputError as e:
        assert e.problems and all(str(p).startswith("error: ") for p in e.problems)


@SETTINGS
@given(data=st.data())
def test_random_mutations_through_files(data: st.DataObject, two_zones_doc: dict[str, Any],
                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same through `load`: YAML written to disk, read back, checked, resolved."""
    doc = copy.deepcopy(two_zones_doc)
    mutate(data, doc)
    f = tmp_path_factory.mktemp("mut") / "scenario.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        S.load_resolved(str(f))
    except InputError as e:
        check_problems(e)


@SETTINGS
@given(path=st.lists(st.sampled_from(["rules", "zones", "north", "south", "threat", "max_share",
                                      "acceptability", "contributors", "AM", "CCC", "X",
                                      "planning_options", "0", "name", "hubs", "hub"]),
                     min_size=1, max_size=5),
       value=st.one_of(one_line_text, st.integers(-10, 10), st.floats(-2, 2),
                       st.sampled_from(["[1, 2]", "{a: 1}", "null", "", "[", "0.4", "5"])))
def test_random_set_overrides(path: list[str], value: str | float, two_zones_path: Any) -> None:
    expr = f"{'.'.join(path)}={value}"
    try:
        S.load_resolved(two_zones_path, None, [expr])
    except InputError as e:
        check_problems(e)


@pytest.mark.parametrize("where", ["zone_id", "top_key", "armament", "road", "option"])
def test_problem_is_one_line_even_with_line_breaks_in_input(
        where: str, two_zones_doc: dict[str, Any]) -> None:
    doc = two_zones_doc
    if where == "zone_id":
        doc["zones"][0]["id"] = "no\nrth"
    elif where == "top_key":
        doc["zo\nnes"] = 1
    elif where == "armament":
        doc["unit_types"][0]["armament"] = "obs\nerver"
    elif where == "road":
        doc["routes"][0]["road"] = "pri\nmary"
    else:
        doc["planning_option"] = "X\nY"
    with pytest.raises(InputError) as exc:
        S.validate_document(doc, "f.yaml")
    check_problems(exc.value)


# --------------------------------------------------------------------------- (b) valid variations


@SETTINGS
@given(
    threats=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    pops=st.tuples(st.floats(0, 1e7, allow_nan=False), st.integers(0, 10**7)),
    share=st.floats(0, 1),
    share_zone=st.floats(0, 1),
    option_share=st.one_of(st.none(), st.floats(0, 1)),
    acc=st.dictionaries(st.sampled_from(["AZ", "AM"]),
                        st.dictionaries(st.sampled_from(["AAA", "BBB", "CCC"]), st.floats(0, 1),
                                        max_size=3), max_size=2),
    default_acc=st.floats(0, 1),
    floor=st.floats(0, 1),
    mine_risk=st.floats(0, 1),
    km=st.floats(60, 1e5),       # north-south: 61.2 km as the crow flies
)
@example(threats=(5, 1), pops=(0.0, 0), share=0.0, share_zone=1.0, option_share=1.0, acc={},
         default_acc=0.0, floor=1.0, mine_risk=1.0, km=1e5)
def test_valid_variations_load_and_round_trip(
        two_zones_doc: dict[str, Any], threats: tuple[int, int], pops: tuple[float, int],
        share: float, share_zone: float, option_share: float | None,
        acc: dict[str, dict[str, float]], default_acc: float, floor: float, mine_risk: float,
        km: float) -> None:
    doc = copy.deepcopy(two_zones_doc)
    for z, t, p in zip(doc["zones"], threats, pops, strict=True):
        z["threat"] = t
        z["population"] = p
    doc["rules"]["max_share"] = share
    doc["rules"]["max_share_zone"] = share_zone
    doc["rules"]["acceptability_floor"] = {"AZ": floor}
    if option_share is not None:
        doc["planning_options"][0]["rules"] = {"max_share": option_share}
    for party, row in acc.items():
        doc["acceptability"]["contributors"][party].update(row)
    doc["acceptability"]["default"] = default_acc
    doc["routes"][1]["mine_risk"] = mine_risk
    doc["routes"][1]["km"] = km

    loaded = S.load_text(yaml.safe_dump(doc), "variation.yaml")
    rs = S.resolve(loaded)
    sc = rs.scenario
    assert [z.threat for z in sc.zones] == list(threats)
    assert sc.rules.max_share == (share if option_share is None else option_share)
    first = rs.to_document()
    again = S.resolve(S.load_text(json.dumps(first), "resolved.json")).to_document()
    assert again == first


# --------------------------------------------------------------------------- (c) random text


# the two_zones_path fixture's file, read at import because strategies cannot use fixtures
TWO_ZONES_TEXT = (Path(__file__).resolve().parents[1] / "scenarios" / "examples"
                  / "two_zones.yaml").read_text(encoding="utf-8")


@st.composite
def damaged_text(draw: st.DrawFn) -> str:
    """two_zones.yaml with a slice cut out, a slice duplicated, or random text spliced in."""
    text = TWO_ZONES_TEXT
    i = draw(st.integers(0, len(text)))
    j = draw(st.integers(i, min(len(text), i + 200)))
    kind = draw(st.sampled_from(["cut", "dup", "insert", "truncate"]))
    if kind == "cut":
        return text[:i] + text[j:]
    if kind == "dup":
        return text[:j] + text[i:j] + text[j:]
    if kind == "truncate":
        return text[:i]
    return text[:i] + draw(st.text(max_size=30)) + text[i:]


yaml_fragments = st.lists(
    st.sampled_from(["a:", " b", ": ", "- ", "[", "]", "{", "}", "&x ", "*x", "!!python/object ",
                     "'", '"', "\n", "\t", "  ", "#", "---", "...", "zones", "rules", "1", "-1",
                     ".nan", ".inf", "null", "~", "?", "|", ">", "%YAML 1.2\n", "\x00", "é"]),
    max_size=25).map("".join)


@SETTINGS
@given(text=st.one_of(st.text(max_size=200), yaml_fragments, damaged_text(),
                      json_ish.map(lambda v: yaml.safe_dump(v, allow_unicode=True))))
@example(text="")
@example(text="a: &a [*a]\n")
@example(text="!!python/object/apply:os.system ['true']\n")
@example(text=TWO_ZONES_TEXT)
def test_load_text_only_raises_input_error(text: str) -> None:
    try:
        loaded = S.load_text(text, "upload.yaml")
    except InputError as e:
        assert e.problems and all(str(p).startswith("error: upload.yaml: ") for p in e.problems)
        return
    try:
        S.resolve(loaded)
    except InputError as e:
        assert e.problems


def test_nan_and_inf_are_never_accepted_as_shares(two_zones_doc: dict[str, Any]) -> None:
    for bad in (math.nan, math.inf, -math.inf):
        doc = copy.deepcopy(two_zones_doc)
        doc["rules"]["max_share"] = bad
        with pytest.raises(InputError) as exc:
            S.validate_document(doc, "f.yaml")
        assert exc.value.problems[0].path == "rules.max_share"


def test_nan_population_is_rejected(two_zones_doc: dict[str, Any]) -> None:
    two_zones_doc["zones"][0]["population"] = math.nan
    with pytest.raises(InputError) as exc:
        S.validate_document(two_zones_doc, "f.yaml")
    assert exc.value.problems[0].path == "zones.north.population"
