"""pkplanner planner app: load a scenario, change what you believe, solve, look, compare.

The page itself; app/streamlit_app.py, the script Streamlit runs, calls `main()`.
Every model question goes to the pkplanner package (load, resolve, solve, explain, verify,
sensitivity, report); the app keeps one session's scenario, rule changes and results.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import streamlit as st

from pkplanner.errors import InputError, Problem

from . import pkapp_core as core
from . import pkapp_editors as editors
from . import pkapp_state as state
from . import pkapp_views as views

OBJECTIVE_HELP = {"cost": "least cost per month",
                  "acceptability": "most acceptable to the least satisfied party",
                  "coverage": "least uncovered requirement within the budget"}


# --------------------------------------------------------------------------- sidebar


def _on_pick() -> None:
    s = state.ss()
    rel = s["scenario_pick"]
    doc, problems = state.load_reference(rel)
    if doc is None:
        s["upload_problems"] = problems
        state.flash("error", f"Could not load {rel}.")
        return
    s["upload_problems"] = []
    state.replace_doc(doc, f"scenarios/{rel}", original=True)
    state.flash("info", f"Loaded scenarios/{rel}.")


def _on_reset() -> None:
    s = state.ss()
    s["overrides"] = {}
    state.replace_doc(s["original_doc"], s["source"])
    state.flash("info", "Edits discarded: back to the scenario as loaded.")


def scenario_sidebar() -> Any:
    s = state.ss()
    st.header("1 · Scenario")
    refs = core.reference_scenarios()
    st.selectbox("Reference scenario", refs, key="scenario_pick", on_change=_on_pick,
                 help="Loading a scenario replaces the one being edited (solved results "
                      "stay for comparison).")
    up = st.file_uploader("…or upload a scenario (YAML)", type=["yaml", "yml"],
                          key="scenario_upload", max_upload_size=1,
                          help=f"At most {core.MAX_UPLOAD_BYTES:,} bytes; `extends` is not "
                               "allowed in an upload.")
    if up is not None and s.get("upload_seen") != up.file_id:
        s["upload_seen"] = up.file_id
        try:
            doc = core.parse_upload(up.name, up.getvalue())
        except InputError as e:
            s["upload_problems"] = list(e.problems)
        else:
            s["upload_problems"] = []
            state.replace_doc(doc, f"upload {core.display_name(up.name)}", original=True)
            s["messages"].append(("info", f"Loaded {core.display_name(up.name)}."))
    problems: list[Problem] = s.get("upload_problems") or []
    if problems:
        with st.container(key="upload_errors"):
            st.error("The upload was not loaded; the previous scenario is kept.\n\n" + "\n".join(
                f"- {core.md(core.problem_text(p))}" for p in problems))
    return st.container(key="scenario_status")


def scenario_status(box: Any) -> None:
    """Filled after the editors ran, so the download holds this run's edits."""
    s = state.ss()
    edited = s["doc"] != s["original_doc"] or bool(s["overrides"])
    box.caption(f"Editing: {core.md(s['doc'].get('name'))} (from {core.md(s['source'])})"
                + (" — **edited**" if edited else ""))
    with box.expander("About this scenario"):
        st.markdown(f"**{core.md(s['doc'].get('title') or s['doc'].get('name'))}**")
        if s["doc"].get("description"):
            st.markdown(core.md(s["doc"]["description"]))
    box.download_button("Download edited scenario (YAML)",
                        data=core.scenario_yaml(s["doc"], s["overrides"]),
                        file_name=f"{core.display_name(str(s['doc'].get('name')))}.yaml",
                        mime="application/x-yaml", key="download_scenario", on_click="ignore",
                        help="The edited scenario with your rule changes written in; it "
                             "loads back (upload or CLI) to the same scenario.")
    box.button("Discard edits", key="reset_edits", on_click=_on_reset, disabled=not edited)


def solve_settings() -> None:
    s = state.ss()
    doc = s["doc"]
    ids = core.option_ids(doc)
    if s.get("solve_option") not in ids:
        s["solve_option"] = core.default_option(doc)
    st.header("2 · Solve")
    names = {str(o.get("id")): str(o.get("name") or "") for o in doc.get("planning_options")
             or []}
    st.selectbox("Planning option", ids, key="solve_option", on_change=state.bump,
                 format_func=lambda i: f"{i}: {names.get(i, '')}" if names.get(i) else i)
    desc = core.find_option(doc, s["solve_option"]).get("description")
    if desc:
        with st.expander("About this option"):
            st.markdown(core.md(desc))
    if s.get("solve_objective") not in core.OBJECTIVES:
        s["solve_objective"] = "cost"
    st.selectbox("Objective", list(core.OBJECTIVES), key="solve_objective",
                 format_func=lambda o: f"{o} ({OBJECTIVE_HELP[o]})")
    c1, c2 = st.columns(2)
    c1.number_input("Time limit (s)", min_value=1, max_value=3600, value=30, step=5,
                    key="solve_time_limit", help="The solver returns its best plan so far "
                    "(with its gap) when the limit is reached.")
    c2.number_input("Gap", min_value=0.0, max_value=0.5, value=0.001, step=0.001,
                    format="%.4f", key="solve_gap", help="Relative MIP gap at which a plan "
                    "counts as optimal.")


# --------------------------------------------------------------------------- solving


def solve_buttons(box: Any, problems: list[Problem]) -> None:
    s = state.ss()
    with box:
        blocked = bool(problems)
        if blocked:
            st.warning(f"{len(problems)} problem(s) in the scenario — see the marked editors "
                       "in the **Scenario** tab.")
        solve_one = st.button("Solve", key="solve", type="primary", disabled=blocked,
                              width="stretch")
        solve_all = st.button("Solve all planning options", key="solve_all",
                              disabled=blocked, width="stretch", help="One case per planning "
                              "option, side by side in the Compare tab.")
        progress = st.empty()
    if solve_one:
        run_cases([state.option_id()], progress)
    elif solve_all:
        run_cases(core.option_ids(s["doc"]), progress)


def run_cases(options: Sequence[str | None], progress: Any) -> None:
    s = state.ss()
    doc, overrides = copy.deepcopy(s["doc"]), dict(s["overrides"])
    text = core.scenario_yaml(doc, overrides)
    label = f"{doc['name']}.yaml"
    note = "; ".join(x for x in ("edited" if doc != s["original_doc"] else "",
                                 core.describe_overrides(overrides)) if x)
    objective = s["solve_objective"]
    limit = float(s["solve_time_limit"])
    gap = float(s["solve_gap"])
    names = {str(o.get("id")): str(o.get("name") or "") for o in doc["planning_options"]}
    s["solve_errors"] = []
    added = 0
    for i, opt in enumerate(options):
        bar = progress.progress(0.0, text="Solving…")
        what = f"Solving option {opt}" + (f" ({i + 1} of {len(options)})"
                                          if len(options) > 1 else "")
        live: dict[str, str] = {}
        try:
            rs, sol, verdict, secs = views.run_in_thread(
                lambda opt=opt, live=live: core.run_solve(text, label, opt, objective, limit,
                                                          gap, live), bar, what, limit, live)
        except InputError as e:
            s["solve_errors"].append(f"Option {opt}: " + "; ".join(
                core.problem_text(p) for p in e.problems))
            continue
        except Exception as e:       # the session and its edits survive a failed solve
            s["solve_errors"].append(f"Option {opt}: the solve failed "
                                     f"({e.__class__.__name__}: {e}). Your edits are kept.")
            continue
        v = core.Variant(s["next_variant"], str(opt), names.get(str(opt), ""), objective,
                         note, text, rs, sol, verdict, secs)
        s["next_variant"] += 1
        v.files = core.write_files(s["folder"], v)
        state.add_variant(v)
        added += 1
    progress.empty()
    if added:
        s["goto"] = "Results" if len(options) == 1 else "Compare"
        st.rerun()


# --------------------------------------------------------------------------- page


def main() -> None:
    st.set_page_config(page_title="pkplanner", page_icon="🕊️", layout="wide")
    state.init()
    s = state.ss()
    with st.sidebar:
        status_box = scenario_sidebar()
        solve_settings()
        solve_box = st.container(key="solve_box")
    st.title("pkplanner — peacekeeping force planner")
    st.caption("**Pick** a reference scenario or upload yours (sidebar) → **change** what "
               "you believe in the Scenario tab (zones, contributors, acceptability, vetoes, "
               "rules) → press **Solve** → read the plan under Results and **download** the "
               "report. Compare keeps every solved case side by side.")
    for kind, text in s["messages"]:
        getattr(st, kind)(text)
    s["messages"] = []
    goto = s.pop("goto", None)
    if goto:
        s["main_tab"] = goto
    tab_results, tab_scenario, tab_compare = st.tabs(
        ["Results", "Scenario", "Compare"], key="main_tab", on_change="rerun")
    slots: dict[str, Any] = {}
    with tab_scenario:
        slots["general"] = st.container()
        sub = st.tabs([label for _, label in editors.SECTION_TABS], key="scenario_tab")
        tabs = {name: t for (name, _), t in zip(editors.SECTION_TABS, sub, strict=True)}
        doc = editors.scenario_editors(tabs, slots)
    s["doc"] = doc
    if core.structure_ids(doc) != s["base_ids"] and not s.get("just_rebuilt"):
        state.bump()               # ids changed: rebuild the editors that list them
        s["just_rebuilt"] = True   # (once: never loop on a table that does not round-trip)
        st.rerun()
    s["just_rebuilt"] = False
    editors.rules_editor(tabs["rules"], slots, doc)
    problems = cached_check()
    by_section: dict[str, list[Problem]] = {}
    for p in problems:
        by_section.setdefault(core.section_of(p), []).append(p)
    for section, ps in by_section.items():
        editors.show_problems(slots.get(section, slots["general"]), ps)
    scenario_status(status_box)
    solve_buttons(solve_box, problems)
    with tab_results:
        views.results_view()
    with tab_compare:
        views.compare_view()


def cached_check() -> list[Problem]:
    """The loader's verdict on the edited scenario, recomputed only when something changed."""
    import json
    s = state.ss()
    key = json.dumps([s["doc"], s["overrides"], state.option_id(), s["source"]],
                     sort_keys=True, default=str)
    cached = s.get("check_cache")
    if cached and cached[0] == key:
        return list(cached[1])
    label = f"{s['doc'].get('name') or 'scenario'}.yaml"
    problems = core.check(s["doc"], s["overrides"], state.option_id(), label)
    s["check_cache"] = (key, problems)
    return problems
