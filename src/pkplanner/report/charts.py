"""The report's plotly figures, built from the joined view (or, for the comparison, from
the solutions side by side).

Every scenario string that reaches a figure goes through `esc`: plotly renders a subset of
HTML in labels and hover texts, and the page template cannot escape inside a figure. The
zone network is a plain scatter on lon/lat axes, not a geo trace, whose base map plotly
would download: the page must work offline.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from pkplanner.report.fmt import esc
from pkplanner.report.view import View
from pkplanner.solution import metrics

PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6",
           "#9d755d", "#bab0ac", "#eeca3b")
LEVEL_COLOURS = {"civilian": "#72b7b2", "observer": "#4c78a8", "light": "#f58518",
                 "armed": "#e45756"}

Row = tuple[str, str, dict[str, Any]]     # one planning option: id, name, solution document


def profile(sol: dict[str, Any]) -> dict[str, int]:
    """Personnel per armament level; empty for a solution without a plan."""
    return metrics.armament_profile(sol) or {}


def layout(fig: Any, title: str, height: int = 420) -> Any:
    fig.update_layout(title={"text": title, "x": 0.01}, height=height, template="plotly_white",
                      margin={"l": 60, "r": 20, "t": 60, "b": 60},
                      font={"family": "sans-serif", "size": 12})
    return fig


def chart_shares(v: View) -> Any:
    cs = v.contributors
    fig = go.Figure(go.Bar(
        x=[esc(c["contributor"]) for c in cs], y=[c["share"] for c in cs],
        marker_color=PALETTE[0],
        hovertext=[f"{esc(v.cname(c['contributor']))}<br>{c['personnel']:,} personnel<br>"
                   f"{c['share']:.1%} of the force" for c in cs], hoverinfo="text",
        name="share"))
    cap = v.sc.rules.max_share
    if cap < 1:
        fig.add_hline(y=cap, line_dash="dash", line_color="#e45756",
                      annotation_text=f"max_share {cap:.0%}", annotation_position="top right")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title="share of the force",
                     range=[0, max([cap if cap < 1 else 0.0] + [c["share"] for c in cs]) * 1.12
                            or 1])
    fig.update_xaxes(title="contributor")
    return layout(fig, "Contributor shares")


def chart_personnel_by_zone(v: View) -> Any:
    fig = go.Figure()
    zs = v.deployed
    x = [esc(z["zone"]) for z in zs]
    for i, lv in enumerate(v.levels):
        ys = [int(z["personnel"]) if z["armament"] == lv else 0 for z in zs]
        if not any(ys):
            continue
        fig.add_trace(go.Bar(
            x=x, y=ys, name=esc(lv),
            marker_color=LEVEL_COLOURS.get(lv, PALETTE[i % len(PALETTE)]),
            hovertext=[f"{esc(v.zname(z['zone']))}<br>{esc(v.mname(z['mandate']))}, {esc(lv)}"
                       f"<br>{int(z['personnel']):,} personnel" for z in zs],
            hoverinfo="text"))
    fig.update_layout(barmode="stack", legend_title_text="armament")
    fig.update_yaxes(title="personnel")
    fig.update_xaxes(title="zone")
    return layout(fig, "Personnel by zone and armament level")


def chart_network(v: View) -> Any:
    sc = v.sc
    pos = {z.id: (z.location.lon, z.location.lat) for z in sc.zones}
    pos.update({h.id: (h.location.lon, h.location.lat) for h in sc.hubs})
    fig = go.Figure()
    for closed in (False, True):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for rt in sc.routes:
            if rt.closed != closed or rt.from_ not in pos or rt.to not in pos:
                continue
            (x0, y0), (x1, y1) = pos[rt.from_], pos[rt.to]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        if xs:
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", hoverinfo="skip",
                line={"color": "#bbbbbb" if closed else "#888888", "width": 1.5,
                      "dash": "dash" if closed else "solid"},
                name="closed route" if closed else "route"))
    flows = {str(f["route"]): f for f in v.sol.get("flows") or []}
    tmax = max([float(f["tonnes_per_day"]) for f in flows.values()] + [1e-9])
    for i, f in enumerate(flows.values()):
        if f["from"] not in pos or f["to"] not in pos:
            continue
        (x0, y0), (x1, y1) = pos[f["from"]], pos[f["to"]]
        fig.add_trace(go.Scatter(
            x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip", opacity=0.6,
            line={"color": "#d97706", "width": 2 + 10 * float(f["tonnes_per_day"]) / tmax},
            name="supply flow (width: t/day)", legendgroup="flows", showlegend=i == 0))
    mids = [rt for rt in sc.routes if rt.from_ in pos and rt.to in pos]
    if mids:
        speeds = sc.network.road_speeds_kmh
        fig.add_trace(go.Scatter(
            x=[(pos[rt.from_][0] + pos[rt.to][0]) / 2 for rt in mids],
            y=[(pos[rt.from_][1] + pos[rt.to][1]) / 2 for rt in mids],
            mode="markers", marker={"size": 6, "color": "rgba(0,0,0,0)"}, showlegend=False,
            hovertext=[f"{esc(rt.from_)} – {esc(rt.to)}: {rt.km:g} km, {esc(rt.road)}, "
                       f"mine risk {rt.mine_risk:.2f}"
                       + (f", {v.route_hours(rt):.1f} h" if rt.road in speeds else "")
                       + (" (closed)" if rt.closed else "")
                       + (f"<br>supplies {esc(flows[rt.name]['from'])} → "
                          f"{esc(flows[rt.name]['to'])}: "
                          f"{float(flows[rt.name]['tonnes_per_day']):,.1f} t/day"
                          if rt.name in flows else "") for rt in mids],
            hoverinfo="text", name="route"))
    if sc.hubs:
        fig.add_trace(go.Scatter(
            x=[h.location.lon for h in sc.hubs], y=[h.location.lat for h in sc.hubs],
            mode="markers+text", text=[esc(h.id) for h in sc.hubs], textposition="bottom right",
            marker={"symbol": "square", "size": 12, "color": "#333333"}, name="hub",
            hovertext=[f"hub {esc(h.name or h.id)}<br>capacity "
                       + (f"{h.capacity_personnel:,}" if h.capacity_personnel is not None
                          else "unlimited") for h in sc.hubs], hoverinfo="text"))
    idle = [z for z in v.zones if not z.get("deployed") and z["zone"] in v.zone]
    if idle or not v.zones:
        zs = [v.zone[z["zone"]] for z in idle] if v.zones else list(sc.zones)
        fig.add_trace(go.Scatter(
            x=[z.location.lon for z in zs], y=[z.location.lat for z in zs],
            mode="markers+text", text=[esc(z.id) for z in zs], textposition="top center",
            marker={"symbol": "circle-open", "size": 10, "color": "#999999"},
            name="zone, not deployed" if v.zones else "zone",
            hovertext=[f"{esc(z.name or z.id)}<br>not deployed" for z in zs],
            hoverinfo="text"))
    pmax = max([int(z["personnel"]) for z in v.deployed] + [1])
    for i, lv in enumerate(v.levels):
        zs2 = [z for z in v.deployed if z["armament"] == lv and z["zone"] in v.zone]
        if not zs2:
            continue
        fig.add_trace(go.Scatter(
            x=[v.zone[z["zone"]].location.lon for z in zs2],
            y=[v.zone[z["zone"]].location.lat for z in zs2],
            mode="markers+text", text=[esc(z["zone"]) for z in zs2], textposition="top center",
            marker={"size": [10 + 26 * math.sqrt(int(z["personnel"]) / pmax) for z in zs2],
                    "color": LEVEL_COLOURS.get(lv, PALETTE[i % len(PALETTE)]), "opacity": 0.8,
                    "line": {"width": 1, "color": "#333333"}},
            name=f"deployed, {esc(lv)}",
            hovertext=[f"<b>{esc(v.zname(z['zone']))}</b><br>mandate: "
                       f"{esc(v.mname(z['mandate']))}<br>armament: {esc(lv)}<br>personnel: "
                       f"{int(z['personnel']):,}<br>lead: "
                       f"{esc(v.cname(z['lead'])) if z.get('lead') else 'none'}"
                       for z in zs2], hoverinfo="text"))
    lats = [p[1] for p in pos.values()] or [0.0]
    lat0 = (min(lats) + max(lats)) / 2
    # equal distances on both axes: a degree of longitude is cos(lat) of a degree of latitude
    fig.update_xaxes(title="longitude (°E)", showgrid=True, zeroline=False, constrain="domain")
    fig.update_yaxes(title="latitude (°N)", showgrid=True, zeroline=False, scaleanchor="x",
                     scaleratio=1 / max(math.cos(math.radians(lat0)), 0.1), constrain="domain")
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1})
    return layout(fig, "Zone network", height=640)


def chart_acceptability(v: View) -> Any:
    sol = v.sol
    r = v.sc.rules
    parties = [p.id for p in v.sc.parties]
    x = [esc(p) for p in parties]
    fig = go.Figure()
    for i, (key, label) in enumerate((("acceptability", "composition"),
                                      ("armament_acceptability", "armament"))):
        fig.add_trace(go.Bar(x=x, y=[sol.get(key, {}).get(p, 0.0) for p in parties],
                             name=label, marker_color=PALETTE[i], offsetgroup=str(i)))
    for i, (floors, label) in enumerate(((r.acceptability_floor, "composition floor"),
                                         (r.armament_floor, "armament floor"))):
        ps = [p for p in parties if p in floors]
        if ps:
            fig.add_trace(go.Scatter(
                x=[esc(p) for p in ps], y=[floors[p] for p in ps], mode="markers",
                marker={"symbol": "line-ew-open", "size": 34, "color": "#222222",
                        "line": {"width": 3}}, name=label, offsetgroup=str(i),
                hovertext=[f"{label} {floors[p]:.3f}" for p in ps], hoverinfo="text"))
    fig.update_layout(barmode="group", scattermode="group")
    fig.update_yaxes(range=[0, 1], title="acceptability (0..1)")
    fig.update_xaxes(title="party")
    return layout(fig, "Acceptability to each party")


def chart_comparison_acceptability(rows: list[Row], parties: list[str]) -> Any:
    x = [esc(f"{oid}: {name}" if name else oid) for oid, name, _ in rows]
    fig = go.Figure()
    i = 0
    for p in parties:
        for key, label in (("acceptability", "composition"),
                           ("armament_acceptability", "armament")):
            fig.add_trace(go.Bar(x=x, y=[(sol.get(key) or {}).get(p, 0.0) for _, _, sol in rows],
                                 name=esc(f"{p} {label}"),
                                 marker_color=PALETTE[i % len(PALETTE)]))
            i += 1
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 1], title="acceptability (0..1)")
    return layout(fig, "Acceptability to each party, by option")


def chart_comparison_profile(rows: list[Row], levels: list[str]) -> Any:
    x = [esc(f"{oid}: {name}" if name else oid) for oid, name, _ in rows]
    fig = go.Figure()
    for i, lv in enumerate(levels):
        fig.add_trace(go.Bar(x=x, y=[profile(sol).get(lv, 0) for _, _, sol in rows],
                             name=esc(lv),
                             marker_color=LEVEL_COLOURS.get(lv, PALETTE[i % len(PALETTE)])))
    fig.update_layout(barmode="stack", legend_title_text="armament")
    fig.update_yaxes(title="personnel")
    return layout(fig, "Personnel by armament level, by option")
