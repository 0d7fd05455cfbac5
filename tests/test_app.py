"""The planner app (app/streamlit_app.py) under Streamlit's AppTest, and its pure helpers.

AppTest runs the script without a browser: widgets are driven by key, data editors through
their session-state edit deltas. The end-to-end browser test is tests/test_app_browser.py.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pkplanner.app import pkapp_core as core
from pkplanner.app import pkapp_editors as editors
from pkplanner.app import pkapp_tables as tables

from pkplanner.errors import InputError
from pkplanner.resources import app_script
from pkplanner.rules.edits import RuleEdit, VetoDrop
from pkplanner.scenario.resolve import load_text, resolve
from pkplanner.scenario.schema import Contributor, Hub, Party, Route, Rules, Veto, Zone
from pkplanner.verify.check import verify_file

ROOT = Path(__file__).resolve().parents[1]
APP = app_script()

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def start() -> Any:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: Any, kind: str) -> list[str]:
    return [str(x.value) for x in getattr(at, kind)]


def run_ok(at: Any) -> Any:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pick(at: Any, rel: str) -> Any:
    at.selectbox(key="scenario_pick").select(rel)
    return run_ok(at)


def solve(at: Any) -> Any:
    at.button(key="solve").click()
    return run_ok(at)


def latest(at: Any) -> Any:
    return at.session_state["variants"][-1]


# --------------------------------------------------------------------------- the app


def test_reference_scenario_change_a_rule_solve_and_see_results() -> None:
    at = start()
    assert at.session_state["doc"]["name"] == "karabakh_2020"
    assert at.selectbox(key="solve_option").value == "C"          # the scenario's default
    at.selectbox(key="solve_option").select("A")
    run_ok(at)
    assert at.number_input(key="rule_max_share").value == pytest.approx(0.25)   # option A
    at.number_input(key="rule_max_share").set_value(0.3)
    run_ok(at)
    assert at.session_state["overrides"] == {"rules.max_share": 0.3}
    solve(at)
    v = latest(at)
    assert v.status == "optimal" and v.verdict == []
    assert v.solution["rules"]["max_share"] == 0.3
    assert v.solution["option"] == "A"
    assert max(c["share"] for c in v.solution["contributors"]) <= 0.3 + 1e-9
    assert any(t.startswith("Status: optimal") for t in texts(at, "success"))
    assert any(t.startswith("Verified") for t in texts(at, "success"))
    charts = at.get("plotly_chart")
    specs = [json.loads(c.proto.spec) for c in charts]
    titles = [s["layout"].get("title", {}).get("text", "") for s in specs]
    assert "Zone network" in titles and "Contributor shares" in titles
    network = specs[titles.index("Zone network")]
    hover = " ".join(str(h) for tr in network["data"] for h in tr.get("hovertext") or [])
    assert "mandate:" in hover and "lead:" in hover and "personnel:" in hover
    # the rule stays changed after reruns, and the downloads are offered
    run_ok(at)
    assert at.number_input(key="rule_max_share").value == pytest.approx(0.3)
    keys = {b.key for b in at.get("download_button")}
    n = v.number
    assert {f"dl_html_{n}", f"dl_json_{n}", f"dl_xlsx_{n}", f"dl_yaml_{n}"} <= keys
    assert all(v.files[k].exists() for k in ("html", "json", "xlsx", "yaml"))
    # what was downloaded re-verifies with the command line's checker
    assert verify_file(v.files["yaml"], v.files["json"]) == []


def test_infeasible_edit_shows_explanation_and_one_click_relaxation() -> None:
    at = pick(start(), "examples/three_zones_veto.yaml")
    assert at.session_state["doc"]["name"] == "three_zones_veto"
    at.number_input(key="rule_max_share").set_value(0.3)
    solve(run_ok(at))
    v = latest(at)
    assert v.status == "infeasible"
    rules = {c["rule"] for c in v.solution["conflicts"]}
    assert "dominance.max_share" in rules
    assert any("infeasible" in t for t in texts(at, "error"))
    md = " ".join(texts(at, "markdown"))
    assert "dominance" in md and "max\\_share" in md
    i = [c["rule"] for c in v.solution["conflicts"]].index("dominance.max_share")
    relax = v.solution["conflicts"][i]["relaxation"]
    assert relax.startswith("raise max_share to ")
    assert v.solution["conflicts"][i]["edit"] == {
        "kind": "rule", "key": "max_share", "value": float(relax.split()[-1])}
    at.button(key=f"relax_{v.number}_{i}").click()
    run_ok(at)
    assert at.session_state["overrides"]["rules.max_share"] == float(relax.split()[-1])
    assert at.number_input(key="rule_max_share").value == pytest.approx(float(relax.split()[-1]))
    solve(at)
    assert latest(at).status == "optimal" and latest(at).verdict == []
    # the veto relaxation is a one-click document edit
    j = next(k for k, c in enumerate(v.solution["conflicts"]) if c["rule"].startswith("veto"))
    before = len(at.session_state["doc"]["vetoes"])
    at.selectbox(key="result_pick").select(v.number)
    run_ok(at)
    at.button(key=f"relax_{v.number}_{j}").click()
    run_ok(at)
    assert len(at.session_state["doc"]["vetoes"]) == before - 1


def test_malformed_upload_shows_the_error_and_keeps_the_scenario() -> None:
    at = start()
    doc = copy.deepcopy(at.session_state["doc"])
    at.file_uploader(key="scenario_upload").set_value(
        ("bad.yaml", b"schema_version: 1\nzones: [unclosed\n", "application/x-yaml"))
    run_ok(at)
    errors = " ".join(texts(at, "error"))
    assert "YAML syntax error" in errors and "previous scenario is kept" in errors
    assert at.session_state["doc"] == doc
    # a well-formed file with a bad field: the loader's path and words
    data = yaml.safe_load((ROOT / "scenarios/examples/two_zones.yaml").read_text())
    data["zones"][0]["threat"] = 9
    at.file_uploader(key="scenario_upload").set_value(
        ("../../etc/evil name.yaml", yaml.safe_dump(data).encode(), "application/x-yaml"))
    run_ok(at)
    errors = " ".join(texts(at, "error"))
    zid = data["zones"][0]["id"]
    assert f"zones.{zid}.threat" in errors.replace("\\", "")
    assert "evil_name.yaml" in errors.replace("\\", "")          # a display name, not a path
    assert at.session_state["doc"] == doc
    # a good upload replaces the scenario
    data["zones"][0]["threat"] = 2
    at.file_uploader(key="scenario_upload").set_value(
        ("ok.yaml", yaml.safe_dump(data).encode(), "application/x-yaml"))
    run_ok(at)
    assert at.session_state["doc"]["name"] == data["name"]


def test_editor_error_is_shown_next_to_the_editor_and_edits_survive() -> None:
    at = start()
    ver = at.session_state["ver"]
    zones = at.session_state["doc"]["zones"]
    at.session_state[f"ed_zones_v{ver}"] = {"edited_rows": {0: {"threat": 9}},
                                            "added_rows": [], "deleted_rows": []}
    run_ok(at)
    assert at.session_state["doc"]["zones"][0]["threat"] == 9
    errors = texts(at, "error")
    assert any(f"zones.{zones[0]['id']}.threat" in t for t in errors), errors
    assert at.button(key="solve").disabled
    run_ok(at)                                      # reruns keep the edit
    assert at.session_state["doc"]["zones"][0]["threat"] == 9
    at.session_state[f"ed_zones_v{ver}"] = {"edited_rows": {0: {"threat": 4}},
                                            "added_rows": [], "deleted_rows": []}
    run_ok(at)
    assert at.session_state["doc"]["zones"][0]["threat"] == 4
    assert not at.button(key="solve").disabled
    text = core.scenario_yaml(at.session_state["doc"], at.session_state["overrides"])
    assert load_text(text, "x").scenario.to_document()["zones"][0]["threat"] == 4


def test_edits_survive_a_failed_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    at = pick(start(), "examples/two_zones.yaml")
    at.number_input(key="rule_max_share").set_value(0.7)
    run_ok(at)
    ver = at.session_state["ver"]
    at.session_state[f"ed_zones_v{ver}"] = {"edited_rows": {0: {"threat": 3}},
                                            "added_rows": [], "deleted_rows": []}
    run_ok(at)
    doc = copy.deepcopy(at.session_state["doc"])

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(core, "solve_checked", broken)
    solve(at)
    assert any("solver crashed" in t and "edits are kept" in t for t in texts(at, "error"))
    assert at.session_state["doc"] == doc
    assert at.session_state["overrides"] == {"rules.max_share": 0.7}
    assert at.session_state["variants"] == []
    monkeypatch.undo()
    solve(at)
    v = latest(at)
    assert v.status == "optimal" and v.solution["rules"]["max_share"] == 0.7
    assert v.rs.scenario.zones[0].threat == 3


def test_add_a_contributor_with_units_and_acceptability() -> None:
    at = pick(start(), "examples/two_zones.yaml")
    ver = at.session_state["ver"]
    n = len(at.session_state["doc"]["contributors"])
    at.session_state[f"ed_contributors_v{ver}"] = {"edited_rows": {}, "deleted_rows": [],
                                                  "added_rows": [{
                                                      "id": "NEW", "name": "Newland",
                                                      "groups": "osce, eu", "languages": "en",
                                                      "cost_per_person_month": 10,
                                                      "max_personnel": 5000}]}
    run_ok(at)
    doc = at.session_state["doc"]
    assert doc["contributors"][n]["id"] == "NEW"
    assert doc["contributors"][n]["groups"] == ["osce", "eu"]
    ver2 = at.session_state["ver"]
    assert ver2 > ver                     # the units and acceptability tables list NEW now
    at.session_state[f"ed_units_v{ver2}"] = {"edited_rows": {n: {"observer_team": 10,
                                                                 "infantry_company": 4}},
                                             "added_rows": [], "deleted_rows": []}
    parties = [p["id"] for p in doc["parties"]]
    at.session_state[f"ed_acc_v{ver2}"] = {"edited_rows": {n: {p: 0.9 for p in parties}},
                                           "added_rows": [], "deleted_rows": []}
    run_ok(at)
    new = at.session_state["doc"]["contributors"][n]
    assert new["units"] == {"observer_team": 10, "infantry_company": 4}
    acc = at.session_state["doc"]["acceptability"]["contributors"]
    assert all(acc[p]["NEW"] == 0.9 for p in parties)
    solve(at)
    v = latest(at)
    assert v.status == "optimal" and v.verdict == []
    assert "NEW" in {c["contributor"] for c in v.solution["contributors"]}   # the cheapest


def test_two_sessions_do_not_share_edits() -> None:
    a, b = start(), start()
    a.number_input(key="rule_max_share").set_value(0.5)
    run_ok(a)
    ver = a.session_state["ver"]
    a.session_state[f"ed_zones_v{ver}"] = {"edited_rows": {0: {"threat": 5}},
                                           "added_rows": [], "deleted_rows": []}
    run_ok(a)
    run_ok(b)
    assert a.session_state["overrides"] and not b.session_state["overrides"]
    assert a.session_state["doc"]["zones"][0]["threat"] == 5
    assert b.session_state["doc"]["zones"][0]["threat"] != 5
    assert a.session_state["folder"].path != b.session_state["folder"].path


def test_solve_all_options_and_compare() -> None:
    at = start()
    # 10 s: with the calibrated doctrine the units-first start finds no plan for
    # karabakh_2020 B and D (the big units it fixes leave no integer completion), so HiGHS
    # finds the first plan on its own, in 4-6 s on a busy machine
    at.number_input(key="solve_time_limit").set_value(10)
    at.button(key="solve_all").click()
    run_ok(at)
    variants = at.session_state["variants"]
    assert [v.option for v in variants] == core.option_ids(at.session_state["doc"])
    assert all(v.verdict == [] for v in variants)
    assert {v.status for v in variants} <= {"optimal", "feasible"}
    assert at.session_state["main_tab"] == "Compare"
    heads = [f"#{v.number}: {v.option} · {v.objective}" for v in variants]
    tables_shown = [list(d.value.columns) for d in at.dataframe]
    assert heads in tables_shown, "the comparison table has one column per case"


def test_uncertain_scores_show_the_nominal_and_robust_plans_side_by_side() -> None:
    """The robust-consent example (AAA's score for AZ a range, Γ = 1): the solve adds the
    nominal plan at Γ = 0 (16,000 against 20,000), verified with it, and the results show
    both with the price of robustness."""
    at = pick(start(), "examples/robust_consent.yaml")
    solve(at)
    v = latest(at)
    comp = v.solution["companion"]
    assert (comp["role"], comp["status"], v.verdict) == ("nominal", "optimal", [])
    assert v.solution["totals"]["cost_per_month"] == pytest.approx(20_000)
    assert comp["totals"]["cost_per_month"] == pytest.approx(16_000)
    assert "Nominal and robust plans side by side" in texts(at, "subheader")
    table = next(d.value for d in at.dataframe
                 if list(d.value.columns) == ["figure", "nominal plan (Γ = 0)", "robust plan"])
    row = table[table["figure"] == "cost per month"].iloc[0]
    assert (row["nominal plan (Γ = 0)"], row["robust plan"]) == ("16,000", "20,000")
    assert any("price of robustness: 4,000 per month" in t.replace("\\", "")
               for t in texts(at, "caption")), texts(at, "caption")


def test_supply_flows_on_the_map() -> None:
    """Tick "Model supply flows" on karabakh_2020 and solve: the plan carries flows from the
    doctrine's figures, verified, and the map draws them over the borders."""
    at = start()
    at.checkbox(key="logistics_on").check()
    run_ok(at)
    assert at.number_input(key="logistics_supply_t_per_person_day").value == pytest.approx(0.1)
    solve(at)
    v = latest(at)
    assert v.status == "optimal" and v.verdict == []
    assert v.solution["flows"] and v.solution["logistics"]["demand_tpd"] == pytest.approx(
        0.1 * v.solution["totals"]["personnel"])
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    network = next(s for s in specs
                   if s["layout"].get("title", {}).get("text") == "Zone network")
    names = {t.get("name") for t in network["data"]}
    assert {"border (Natural Earth)", "supply flow (width: t/day)"} <= names


def test_the_plan_is_set_against_the_benchmark() -> None:
    """karabakh_2020_mirror names the force deployed in 2020: the personnel figure says how
    the plan compares with it, from the solution's own record."""
    at = pick(start(), "karabakh_2020_mirror.yaml")
    solve(at)
    v = latest(at)
    assert v.status == "optimal" and v.verdict == []
    bm = v.solution["benchmark"]
    personnel = next(m for m in at.metric if m.label == "Personnel")
    assert personnel.value == f"{v.solution['totals']['personnel']:,}"
    assert personnel.delta == f"×{bm['ratio']:.2f} of 1,960 ({bm['name']}, 2020)"


def test_hostile_scenario_text_is_escaped() -> None:
    import re
    hostile = "![x](http://example.invalid/x.png) <img src=x onerror=alert(1)>"
    data = yaml.safe_load((ROOT / "scenarios/examples/two_zones.yaml").read_text())
    data["title"] = hostile
    data["description"] = hostile
    data["zones"][0]["name"] = hostile
    data["planning_options"][0]["description"] = hostile
    data["planning_options"][0]["name"] = hostile
    at = start()
    at.file_uploader(key="scenario_upload").set_value(
        ("hostile.yaml", yaml.safe_dump(data).encode(), "application/x-yaml"))
    run_ok(at)
    assert at.session_state["doc"]["description"] == hostile
    solve(at)
    assert latest(at).status == "optimal"
    shown = [m.value for m in at.markdown] + [m.value for m in at.caption]
    assert any("example" in t for t in shown), "the hostile text is shown (escaped)"
    for t in shown:
        assert "](http" not in t and not re.search(r"(?<!\\)<img", t), t


def test_rule_widgets_take_their_words_from_the_schema() -> None:
    """A rule's label and help are its title and description in the scenario schema, so
    the app, `pkplanner schema` and the reports word a rule alike."""
    at = start()
    widgets = [(at.number_input, key) for key, _ in editors.SCALAR_RULES] + [
        (at.multiselect, "mandates"), (at.multiselect, "exclude_groups"),
        (at.selectbox, "max_armament"), (at.checkbox, "soft_requirements")]
    for kind, key in widgets:
        w = kind(key=f"rule_{key}")
        field = Rules.model_fields[key]
        assert field.title and field.description, key
        assert w.label.removesuffix(" ✎") == field.title[:1].upper() + field.title[1:], key
        assert w.help == field.description, key


def test_the_fragmentation_and_low_acceptability_rules_are_edited_like_the_others() -> None:
    """The rules of issue 12 (contingents per zone, zones per contributor, the
    low-acceptability cap) are number widgets whose edits become overrides, as max_share's."""
    at = start()
    edits = {"min_contingent_zone": 40, "max_zones_per_contributor": 2,
             "low_acceptability_threshold": 0.45, "low_acceptability_max_share": 0.2}
    for key, value in edits.items():
        at.number_input(key=f"rule_{key}").set_value(value)
        run_ok(at)
    assert at.session_state["overrides"] == {f"rules.{k}": v for k, v in edits.items()}
    for key, value in edits.items():
        assert at.number_input(key=f"rule_{key}").value == pytest.approx(value)


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("rel", core.reference_scenarios())
def test_tables_round_trip_every_reference(rel: str) -> None:
    doc = core.load_reference(rel)
    for key, cols in (("zones", tables.ZONE_COLS), ("hubs", tables.HUB_COLS),
                      ("routes", tables.ROUTE_COLS), ("contributors", tables.CONTRIBUTOR_COLS),
                      ("parties", tables.PARTY_COLS), ("vetoes", tables.VETO_COLS)):
        assert tables.list_from_frame(tables.list_frame(doc[key], cols), cols, doc[key]) \
            == doc[key], key
    cs = copy.deepcopy(doc["contributors"])
    tables.apply_units(cs, tables.units_frame(doc))
    assert cs == doc["contributors"]
    acc = doc["acceptability"]
    assert tables.acceptability_from_frame(tables.acceptability_frame(doc),
                                           acc["contributors"]) == acc["contributors"]
    assert tables.zone_acceptability_from_frame(tables.zone_acceptability_frame(doc)) \
        == acc["zones"]
    assert tables.armament_from_frame(tables.armament_frame(doc), acc["armament"]) \
        == acc["armament"]


@pytest.mark.parametrize("rel", core.reference_scenarios())
def test_downloaded_yaml_loads_back_identically(rel: str) -> None:
    doc = core.load_reference(rel)
    opt = core.option_ids(doc)[0]
    parties = [p["id"] for p in doc["parties"]]
    overrides = {"rules.max_share": 0.45, "rules.min_contributors": 2,
                 "rules.acceptability_floor": {parties[0]: 0.2}}
    text = core.scenario_yaml(doc, overrides)
    again = load_text(text, "x").scenario.to_document()
    assert again == core.bake(doc, overrides)
    assert load_text(core.scenario_yaml(again, {}), "y").scenario.to_document() == again
    for o in core.option_ids(doc):
        want = core.effective_rules(doc, o, overrides)
        got = resolve(load_text(text, "x"), o).scenario.rules.model_dump(mode="json")
        assert got == want, o
    # the mirror of the loader's precedence agrees with the loader itself
    loaded = load_text(core.scenario_yaml(doc, {}), "s")
    loaded.overrides = dict(overrides)
    assert resolve(loaded, opt).scenario.rules.model_dump(mode="json") == \
        core.effective_rules(doc, opt, overrides)


def test_conflict_edit_reads_the_structured_edit() -> None:
    """The app applies `conflicts[].edit`, never the sentence: an older file without the
    key, written advice, and a malformed edit give no button."""
    edit = {"kind": "rule", "key": "max_share", "value": 0.5}
    assert core.conflict_edit({"relaxation": "whatever the wording", "edit": edit}) == \
        RuleEdit("max_share", 0.5)
    veto = {"kind": "veto", "party": "AZ", "contributor": None, "group": "csto",
            "zones": ["shusha", "lachin"]}
    assert core.conflict_edit({"edit": veto}) == VetoDrop("AZ", None, "csto", ("shusha", "lachin"))
    assert core.conflict_edit({"relaxation": "raise max_share to 0.50"}) is None
    assert core.conflict_edit({"relaxation": "obtain more units or personnel from this "
                                             "contributor"}) is None
    assert core.conflict_edit({"edit": {"kind": "rule", "key": "max_share"}}) is None


def test_drop_veto_removes_exactly_that_veto() -> None:
    doc = {"vetoes": [{"party": "AM", "contributor": "TUR", "group": None, "zones": None},
                      {"party": "AZ", "contributor": None, "group": "csto", "zones": ["a"]},
                      {"party": "AZ", "contributor": None, "group": "csto", "zones": None}]}
    out = core.drop_veto(doc, VetoDrop("AZ", None, "csto", ("a",)))
    assert out["vetoes"] == [doc["vetoes"][0], doc["vetoes"][2]]


def test_upload_limits() -> None:
    with pytest.raises(InputError, match="limited to"):
        core.parse_upload("big.yaml", b"#" * (core.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(InputError, match="not UTF-8"):
        core.parse_upload("x.yaml", b"\xff\xfe\x00bad")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefghijklmnopqrstuvwxy", "bcdefghijklmnopqrstuvwxyz", strict=True))
    with pytest.raises(InputError, match="aliases"):
        core.parse_upload("bomb.yaml", bomb.encode())
    with pytest.raises(InputError, match="python"):
        core.parse_upload("x.yaml", b"a: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(InputError, match="extends"):
        core.parse_upload("x.yaml", b"schema_version: 1\nname: x\nextends: ../base.yaml\n")


@pytest.mark.parametrize(("name", "shown"), [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\s.yaml", "s.yaml"),
    (".hidden.yaml", "hidden.yaml"), ("a b<c>.yaml", "a_b_c_.yaml"), ("", "upload.yaml"),
    ("\u202e\nx.yaml", "__x.yaml")])
def test_display_name_is_never_a_path(name: str, shown: str) -> None:
    assert core.display_name(name) == shown


def test_session_folder_stays_inside_and_is_removed() -> None:
    f = core.SessionFolder()
    path = f.path
    assert f.sub("variant-1", "report.html").parent.parent == path
    with pytest.raises(ValueError):
        f.sub("..", "escape")
    with pytest.raises(ValueError):
        f.sub("/etc/passwd")
    del f
    import gc
    gc.collect()
    assert not path.exists()


def test_markdown_escape() -> None:
    assert core.md("![x](http://e/x.png)") == "\\!\\[x\\]\\(http\\://e/x\\.png\\)"
    assert "<" not in core.md("<script>").replace("\\<", "")
    assert "\n" not in core.md("two\nlines")


def test_solves_from_two_sessions_at_once_do_not_break_each_other() -> None:
    """Pyomo's HiGHS interface swaps the process's stdout/stderr descriptors while it
    solves; the app serialises solves (core.SOLVER_LOCK), so concurrent sessions work."""
    import threading
    jobs = [("karabakh_2020.yaml", "A"), ("examples/three_zones_veto.yaml", "X"),
            ("examples/two_zones.yaml", "X"), ("karabakh_2020.yaml", "A")]
    texts_ = {r: core.scenario_yaml(core.load_reference(r), {}) for r, _ in jobs}

    def run(r: str, o: str) -> tuple[str, float, list[str]]:
        _, sol, verdict, _ = core.run_solve(texts_[r], "x.yaml", o, None, 60, 1e-3)
        return sol["status"], round(sol["objective"]["value"], 2), verdict

    expected = [run(*j) for j in jobs]
    got: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            got[i] = run(*jobs[i])
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == [] and got == expected


@pytest.mark.parametrize(("model", "cols"), [
    (Zone, tables.ZONE_COLS), (Hub, tables.HUB_COLS), (Route, tables.ROUTE_COLS),
    (Contributor, tables.CONTRIBUTOR_COLS), (Party, tables.PARTY_COLS),
    (Veto, tables.VETO_COLS)], ids=lambda x: getattr(x, "__name__", ""))
def test_editor_columns_are_labelled_by_the_schema(model: Any, cols: list[tables.Col]) -> None:
    for c in cols:
        assert tables.help_text(model, c.path), c.name        # every column explains itself
        assert tables.label(model, c.path), c.name
    assert tables.label(Contributor, ("cost_per_person_month",)) == "cost per person-month"


def test_floor_columns_are_the_rules_titles() -> None:
    frame = tables.floors_frame({"acceptability_floor": {"AZ": 0.4},
                                 "zone_acceptability_floor": {"AM": 0.35},
                                 "armament_floor": {"AM": 0.3}}, ["AZ", "AM"])
    assert list(frame.columns) == [Rules.model_fields["acceptability_floor"].title,
                                   Rules.model_fields["zone_acceptability_floor"].title,
                                   Rules.model_fields["armament_floor"].title]
    assert tables.floors_from_frame(frame) == {
        "acceptability_floor": {"AZ": 0.4}, "zone_acceptability_floor": {"AM": 0.35},
        "armament_floor": {"AM": 0.3}}


def test_every_rules_key_has_an_editor() -> None:
    """A rules key is laid out, has an editor of its own, or is shown after the laid-out
    ones with the widget its schema type calls for: a new rule needs no app change."""
    from pkplanner.app import pkapp_editors as editors

    from pkplanner.scenario.schema import Rules
    shown = {*editors.LAYOUT, *editors.SPECIAL, *(k for k, _ in editors.OTHER_RULES)}
    assert set(Rules.model_fields) <= shown
    assert dict(editors.SCALAR_RULES) == {
        "max_share": "share", "max_share_zone": "share", "min_contributors": "int",
        "min_contributors_zone": "int", "min_contingent": "int", "min_contingent_zone": "int",
        "max_zones_per_contributor": "opt_int", "personnel_min": "int",
        "personnel_max": "opt_int", "budget_per_month": "opt_float", "language_share": "share",
        "lead_min_share": "share", "lead_min_acceptability": "share",
        "low_acceptability_threshold": "share", "low_acceptability_max_share": "share",
        "qrf_hours": "opt_float", "robust_budget": "per_party"}
