"""Relaxations as data (pkplanner.rules.edits): the sentence each edit is printed as, and the
dict solution.json carries it as, read back exactly; a malformed dict is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pkplanner.rules.edits import RuleEdit, VetoDrop, edit_from_dict, sentence

RULES = {"max_share": 0.3, "group_caps": {"csto": 0.4}, "acceptability_floor":
         {"AZ": 0.5, "AM": 0.8}, "armament_floor": {"AM": 0.6},
         "exclude_groups": ["minsk_cochair", "neighbour"]}

# the sentences explain.py has always printed, each with the edit it stands for
CASES = [
    ("raise max_share to 0.50", RuleEdit("max_share", 0.5)),
    ("raise max_share_zone to 0.75", RuleEdit("max_share_zone", 0.75)),
    ("raise the cap on group csto to 0.55", RuleEdit("group_caps", {"csto": 0.55})),
    ("lower min_contributors to 3", RuleEdit("min_contributors", 3)),
    ("lower min_contributors_zone to 1", RuleEdit("min_contributors_zone", 1)),
    ("lower min_contingent to 12", RuleEdit("min_contingent", 12)),
    ("lower personnel_min to 400", RuleEdit("personnel_min", 400)),
    ("raise personnel_max to 316", RuleEdit("personnel_max", 316)),
    ("raise budget_per_month to 1,234,567", RuleEdit("budget_per_month", 1234567.0)),
    ("lower AM's floor to 0.75", RuleEdit("acceptability_floor", {"AZ": 0.5, "AM": 0.75})),
    ("lower AM's armament floor to 0.40", RuleEdit("armament_floor", {"AM": 0.4})),
    ("stop excluding group neighbour", RuleEdit("exclude_groups", ["minsk_cochair"])),
    ("drop AM's veto on TUR", VetoDrop("AM", "TUR", None, ())),
    ("drop AZ's veto on group csto in shusha,lachin",
     VetoDrop("AZ", None, "csto", ("shusha", "lachin"))),
]


@pytest.mark.parametrize(("text", "edit"), CASES, ids=[t for t, _ in CASES])
def test_sentence_and_round_trip(text: str, edit: RuleEdit | VetoDrop) -> None:
    assert sentence(edit, RULES) == text
    assert edit_from_dict(json.loads(json.dumps(edit.as_dict()))) == edit


def test_as_dict_shapes() -> None:
    assert RuleEdit("max_share", 0.34).as_dict() == {"kind": "rule", "key": "max_share",
                                                     "value": 0.34}
    assert VetoDrop("AM", "TUR", None, ()).as_dict() == {
        "kind": "veto", "party": "AM", "contributor": "TUR", "group": None, "zones": []}


@pytest.mark.parametrize("bad", [
    None, [], "raise max_share to 0.5", {}, {"kind": "nope"},
    {"kind": "rule", "key": "max_share"},
    {"kind": "rule", "key": "", "value": 1},
    {"kind": "rule", "key": 3, "value": 1},
    {"kind": "rule", "key": "max_share", "value": 0.5, "extra": 1},
    {"kind": "veto", "party": "AM", "contributor": "TUR", "group": None},
    {"kind": "veto", "party": "AM", "contributor": None, "group": None, "zones": []},
    {"kind": "veto", "party": "AM", "contributor": "TUR", "group": "g", "zones": []},
    {"kind": "veto", "party": "", "contributor": "TUR", "group": None, "zones": []},
    {"kind": "veto", "party": "AM", "contributor": "TUR", "group": None, "zones": "east"},
    {"kind": "veto", "party": "AM", "contributor": "TUR", "group": None, "zones": [1]},
])
def test_malformed_edit_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        edit_from_dict(bad)


def test_no_sentence_for_an_unknown_or_empty_change() -> None:
    with pytest.raises(ValueError):
        sentence(RuleEdit("working_language", "en"), RULES)
    with pytest.raises(ValueError):
        sentence(RuleEdit("acceptability_floor", dict(RULES["acceptability_floor"])), RULES)
    with pytest.raises(ValueError):
        sentence(RuleEdit("exclude_groups", list(RULES["exclude_groups"])), RULES)
