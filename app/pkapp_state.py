"""The session's working state (one per browser session, never shared).

- `base_doc`: the scenario document the editors were built from (version `ver`);
- `doc`: the current document = `base_doc` with every editor's edits, recomputed each run;
- `overrides`: the planner's rule changes, `{"rules.<key>": value}`, applied after the
  planning option like `--set`;
- `frames`: the tables the editors of version `ver` show (kept fixed while the user edits:
  a data editor's state is a delta against its input);
- `variants`: solved cases kept for the results and comparison views.

Anything that changes the document from outside the editors (a scenario picked or
uploaded, a relaxation applied, a reset) calls `replace_doc`/`bump`: the editors are
rebuilt from the current document under new keys.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from pkplanner.errors import InputError, Problem

from . import pkapp_core as core


def ss() -> Any:
    return st.session_state


@st.cache_data(show_spinner=False, max_entries=32)
def _load_reference(rel: str, stamp: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parsed once per file version (the stamp hashes the shipped files' bytes); Streamlit
    hands each caller its own copy."""
    try:
        return core.load_reference(rel), []
    except InputError as e:
        return None, list(e.problems)


def load_reference(rel: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    doc, problems = _load_reference(rel, core.scenario_stamp())
    return copy.deepcopy(doc), problems


def init() -> None:
    s = ss()
    if "folder" in s:
        return
    s["folder"] = core.SessionFolder()
    s["variants"] = []
    s["next_variant"] = 1
    s["ver"] = 0
    s["frames"] = {}
    s["overrides"] = {}
    s["messages"] = []
    s["scenario_pick"] = core.DEFAULT_SCENARIO
    doc, problems = load_reference(core.DEFAULT_SCENARIO)
    if doc is None:
        st.error("; ".join(core.problem_text(p) for p in problems))
        st.stop()
    replace_doc(doc, f"scenarios/{core.DEFAULT_SCENARIO}", original=True)


def replace_doc(doc: dict[str, Any], source: str, original: bool = False) -> None:
    """A new current document from outside the editors."""
    s = ss()
    s["doc"] = copy.deepcopy(doc)
    if original:
        s["original_doc"] = copy.deepcopy(doc)
        s["source"] = source
        s["overrides"] = {}
        opt = core.default_option(doc)
        s["solve_option"] = opt
        s["solve_objective"] = doc.get("objective") or "cost"
    bump()


def bump() -> None:
    """Rebuild every editor from the current document (new widget keys, fresh tables)."""
    s = ss()
    s["ver"] = s.get("ver", 0) + 1
    s["base_doc"] = copy.deepcopy(s["doc"])
    s["base_ids"] = core.structure_ids(s["doc"])
    s["frames"] = {}


def editor_key(name: str) -> str:
    return f"ed_{name}_v{ss()['ver']}"


def frame(name: str, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The input table of an editor for this version (built once, then kept fixed)."""
    frames = ss()["frames"]
    if name not in frames:
        frames[name] = make()
    return frames[name]


def flash(kind: str, text: str) -> None:
    """A message shown once at the top of the next run (after a callback)."""
    ss()["messages"].append((kind, text))


def option_id() -> str | None:
    s = ss()
    ids = core.option_ids(s["doc"])
    return s.get("solve_option") if s.get("solve_option") in ids else core.default_option(
        s["doc"])


def effective_rules() -> dict[str, Any]:
    s = ss()
    return core.effective_rules(s["doc"], option_id(), s["overrides"])


def set_override(key: str, value: Any) -> None:
    ss()["overrides"][f"rules.{key}"] = copy.deepcopy(value)


def drop_override(key: str) -> None:
    ss()["overrides"].pop(f"rules.{key}", None)
    bump()


def clear_overrides() -> None:
    ss()["overrides"] = {}
    bump()


def add_variant(v: core.Variant) -> None:
    s = ss()
    s["variants"].append(v)
    if len(s["variants"]) > core.MAX_VARIANTS:
        s["variants"] = s["variants"][-core.MAX_VARIANTS:]
    s["result_pick"] = v.number
    s["compare_pick"] = [x.number for x in s["variants"][-4:]]


def variant(number: int | None) -> core.Variant | None:
    return next((v for v in ss()["variants"] if v.number == number), None)
