"""The scenario editors: zones, routes and hubs, contributors, acceptability, vetoes, rules.

Each editor shows a table built from the document of this editor version and returns the
edited section; `scenario_editors` assembles the current document from them. Rules are
not edited in the document: a change is kept as the planner's override (`rules.<key>`),
applied after the planning option like `--set`, and written into the downloaded YAML.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, get_args, get_origin

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pydantic import BaseModel

from pkplanner.errors import Problem
from pkplanner.report import esc
from pkplanner.scenario.resolve import fill_logistics
from pkplanner.scenario.schema import (
    Acceptability,
    Contributor,
    Hub,
    Logistics,
    Party,
    Route,
    Rules,
    Scenario,
    Veto,
    Zone,
)

from . import pkapp_core as core
from . import pkapp_state as state
from . import pkapp_tables as tables

SECTION_TABS = [("zones", "Zones"), ("routes", "Routes & hubs"),
                ("contributors", "Contributors"), ("acceptability", "Acceptability"),
                ("vetoes", "Vetoes"), ("rules", "Rules"), ("doctrine", "Doctrine & options")]


def _ids(doc: dict[str, Any], key: str) -> list[str]:
    return [str(x.get("id")) for x in doc.get(key) or [] if isinstance(x, dict)
            and x.get("id") is not None]


def _choices(values: list[str], current: Any) -> list[str]:
    extra = [str(x) for x in (current if isinstance(current, list) else [current])
             if x not in (None, "") and str(x) not in values]
    return values + extra


def _groups(doc: dict[str, Any]) -> list[str]:
    return sorted({str(g) for c in doc.get("contributors") or [] for g in c.get("groups") or []})


def _languages(doc: dict[str, Any]) -> list[str]:
    return sorted({str(g) for c in doc.get("contributors") or []
                   for g in c.get("languages") or []})


def _columns(model: type[BaseModel], cols: list[tables.Col],
             **given: Any) -> dict[str, Any]:
    """A column config for every column of a list editor, labelled and explained by the
    schema (title, description); `given` adds a column's widget settings."""
    out = {}
    for c in cols:
        cfg = dict(given.get(c.name) or st.column_config.Column())
        cfg["label"] = tables.label(model, c.path)
        cfg["help"] = tables.help_text(model, c.path)
        out[c.name] = cfg
    return out


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def show_problems(slot: Any, problems: list[Problem]) -> None:
    """The loader's own words, next to the editor that holds the field."""
    with slot:
        for p in problems:
            st.error(core.problem_text(p), icon="⚠️")


# --------------------------------------------------------------------------- scenario


def scenario_editors(tabs: dict[str, Any], slots: dict[str, Any]) -> dict[str, Any]:
    """Render every editor (all of them, every run: a widget not drawn loses its edits)
    and return the current document."""
    s = state.ss()
    base = s["base_doc"]
    doc = copy.deepcopy(base)
    levels = [str(x) for x in base.get("armament_levels") or []]
    with tabs["zones"]:
        slots["zones"] = st.container()
        st.caption("One row per zone. Empty cells take the loader's default; "
                   "allowed_mandates is a comma-separated list (empty = any mandate).")
        cfg = _columns(
            Zone, tables.ZONE_COLS,
            id=st.column_config.TextColumn(required=True, pinned=True),
            lat=st.column_config.NumberColumn(format="%.3f", min_value=-90, max_value=90),
            lon=st.column_config.NumberColumn(format="%.3f", min_value=-180, max_value=180),
            threat=st.column_config.NumberColumn(min_value=1, max_value=5, step=1),
            required=st.column_config.CheckboxColumn(),
            min_armament=st.column_config.SelectboxColumn(options=levels),
            max_armament=st.column_config.SelectboxColumn(options=levels),
            allowed_mandates=st.column_config.TextColumn())
        out = st.data_editor(state.frame("zones", lambda: tables.list_frame(
            base.get("zones") or [], tables.ZONE_COLS)), key=state.editor_key("zones"),
            num_rows="dynamic", column_config=cfg, width="stretch", hide_index=True)
        doc["zones"] = tables.list_from_frame(out, tables.ZONE_COLS, base.get("zones") or [])
        _network_preview(doc)
    with tabs["routes"]:
        slots["routes"] = st.container()
        nodes = _ids(base, "zones") + _ids(base, "hubs")
        roads = list(((base.get("network") or {}).get("road_speeds_kmh") or {}).keys())
        st.markdown("**Routes** (undirected; closed routes are drawn dashed and not used)")
        out = st.data_editor(state.frame("routes", lambda: tables.list_frame(
            base.get("routes") or [], tables.ROUTE_COLS)), key=state.editor_key("routes"),
            num_rows="dynamic", width="stretch", hide_index=True, column_config=_columns(
                Route, tables.ROUTE_COLS, **{
                    "from": st.column_config.SelectboxColumn(options=nodes, required=True),
                    "to": st.column_config.SelectboxColumn(options=nodes, required=True),
                    "road": st.column_config.SelectboxColumn(options=roads),
                    "km": st.column_config.NumberColumn(min_value=0.0),
                    "mine_risk": st.column_config.NumberColumn(min_value=0.0, max_value=1.0,
                                                               step=0.05),
                    "closed": st.column_config.CheckboxColumn(),
                    "capacity_tpd": st.column_config.NumberColumn(min_value=0.0)}))
        doc["routes"] = tables.list_from_frame(out, tables.ROUTE_COLS, base.get("routes") or [])
        _logistics(base, doc)
        st.markdown("**Hubs** (logistics entry points)")
        out = st.data_editor(state.frame("hubs", lambda: tables.list_frame(
            base.get("hubs") or [], tables.HUB_COLS)), key=state.editor_key("hubs"),
            num_rows="dynamic", width="stretch", hide_index=True, column_config=_columns(
                Hub, tables.HUB_COLS,
                id=st.column_config.TextColumn(required=True, pinned=True),
                capacity_personnel=st.column_config.NumberColumn(min_value=0, step=1),
                entry=st.column_config.CheckboxColumn()))
        doc["hubs"] = tables.list_from_frame(out, tables.HUB_COLS, base.get("hubs") or [])
    with tabs["contributors"]:
        slots["contributors"] = st.container()
        st.caption("groups and languages are comma-separated lists. Units offered are in the "
                   "second table (empty = none).")
        out = st.data_editor(state.frame("contributors", lambda: tables.list_frame(
            base.get("contributors") or [], tables.CONTRIBUTOR_COLS)),
            key=state.editor_key("contributors"), num_rows="dynamic", width="stretch",
            hide_index=True, height=360, column_config=_columns(
                Contributor, tables.CONTRIBUTOR_COLS,
                id=st.column_config.TextColumn(required=True, pinned=True),
                cost_per_person_month=st.column_config.NumberColumn(min_value=0.0,
                                                                    format="%.0f"),
                max_personnel=st.column_config.NumberColumn(min_value=0, step=1)))
        doc["contributors"] = tables.list_from_frame(out, tables.CONTRIBUTOR_COLS,
                                                     base.get("contributors") or [])
        st.markdown("**Units offered** (contributor × unit type)")
        ufr = state.frame("units", lambda: tables.units_frame(base))
        out = st.data_editor(ufr, key=state.editor_key("units"), width="stretch", height=360,
                             column_config={u: st.column_config.NumberColumn(
                                 u, min_value=0, step=1,
                                 help=tables.help_text(Contributor, ("units",)))
                                 for u in ufr.columns})
        tables.apply_units(doc["contributors"], out)
    with tabs["acceptability"]:
        slots["acceptability"] = st.container()
        _acceptability_editors(base, doc)
    with tabs["vetoes"]:
        slots["vetoes"] = st.container()
        st.caption("A veto is hard: the contributor (or every member of the group) is never "
                   "deployed where it applies. zones: comma-separated (empty = everywhere).")
        out = st.data_editor(state.frame("vetoes", lambda: tables.list_frame(
            base.get("vetoes") or [], tables.VETO_COLS)), key=state.editor_key("vetoes"),
            num_rows="dynamic", width="stretch", hide_index=True, column_config=_columns(
                Veto, tables.VETO_COLS,
                party=st.column_config.SelectboxColumn(options=_ids(base, "parties"),
                                                       required=True),
                contributor=st.column_config.SelectboxColumn(options=_ids(base, "contributors")),
                group=st.column_config.SelectboxColumn(options=_groups(base)),
                zones=st.column_config.TextColumn()))
        doc["vetoes"] = tables.list_from_frame(out, tables.VETO_COLS, base.get("vetoes") or [])
    with tabs["doctrine"]:
        _doctrine(base)
    return doc


def _acceptability_editors(base: dict[str, Any], doc: dict[str, Any]) -> None:
    acc = copy.deepcopy(base.get("acceptability") or {})
    doc["acceptability"] = acc
    st.markdown("**Parties** (each holds a veto and an acceptability floor)")
    out = st.data_editor(state.frame("parties", lambda: tables.list_frame(
        base.get("parties") or [], tables.PARTY_COLS)), key=state.editor_key("parties"),
        num_rows="dynamic", hide_index=True, column_config=_columns(
            Party, tables.PARTY_COLS, id=st.column_config.TextColumn(required=True)))
    doc["parties"] = tables.list_from_frame(out, tables.PARTY_COLS, base.get("parties") or [])
    key = "acc_default"
    s = state.ss()
    s[key] = float(acc.get("default", 0.5))
    st.number_input(_capital(tables.label(Acceptability, ("default",))), min_value=0.0,
                    max_value=1.0, step=0.05, key=key, on_change=_on_default,
                    help=tables.help_text(Acceptability, ("default",)))
    acc["default"] = s[key]
    st.markdown("**Acceptability of each contributor to each party** (0 unacceptable .. 1 "
                "fully acceptable; empty = the default)")
    afr = state.frame("acc", lambda: tables.acceptability_frame(base))
    cfg: dict[str, Any] = {p: st.column_config.NumberColumn(
        p, min_value=0.0, max_value=1.0, step=0.05, format="%.2f",
        help=tables.help_text(Acceptability, ("contributors",)))
        for p in afr.columns if p != "contributor name"}
    cfg["contributor name"] = st.column_config.TextColumn("name", disabled=True)
    out = st.data_editor(afr, key=state.editor_key("acc"), width="stretch", height=360,
                         column_config=cfg)
    acc["contributors"] = tables.acceptability_from_frame(out, acc.get("contributors") or {})
    st.markdown("**Zone overrides** (a contributor judged differently in one zone)")
    out = st.data_editor(state.frame("acc_zones", lambda: tables.zone_acceptability_frame(
        base)), key=state.editor_key("acc_zones"), num_rows="dynamic", hide_index=True,
        width="stretch", column_config={
            "zone": st.column_config.SelectboxColumn("zone", options=_ids(base, "zones"),
                                                     required=True),
            "party": st.column_config.SelectboxColumn("party", options=_ids(base, "parties"),
                                                      required=True),
            "contributor": st.column_config.SelectboxColumn(
                "contributor", options=_ids(base, "contributors"), required=True),
            "score": st.column_config.NumberColumn(
                "score", min_value=0.0, max_value=1.0, step=0.05, required=True,
                help=tables.help_text(Acceptability, ("zones",)))})
    acc["zones"] = tables.zone_acceptability_from_frame(out)
    st.markdown("**Acceptability of each armament level to each party**")
    out = st.data_editor(state.frame("acc_armament", lambda: tables.armament_frame(base)),
                         key=state.editor_key("acc_armament"), width="stretch",
                         column_config={lv: st.column_config.NumberColumn(
                             lv, min_value=0.0, max_value=1.0, step=0.05,
                             help=tables.help_text(Acceptability, ("armament",)))
                             for lv in base.get("armament_levels") or []})
    acc["armament"] = tables.armament_from_frame(out, acc.get("armament") or {})


def _on_default() -> None:
    s = state.ss()
    s["doc"].setdefault("acceptability", {})["default"] = s["acc_default"]
    s["base_doc"].setdefault("acceptability", {})["default"] = s["acc_default"]


def _logistics(base: dict[str, Any], doc: dict[str, Any]) -> None:
    """Supply flows on or off (the scenario's `logistics` block); on, its two figures a
    planner argues about, with the doctrine's values for the rest."""
    on = st.checkbox("Model supply flows (logistics)", value=base.get("logistics") is not None,
                     key="logistics_on", help=tables.help_text(Scenario, ("logistics",)))
    if not on:
        doc["logistics"] = None
        return
    lg = fill_logistics({"logistics": dict(base.get("logistics") or {})})["logistics"]
    cols = st.columns(2)
    for col, key, step in ((cols[0], "supply_t_per_person_day", 0.01),
                           (cols[1], "cost_per_tonne_km", 0.1)):
        lg[key] = col.number_input(
            tables.label(Logistics, (key,)), min_value=0.0, value=float(lg[key]), step=step,
            key=f"logistics_{key}", help=tables.help_text(Logistics, (key,)))
    doc["logistics"] = lg


def _network_preview(doc: dict[str, Any]) -> None:
    """The zones and routes as edited (before solving), on lon/lat axes like the report's."""
    pos: dict[str, tuple[float, float]] = {}
    for kind in ("zones", "hubs"):
        for e in doc.get(kind) or []:
            loc = e.get("location") or {}
            if isinstance(loc.get("lon"), int | float) and isinstance(loc.get("lat"),
                                                                        int | float):
                pos[str(e.get("id"))] = (float(loc["lon"]), float(loc["lat"]))
    if not pos:
        return
    xs: list[float | None] = []
    ys: list[float | None] = []
    for r in doc.get("routes") or []:
        a, b = pos.get(str(r.get("from"))), pos.get(str(r.get("to")))
        if a and b:
            xs += [a[0], b[0], None]
            ys += [a[1], b[1], None]
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#888", "width": 1},
                               hoverinfo="skip", name="route"))
    for kind, symbol in (("zones", "circle"), ("hubs", "square")):
        ids = [i for i in _ids(doc, kind) if i in pos]
        fig.add_trace(go.Scatter(
            x=[pos[i][0] for i in ids], y=[pos[i][1] for i in ids], mode="markers+text",
            text=[esc(i) for i in ids], textposition="top center", name=kind,
            marker={"symbol": symbol, "size": 11}, hovertext=[esc(i) for i in ids],
            hoverinfo="text"))
    fig.update_yaxes(scaleanchor="x", title="latitude (°N)")
    fig.update_xaxes(title="longitude (°E)")
    fig.update_layout(height=380, margin={"l": 40, "r": 10, "t": 30, "b": 40},
                      title="Zones and routes as edited", template="plotly_white")
    st.plotly_chart(fig, key="zones_preview")


def _doctrine(doc: dict[str, Any]) -> None:
    st.caption("From models/doctrine.yaml and models/planning_options.yaml unless the "
               "scenario gives its own; shown for reference (edit them in the YAML file).")
    st.markdown("**Planning options**")
    st.dataframe(pd.DataFrame([{
        "id": o.get("id"), "name": o.get("name"), "mandates": ", ".join(o.get("mandates") or [])
        or "any", "max_armament": o.get("max_armament") or "any",
        "personnel": f"{o.get('personnel_min') or 0} – {o.get('personnel_max') or '∞'}",
        "description": o.get("description")} for o in doc.get("planning_options") or []]),
        hide_index=True, width="stretch")
    st.markdown("**Unit types**")
    st.dataframe(pd.DataFrame([{
        "id": u.get("id"), "name": u.get("name"), "personnel": u.get("personnel"),
        "armament": u.get("armament"), "capabilities": ", ".join(
            f"{k} {v:g}" for k, v in (u.get("capabilities") or {}).items())}
        for u in doc.get("unit_types") or []]), hide_index=True, width="stretch")
    st.markdown("**Mandates**")
    st.dataframe(pd.DataFrame([{
        "id": m.get("id"), "name": m.get("name"),
        "armament": f"{m.get('min_armament')} – {m.get('max_armament')}",
        "requirements": "; ".join(f"{k}: " + ", ".join(f"{kk} {vv:g}" for kk, vv in r.items()
                                                      if vv) for k, r in
                                  (m.get("requirements") or {}).items())}
        for m in doc.get("mandates") or []]), hide_index=True, width="stretch")


# --------------------------------------------------------------------------- rules

# (rule key, widget kind): the label and help are the schema's title and description
def widget_kind(key: str) -> str | None:
    """The widget a rules key gets, read from its type in the schema (None: not a single
    number or switch; those have editors of their own)."""
    info = Rules.model_fields[key]
    args = get_args(info.annotation) if get_origin(info.annotation) is not Annotated else ()
    args = args or (info.annotation,)
    base = {get_args(a)[0] if get_origin(a) is Annotated else a
            for a in args if a is not type(None)}
    optional = type(None) in args
    bounded = any(getattr(m, "le", None) == 1 for m in info.metadata) or any(
        getattr(m, "le", None) == 1 for a in args for m in getattr(a, "__metadata__", ()))
    if base == {bool}:
        return "bool"
    if base == {int}:
        return "opt_int" if optional else "int"
    if base == {float}:
        return "share" if bounded and not optional else "opt_float" if optional else "float"
    if float in base and any(get_origin(a) is dict for a in base):
        return "per_party"      # one number for every party (a map is shown as its largest)
    return None


# where the number rules sit (three columns); a rules key of a kind above that is not laid
# out here is shown after them, so a new rule is editable without touching the app
LAYOUT = ("max_share", "max_share_zone", "min_contributors", "min_contributors_zone",
          "min_contingent", "min_contingent_zone", "max_zones_per_contributor",
          "personnel_min", "personnel_max", "budget_per_month",
          "language_share", "lead_min_share", "lead_min_acceptability",
          "low_acceptability_threshold", "low_acceptability_max_share", "qrf_hours",
          "robust_budget")
SPECIAL = ("mandates", "max_armament", "exclude_groups", "working_language", "qrf_unit_types",
           "qrf_mandates", "soft_requirements", "acceptability_floor", "armament_floor",
           "zone_acceptability_floor", "group_caps")
SCALAR_RULES = [(k, widget_kind(k) or "") for k in LAYOUT]
OTHER_RULES = [(k, kind) for k in Rules.model_fields
               if k not in LAYOUT and k not in SPECIAL and (kind := widget_kind(k))]


def _to_widget(value: Any, kind: str) -> Any:
    if kind == "share":
        return min(max(float(value if value is not None else 1.0), 0.0), 1.0)
    if kind == "int":
        return max(int(value or 0), 0)
    if kind == "opt_int":
        return None if value is None else max(int(value), 0)
    if kind == "opt_float":
        return None if value is None else max(float(value), 0.0)
    if kind in ("float", "per_party"):
        if isinstance(value, dict):
            return max((float(v) for v in value.values()), default=0.0)
        return max(float(value or 0.0), 0.0)
    if kind == "choice":
        return "" if value is None else str(value)
    if kind in ("multi", "multi_all"):
        return [str(x) for x in value or []]
    return bool(value)


def _from_widget(value: Any, kind: str) -> Any:
    if kind == "choice":
        return value or None
    if kind == "multi_all":
        return list(value) or None          # nothing chosen = every mandate allowed
    if kind == "multi":
        return list(value)
    if kind in ("int", "opt_int"):
        return None if value is None else int(value)
    if kind in ("share", "opt_float", "float", "per_party"):
        return None if value is None else float(value)
    return bool(value)


def _on_rule(key: str, kind: str) -> None:
    state.set_override(key, _from_widget(state.ss()[f"rule_{key}"], kind))


def _rule_widget(key: str, kind: str, rules: dict[str, Any],
                 options: list[str] | None = None) -> None:
    wkey = f"rule_{key}"
    state.ss()[wkey] = _to_widget(rules.get(key), kind)    # the widget shows the effective rule
    changed = f"rules.{key}" in state.ss()["overrides"]
    label = _capital(tables.rule_label(key))
    label = f"{label} ✎" if changed else label
    common: dict[str, Any] = {"key": wkey, "on_change": _on_rule, "args": (key, kind),
                              "help": tables.rule_help(key)}
    if kind == "share":
        st.number_input(label, min_value=0.0, max_value=1.0, step=0.01, format="%.3f",
                        **common)
    elif kind == "int":
        st.number_input(label, min_value=0, step=1, **common)
    elif kind == "opt_int":     # a head count moves in hundreds, a count of zones by one
        st.number_input(label, min_value=0, step=100 if key.startswith("personnel") else 1,
                        value=None, placeholder="no limit", **common)
    elif kind == "opt_float":
        st.number_input(label, min_value=0.0, value=None, placeholder="no limit", **common)
    elif kind in ("float", "per_party"):
        st.number_input(label, min_value=0.0, step=0.5, **common)
    elif kind == "choice":
        opts = ["", *_choices(options or [], rules.get(key))]
        st.selectbox(label, opts, format_func=lambda x: x or "(none)", **common)
    elif kind in ("multi", "multi_all"):
        st.multiselect(label, _choices(options or [], rules.get(key)),
                       placeholder="all" if kind == "multi_all" else "none", **common)
    else:
        st.checkbox(label, **common)


def rules_editor(tab: Any, slots: dict[str, Any], doc: dict[str, Any]) -> None:
    s = state.ss()
    opt_id = state.option_id()
    opt = core.find_option(doc, opt_id)
    rules = state.effective_rules()
    base_rules = core.option_rules(doc, opt_id)
    with tab:
        slots["rules"] = st.container()
        st.markdown(f"**Rules in force for planning option {core.md(opt_id)}"
                    + (f" ({core.md(opt.get('name'))})" if opt.get("name") else "") + "**")
        st.caption("Values come from the scenario and the planning option chosen in the "
                   "sidebar. A value you change here (marked ✎) applies on top of every "
                   "planning option, like `--set rules.…` on the command line, and is written "
                   "into the downloaded YAML.")
        if s["overrides"]:
            with st.container(border=True, key="rule_changes"):
                st.markdown("**Your rule changes**")
                for path, value in list(s["overrides"].items()):
                    k = core.rule_key(path)
                    c1, c2 = st.columns([5, 1])
                    c1.markdown(f"**{core.md(k)}**: {core.md(_short(base_rules.get(k)))} → "
                                f"**{core.md(_short(value))}**")
                    c2.button("Reset", key=f"rule_reset_{k}", on_click=state.drop_override,
                              args=(k,))
                st.button("Reset all rule changes", key="rules_reset_all",
                          on_click=state.clear_overrides)
        levels = [str(x) for x in doc.get("armament_levels") or []]
        mandates = _ids(doc, "mandates")
        c1, c2, c3 = st.columns(3)
        with c1:
            _rule_widget("mandates", "multi_all", rules, mandates)
            _rule_widget("max_armament", "choice", rules, levels)
            for key, kind in SCALAR_RULES[:4]:
                _rule_widget(key, kind, rules)
        with c2:
            for key, kind in SCALAR_RULES[4:10]:
                _rule_widget(key, kind, rules)
            _rule_widget("exclude_groups", "multi", rules, _groups(doc))
        with c3:
            _rule_widget("working_language", "choice", rules, _languages(doc))
            for key, kind in SCALAR_RULES[10:]:
                _rule_widget(key, kind, rules)
            _rule_widget("qrf_unit_types", "multi", rules, _ids(doc, "unit_types"))
            _rule_widget("qrf_mandates", "multi", rules, mandates)
            _rule_widget("soft_requirements", "bool", rules)
            for key, kind in OTHER_RULES:
                _rule_widget(key, kind, rules)
        f1, f2 = st.columns(2)
        with f1:
            st.markdown("**Acceptability floors** (empty = none)")
            parties = _ids(doc, "parties")
            out = st.data_editor(state.frame("floors", lambda: tables.floors_frame(
                rules, parties)), key=state.editor_key("floors"), width="stretch",
                column_config={c: st.column_config.NumberColumn(
                    c, min_value=0.0, max_value=1.0, step=0.05, format="%.2f",
                    help=tables.rule_help(k))
                    for c, k in tables.FLOORS})
            for key, floors in tables.floors_from_frame(out).items():
                if floors != (rules.get(key) or {}):
                    state.set_override(key, floors)
        with f2:
            st.markdown(f"**{_capital(tables.rule_label('group_caps'))}** (empty = none)")
            out = st.data_editor(state.frame("group_caps", lambda: tables.group_caps_frame(
                rules, _groups(doc))), key=state.editor_key("group_caps"), width="stretch",
                column_config={"cap": st.column_config.NumberColumn(
                    "cap", min_value=0.0, max_value=1.0, step=0.05, format="%.2f",
                    help=tables.rule_help("group_caps"))})
            caps = tables.group_caps_from_frame(out)
            if caps != (rules.get("group_caps") or {}):
                state.set_override("group_caps", caps)


def _short(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(str(x) for x in value) or "none"
    return str(value)
