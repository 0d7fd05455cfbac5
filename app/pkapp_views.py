"""Results of one solved variant, and variants side by side.

Everything shown comes from the solution document (docs/solution-file.md), the package's report
(figures, tables, comparison) and the verifier's verdict; scenario text reaches the page
only as table cells, plotly labels escaped by the package, or escaped Markdown.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from pkplanner.pipeline import busy
from pkplanner.report import (
    build_comparison,
    build_report,
    is_phased,
    phase_solution,
    phases_of,
    plan_figures,
    solution_frames,
    timeline_figure,
)
from pkplanner.report.document import Report
from pkplanner.report.fmt import fmt_benchmark
from pkplanner.rules.catalog import entry_of
from pkplanner.rules.edits import RuleEdit, VetoDrop
from pkplanner.solution import metrics

from . import pkapp_core as core
from . import pkapp_state as state

HIGHLIGHT = "background-color: #fde68a"
MIME = {"yaml": "application/x-yaml", "json": "application/json", "html": "text/html",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
def report(v: core.Variant) -> Report:
    """The package's report of a variant, built once per session and variant (its charts
    and sections are what the page shows)."""
    key = f"report_{v.number}"
    s = state.ss()
    if key not in s:
        s[key] = build_report(v.rs, v.solution, v.verdict)
    out: Report = s[key]
    return out


def figures(v: core.Variant) -> dict[str, Any]:
    return dict(report(v).figures)


def _meaning(rule: str) -> str:
    """What a binding rule at its limit means, in the catalog's words."""
    found = entry_of(rule)
    return found[0].at_limit if found else ""


# --------------------------------------------------------------------------- one variant


def results_view() -> None:
    s = state.ss()
    variants: list[core.Variant] = s["variants"]
    if s.get("solve_errors"):
        for text in s["solve_errors"]:
            st.error(text)
    if not variants:
        st.info("No result yet. Pick a scenario in the sidebar (or upload one), change what "
                "you believe in the **Scenario** tab, then press **Solve**.")
        return
    numbers = [v.number for v in variants]
    if s.get("result_pick") not in numbers:
        s["result_pick"] = numbers[-1]
    labels = {v.number: v.label for v in variants}
    st.selectbox("Result shown", numbers[::-1], format_func=lambda n: labels.get(n, str(n)),
                 key="result_pick")
    v = state.variant(s["result_pick"])
    if v is not None:
        with st.container(key="result_view"):
            variant_view(v)


def variant_view(v: core.Variant) -> None:
    sol = v.solution
    solver = sol.get("solver") or {}
    gap = sol.get("mip_gap")
    timing = (f"{v.seconds:.2f} s in the app (HiGHS {solver.get('solve_seconds', 0):.2f} s, "
              f"model build {solver.get('build_seconds', 0):.2f} s)")
    with st.container(key="result_status"):
        if v.status == "optimal":
            st.success(f"Status: optimal (relative gap {gap or 0:.3%}) — {timing}")
        elif v.status == "feasible":
            st.warning(f"Status: feasible, not proven optimal (gap {gap or 0:.2%}): the solver "
                       f"stopped at the time limit. Raise it for a better plan. — {timing}")
        elif v.status == "infeasible":
            st.error(f"Status: infeasible — no force satisfies these rules together. {timing}")
        else:
            st.error(f"Status: {v.status} — no plan within the time limit ({timing}). "
                     "Raise the time limit.")
        if v.verdict:
            st.error(f"Verifier: {len(v.verdict)} violation(s) — the plan breaks rules the "
                     "solver should have enforced (a bug, please report it):\n\n"
                     + "\n".join(f"- {core.md(line)}" for line in v.verdict))
        elif v.feasible:
            st.success("Verified: an independent check recomputed every rule from the "
                       "allocations — every constraint family holds.")
    _downloads(v)
    if v.feasible:
        _plan(v)
    else:
        _conflicts(v)


def phase_figures(v: core.Variant, index: int) -> dict[str, Any]:
    """The plan's charts for phase `index` of a phased variant (0: the report's own), built
    once per session, variant and phase."""
    if index == 0:
        return figures(v)
    key = f"phase_figures_{v.number}_{index}"
    s = state.ss()
    if key not in s:
        s[key] = plan_figures(v.rs, phase_solution(v.solution, index))
    out: dict[str, Any] = s[key]
    return out


def _phase_label(ph: dict[str, Any]) -> str:
    name = str(ph.get("name") or "")
    pid = str(ph.get("id", ""))
    start = float(ph.get("start_day", 0.0))
    return (f"{name} ({pid})" if name and name != pid else pid) + (
        f" · {float(ph.get('months', 0.0)):g} months from day {start:,.0f}")


def _timeline(v: core.Variant, phases: list[dict[str, Any]]) -> int:
    """A phased plan: the whole plan (cost, timeline chart, the report's timeline tables)
    and the phase selector; returns the index of the phase the plan views show."""
    sol = v.solution
    st.subheader("Phases: the whole plan")
    value = (sol.get("objective") or {}).get("value")
    months = sum(float(p.get("months", 0.0)) for p in phases)
    c = st.columns(4)
    c[0].metric("Phases", len(phases))
    c[1].metric("Months", f"{months:g}")
    c[2].metric("Cost of the whole plan", f"{value:,.0f}" if isinstance(value, int | float)
                else "-", help="The objective: each phase's months times its cost per month, "
                "plus re-entries.")
    c[3].metric("Personnel, first → last phase",
                f"{int(phases[0]['totals']['personnel']):,} → "
                f"{int(phases[-1]['totals']['personnel']):,}")
    by = st.radio("Stack the timeline by", ["zone", "contributor"], horizontal=True,
                  key=f"timeline_by_{v.number}")
    fig = figures(v).get("timeline") if by == "zone" else None
    if fig is None:
        key = f"timeline_{by}_{v.number}"
        s = state.ss()
        if key not in s:
            s[key] = timeline_figure(v.rs, sol, by)
        fig = s[key]
    st.plotly_chart(fig, key=f"chart_timeline_{v.number}")
    section = next((x for x in report(v).sections if x.id == "timeline"), None)
    if section is not None:
        with st.expander("The plan phase by phase (the report's Timeline tables)"):
            for i, block in enumerate(section.blocks):
                if block.kind == "heading":
                    st.markdown(f"**{core.md(block.text)}**")
                elif block.kind == "table" and block.table is not None:
                    t = block.table
                    if t.caption:
                        st.caption(core.md(t.caption))
                    cols = [c or "item" for c in t.columns]
                    st.dataframe(pd.DataFrame(t.rows, columns=cols), hide_index=True,
                                 width="stretch", key=f"timeline_table_{v.number}_{i}")
    ids = [str(p.get("id", "")) for p in phases]
    s = state.ss()
    if s.get("phase") not in ids:
        s["phase"] = ids[0]
    labels = {str(p.get("id", "")): _phase_label(p) for p in phases}
    st.radio("Phase shown below", ids, key="phase", horizontal=True,
             format_func=lambda i: labels.get(i, i),
             help="The plan views below (zones, contributors, acceptability, binding rules, "
                  "allocation) show this phase's plan.")
    index = ids.index(s["phase"])
    st.caption(f"Showing phase {core.md(labels[ids[index]])} — phase {index + 1} of "
               f"{len(phases)}.")
    return index


def _plan(v: core.Variant) -> None:
    sol = v.solution
    phases = phases_of(sol) if is_phased(sol) else []
    index = _timeline(v, phases) if phases else 0
    if index:
        sol = phase_solution(sol, index)
    tag = f"_{index}" if index else ""       # a phase's widgets beside the first's
    c = st.columns(5)
    bm = metrics.benchmark(sol) if not index else None   # its ratio is the first phase's
    c[0].metric("Personnel", f"{metrics.personnel(sol):,}",
                delta=fmt_benchmark(bm) if bm else None, delta_color="off",
                delta_arrow="off",
                help=f"Against the benchmark: {bm['name']} ({bm['source']})." if bm else None)
    c[1].metric("Cost per month", f"{metrics.cost_per_month(sol):,.0f}")
    c[2].metric("Contributors", metrics.n_contributors(sol))
    c[3].metric("Zones deployed", f"{metrics.zones_deployed(sol)} of {len(sol['zones'])}")
    worst = metrics.least_acceptability(sol)
    c[4].metric("Least acceptability", f"{worst[1]:.3f} ({worst[0]})" if worst else "-",
                help="The party that accepts the force least, and how much.")
    figs = phase_figures(v, index)
    frames = solution_frames(v.rs, sol)
    rules = sol.get("rules") or {}
    st.subheader("Force on the zone network")
    if "network" in figs:
        st.plotly_chart(figs["network"], key=f"chart_network_{v.number}{tag}")
    left, right = st.columns([3, 2])
    with left:
        st.caption("Deployments by zone (hover a zone on the map for the same).")
        z = frames["zones"][["zone", "deployed", "personnel", "armament", "mandate", "lead",
                             "nearest_hub", "hours_to_hub", "name"]]
        st.dataframe(z, hide_index=True, width="stretch", key=f"zones_table_{v.number}{tag}",
                     column_config={"hours_to_hub": st.column_config.NumberColumn(
                         "hours to hub", format="%.1f")})
    with right:
        if "personnel" in figs:
            st.plotly_chart(figs["personnel"], key=f"chart_personnel_{v.number}{tag}")
    st.subheader("Contributors and the cap")
    left, right = st.columns([3, 2])
    with left:
        if "shares" in figs:
            st.plotly_chart(figs["shares"], key=f"chart_shares_{v.number}{tag}")
    with right:
        cf = frames["contributors"].copy()
        cap = float(rules.get("max_share", 1.0))
        cf["cap"] = cap
        cf["headroom"] = cap - cf["share"]
        st.dataframe(cf[["contributor", "personnel", "share", "cap", "headroom",
                         "cost_per_month", "zones", "name"]], hide_index=True, width="stretch",
                     key=f"contrib_table_{v.number}{tag}", column_config={
                         "share": st.column_config.NumberColumn("share", format="percent"),
                         "cap": st.column_config.NumberColumn("cap", format="percent"),
                         "headroom": st.column_config.NumberColumn("headroom",
                                                                   format="percent"),
                         "cost_per_month": st.column_config.NumberColumn(
                             "cost / month", format="%.0f")})
    st.subheader("Acceptability against the floors")
    left, right = st.columns([3, 2])
    with left:
        if "acceptability" in figs:
            st.plotly_chart(figs["acceptability"], key=f"chart_acceptability_{v.number}{tag}")
    with right:
        af = frames["acceptability"].copy()
        af["margin"] = af["composition"] - af["composition_floor"].fillna(0.0)
        af["armament margin"] = af["armament"] - af["armament_floor"].fillna(0.0)
        num = {c: st.column_config.NumberColumn(c.replace("_", " "), format="%.3f")
               for c in ("composition", "composition_floor", "margin", "armament",
                         "armament_floor", "armament margin")}
        st.dataframe(af[["party", "composition", "composition_floor", "margin", "armament",
                         "armament_floor", "armament margin", "name"]], hide_index=True,
                     width="stretch", key=f"acc_table_{v.number}{tag}", column_config=num)
    _robustness(v)
    st.subheader("Binding rules")
    binding = [b for b in sol.get("binding") or [] if not b.startswith("capacity.")]
    used_up = len(sol.get("binding") or []) - len(binding)
    if binding:
        st.dataframe(pd.DataFrame({"rule": binding, "meaning": [_meaning(b) for b in binding]}),
                     hide_index=True, width="stretch", key=f"binding_{v.number}{tag}")
    st.caption(f"{used_up} capacity limits reached (a contributor sends all it offers of a "
               "unit type)." if used_up else "No capacity limit reached.")
    st.subheader("Allocation")
    st.dataframe(frames["allocation"], hide_index=True, width="stretch", height=300,
                 key=f"alloc_{v.number}{tag}")
    _sensitivity(v)


def _robustness(v: core.Variant) -> None:
    """The nominal and robust plans side by side, as the report lays them out (only when
    the scenario has uncertain scores: the solve then made the companion plan)."""
    section = next((x for x in report(v).sections if x.id == "robustness"), None)
    if section is None:
        return
    st.subheader(section.title)
    with st.container(key=f"robustness_{v.number}"):
        for block in section.blocks:
            if block.kind == "p":
                st.caption(core.md(block.text))
            elif block.kind == "table" and block.table is not None:
                t = block.table
                st.dataframe(pd.DataFrame(t.rows, columns=["figure", *t.columns[1:]]),
                             hide_index=True, width="stretch",
                             key=f"robustness_table_{v.number}")


def _sensitivity(v: core.Variant) -> None:
    st.subheader("Sensitivity")
    records = v.solution.get("sensitivity")
    if records is None:
        st.caption("What does each binding rule cost? Relax it by one step and re-solve "
                   "(one solve per binding rule; may take a while).")
        if st.button("Compute sensitivity", key=f"sensitivity_{v.number}"):
            s = state.ss()
            bar = st.progress(0.0, text="Re-solving each binding rule relaxed one step…")
            try:
                recs = run_in_thread(lambda: core.run_sensitivity(
                    v, s.get("solve_time_limit"), s.get("solve_gap", 1e-3)), bar,
                    "Sensitivity", 10.0 * (s.get("solve_time_limit") or 30))
            except Exception as e:    # keep the session; show what went wrong
                st.error(f"Sensitivity failed: {e.__class__.__name__}: {e}")
                return
            finally:
                bar.empty()
            v.solution["sensitivity"] = recs
            v.files = core.write_files(s["folder"], v)
            s.pop(f"report_{v.number}", None)
            st.rerun()
        return
    if not records:
        st.caption("No binding rule with a numeric step to relax.")
        return
    st.dataframe(pd.DataFrame(records), hide_index=True, width="stretch",
                 key=f"sensitivity_table_{v.number}")


def _conflicts(v: core.Variant) -> None:
    conflicts = v.solution.get("conflicts") or []
    if not conflicts:
        if v.status == "infeasible":
            st.info("The explanation found no conflicting rule set.")
        return
    st.subheader("Why there is no plan")
    st.markdown("No force satisfies these rules together. Each relaxation offered below "
                "was checked: applied **alone**, every other rule kept, it restores a plan "
                "(a written suggestion appears only where dropping that rule alone does). A "
                "rule with neither is part of the conflict, but changing it alone was not "
                "shown to be enough.")
    for i, c in enumerate(conflicts):
        with st.container(border=True, key=f"conflict_{v.number}_{i}"):
            st.markdown(f"**{core.md(c.get('rule', ''))}** — {core.md(c.get('detail', ''))}")
            relax = c.get("relaxation") or ""
            edit = core.conflict_edit(c)
            if edit is not None:
                st.button(f"Apply: {relax}", key=f"relax_{v.number}_{i}",
                          on_click=apply_relaxation, args=(v.number, i),
                          help=f"One click: {core.edit_text(edit)} in this session's "
                               "scenario. Then press Solve.")
            elif relax:
                st.caption(f"Suggested: {relax}")


def apply_relaxation(number: int, index: int) -> None:
    s = state.ss()
    v = state.variant(number)
    if v is None:
        return
    c = v.solution["conflicts"][index]
    edit = core.conflict_edit(c)
    if isinstance(edit, RuleEdit):
        state.set_override(edit.key, edit.value)
        state.bump()
    elif isinstance(edit, VetoDrop):
        new = core.drop_veto(s["doc"], edit)
        if new == s["doc"]:
            state.flash("warning", "That veto is no longer in the scenario.")
            return
        state.replace_doc(new, s["source"])
    else:
        return
    state.flash("success", f"Applied: {c.get('relaxation')} ({core.edit_text(edit)}). "
                "Press Solve to re-run.")


def _downloads(v: core.Variant) -> None:
    cols = st.columns(4)
    labels = {"yaml": "Scenario (YAML)", "json": "solution.json", "html": "Report (HTML)",
              "xlsx": "Workbook (xlsx)"}
    for col, kind in zip(cols, ("html", "json", "xlsx", "yaml"), strict=True):
        path = v.files.get(kind)
        if path is None or not path.exists():
            continue
        col.download_button(labels[kind], data=path.read_bytes(),
                            file_name=core.download_name(v, kind), mime=MIME[kind],
                            key=f"dl_{kind}_{v.number}", on_click="ignore",
                            type="primary" if kind == "html" else "secondary")
    st.caption("Downloads of this case. The YAML is exactly what was solved (your rule "
               "changes written in); `pkplanner verify <scenario>.yaml <solution>.json` "
               "re-checks the plan.")


# --------------------------------------------------------------------------- progress


def run_in_thread(fn: Any, bar: Any, label: str, limit: float | None,
                  live: dict[str, str] | None = None) -> Any:
    """Run `fn` in a worker thread and move a progress bar until it returns; `live`'s
    "text" (the incumbent, bound and gap, which the solve keeps there) joins the label."""
    import threading
    import time

    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:     # re-raised in the script thread
            box["error"] = e

    th = threading.Thread(target=target, name="pkplanner-app-solve", daemon=True)
    t0 = time.perf_counter()
    queued = busy()
    th.start()
    while th.is_alive():
        el = time.perf_counter() - t0
        frac = min(el / limit, 0.99) if limit else 0.5
        bar.progress(frac, text=f"{label}: {el:.0f} s" + (
            f" (time limit {limit:.0f} s)" if limit else "") + (
            "; waiting for another session's solve first" if queued else "") + (
            f"; {live['text']}" if live and live.get("text") else ""))
        th.join(0.25)
    if "error" in box:
        raise box["error"]
    return box["value"]


# --------------------------------------------------------------------------- comparing


def _diff_style(df: pd.DataFrame) -> pd.DataFrame:
    """Highlight every cell that differs from the first column (the baseline)."""
    out = pd.DataFrame("", index=df.index, columns=df.columns)
    if df.shape[1] < 2:
        return out
    first = df.iloc[:, 0]
    for col in df.columns[1:]:
        out.loc[df[col].astype(str) != first.astype(str), col] = HIGHLIGHT
    return out


def _styled(table: dict[str, dict[str, str]], labels: list[str], index: str) -> Any:
    df = pd.DataFrame([[row.get(lb, "-") for lb in labels] for row in table.values()],
                      index=list(table), columns=labels, dtype=object)
    df.index.name = index
    return df.style.apply(_diff_style, axis=None)


def compare_view() -> None:
    s = state.ss()
    variants: list[core.Variant] = s["variants"]
    if len(variants) < 1:
        st.info("Solved cases are kept here. Solve the scenario, change something (or pick "
                "another planning option) and solve again — or press **Solve all options** "
                "in the sidebar — then compare them side by side.")
        return
    numbers = [v.number for v in variants]
    labels = {v.number: v.label for v in variants}
    picked = [n for n in s.get("compare_pick", []) if n in numbers]
    if picked != s.get("compare_pick"):
        s["compare_pick"] = picked or numbers[-4:]
    st.multiselect("Cases to compare (the first is the baseline; cells that differ from it "
                   "are highlighted)", numbers, format_func=lambda n: labels.get(n, str(n)),
                   key="compare_pick")
    chosen = [v for n in s["compare_pick"] if (v := state.variant(n)) is not None]
    if not chosen:
        return
    rows = [(f"#{v.number}", f"{v.option} · {v.objective}" + (f" · {v.note}" if v.note
                                                                 else ""), v.solution)
            for v in chosen]
    rep = build_comparison(rows)
    sec = rep.sections[0]
    tbl = next(b.table for b in sec.blocks if b.kind == "table" and b.table is not None)
    df = pd.DataFrame([r[1:] for r in tbl.rows], index=[r[0] for r in tbl.rows],
                      columns=tbl.columns[1:])
    df.index.name = "measure"
    with st.container(key="compare_view"):
        st.dataframe(df.style.apply(_diff_style, axis=None), width="stretch",
                     key="compare_table")
        cols = [v.label for v in chosen]
        c1, c2 = st.columns(2)
        figs = rep.figures
        if "comparison_acceptability" in figs:
            c1.plotly_chart(figs["comparison_acceptability"], key="compare_chart_acc")
        if "comparison_profile" in figs:
            c2.plotly_chart(figs["comparison_profile"], key="compare_chart_profile")
        st.markdown("**Zones** (personnel, armament, mandate, lead)")
        st.dataframe(_styled(core.compare_zones(chosen), cols, "zone"), width="stretch",
                     key="compare_zones")
        st.markdown("**Contributors** (personnel and share)")
        st.dataframe(_styled(core.compare_contributors(chosen), cols, "contributor"),
                     width="stretch", key="compare_contributors")
        diff = core.compare_rules(chosen)
        st.markdown("**Rules that differ**" if diff else "**Rules**: the same in every case")
        if diff:
            st.dataframe(_styled(diff, cols, "rule"), width="stretch", key="compare_rules")
        path = s["folder"].sub("comparison.html")
        st.download_button("Comparison (HTML)", data=lambda: _comparison_html(rep, path),
                           file_name="comparison.html", mime=MIME["html"],
                           key="dl_comparison", on_click="ignore")
    st.button("Clear all results", key="compare_clear", on_click=_clear)


def _comparison_html(rep: Any, path: Any) -> bytes:
    data = rep.html().encode()
    path.write_bytes(data)
    return bytes(data)


def _clear() -> None:
    s = state.ss()
    for v in s["variants"]:
        s.pop(f"report_{v.number}", None)
        for key in [k for k in s if str(k).startswith((f"phase_figures_{v.number}_",
                                                       f"timeline_zone_{v.number}",
                                                       f"timeline_contributor_{v.number}"))]:
            s.pop(key, None)
    s["variants"] = []
    s["compare_pick"] = []
