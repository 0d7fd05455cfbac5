"""A relaxation as data: the one change to a scenario that an explanation found restores a plan.

The explanation (explain.py) returns each relaxation it tested as an edit, and the sentence
a planner reads is written from that edit here (`sentence`), so the wording has one home.
The app applies the edit itself (`conflicts[].edit` in solution.json, read back with
`edit_from_dict`), never the sentence. Two kinds:

- `RuleEdit(key, value)`: set the rules key to `value`, like `--set rules.KEY=VALUE`. For
  a dict-valued rule (acceptability_floor, armament_floor, group_caps) and for
  exclude_groups the value is the WHOLE new value of the key, computed from the effective
  rules of the scenario the conflict was found under, one entry changed.
- `VetoDrop(party, contributor, group, zones)`: remove that veto from the scenario.

No pyomo and no pandas here: the app and readers of solution files import this module. The
words for a rule key come from its relaxation in the catalog (catalog.Relax.sentence).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pkplanner.rules.catalog import relax_of_key


@dataclass(frozen=True)
class RuleEdit:
    """Set rules.`key` to `value` (the whole new value of the key)."""

    key: str
    value: Any

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "rule", "key": self.key, "value": copy.deepcopy(self.value)}


@dataclass(frozen=True)
class VetoDrop:
    """Remove the veto of `party` on `contributor` (or on members of `group`) in `zones`
    (empty: everywhere)."""

    party: str
    contributor: str | None
    group: str | None
    zones: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "veto", "party": self.party, "contributor": self.contributor,
                "group": self.group, "zones": list(self.zones)}


Edit = RuleEdit | VetoDrop


def edit_from_dict(d: Any) -> RuleEdit | VetoDrop:
    """The edit an `as_dict()` mapping describes; ValueError when it is malformed."""
    if not isinstance(d, Mapping):
        raise ValueError(f"an edit is a mapping, not {type(d).__name__}")
    kind = d.get("kind")
    if kind == "rule":
        if set(d) != {"kind", "key", "value"}:
            raise ValueError(f"a rule edit has the keys kind, key, value; got {sorted(d)}")
        key = d["key"]
        if not isinstance(key, str) or not key:
            raise ValueError(f"a rule edit's key is a rule name, not {key!r}")
        return RuleEdit(key, copy.deepcopy(d["value"]))
    if kind == "veto":
        if set(d) != {"kind", "party", "contributor", "group", "zones"}:
            raise ValueError("a veto edit has the keys kind, party, contributor, group, "
                             f"zones; got {sorted(d)}")
        party, contributor, group, zones = d["party"], d["contributor"], d["group"], d["zones"]
        if not isinstance(party, str) or not party:
            raise ValueError(f"a veto edit's party is a party id, not {party!r}")
        for name, v in (("contributor", contributor), ("group", group)):
            if v is not None and (not isinstance(v, str) or not v):
                raise ValueError(f"a veto edit's {name} is an id or null, not {v!r}")
        if (contributor is None) == (group is None):
            raise ValueError("a veto edit names a contributor or a group (exactly one)")
        if not isinstance(zones, list | tuple) or not all(
                isinstance(z, str) and z for z in zones):
            raise ValueError(f"a veto edit's zones are a list of zone ids, not {zones!r}")
        return VetoDrop(party, contributor, group, tuple(zones))
    raise ValueError(f"an edit's kind is 'rule' or 'veto', not {kind!r}")


def sentence(edit: RuleEdit | VetoDrop, rules: Mapping[str, Any]) -> str:
    """The relaxation in words, as the CLI, the report and solution.json print it: `rules`
    are the effective rules the edit was made from (a dict-valued rule names the entry
    that changed). ValueError for an edit no sentence is written for."""
    if isinstance(edit, VetoDrop):
        target = edit.contributor or f"group {edit.group}"
        where = f" in {','.join(edit.zones)}" if edit.zones else ""
        return f"drop {edit.party}'s veto on {target}{where}"
    key, value = edit.key, edit.value
    rx = relax_of_key(key)
    if rx is not None:
        return rx.sentence(value, _changed(key, value, rules) if rx.per_entity else "")
    if key == "exclude_groups":
        gone = list(dict.fromkeys(g for g in rules.get(key) or [] if g not in value))
        if len(gone) != 1:
            raise ValueError(f"exclude_groups edit {value!r} drops no single group")
        return f"stop excluding group {gone[0]}"
    raise ValueError(f"no relaxation sentence for rules.{key}")


def _changed(key: str, value: Mapping[str, Any], rules: Mapping[str, Any]) -> str:
    before = rules.get(key) or {}
    changed = [k for k, v in value.items() if before.get(k) != v]
    if len(changed) != 1 or set(before) - set(value):
        raise ValueError(f"{key} edit {dict(value)!r} changes no single entry")
    return changed[0]
