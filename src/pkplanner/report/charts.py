"""The report's plotly figures, built from the joined view (or, for the comparison, from
the solutions side by side).

Every scenario string that reaches a figure goes through `esc`: plotly renders a subset of
HTML in labels and hover texts, and the page template cannot escape inside a figure. The
zone network is a plain scatter on lon/lat axes over country borders read from an installed
file (basemap.py), not a geo trace, whose base map plotly would download: the page must work
offline.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
from plotly.colors import qualitative

from pkplanner.report import basemap
from pkplanner.report.fmt import esc
from pkplanner.report.view import View
from pkplanner.scenario.phases import DAYS_PER_MONTH
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


MAP_WIDTH = 800             # the map's plot area (px): what a report page (1,200 px) or
                            # the app gives it with the legend below; the height follows
# where a label may sit around its marker, in order of preference, and its box's corner
# offset: (dx, dy) in units of (marker radius, text width, text height)
LABEL_SPOTS = ("top center", "bottom center", "middle right", "middle left", "top right",
               "top left", "bottom right", "bottom left")


def _edge(pos: str, centre: str, c: float, r: float, size: float, diagonal: bool) -> float:
    """A label's lower edge along one axis: centred on the marker, after it or before it
    (a diagonal spot sits nearer, at 0.7 of the radius)."""
    gap = 0.7 * r if diagonal else r
    if pos == centre:
        return c - size / 2
    return c + gap if pos in ("right", "top") else c - gap - size


def _spot_box(spot: str, x: float, y: float, r: float, w: float, h: float
              ) -> tuple[float, float, float, float]:
    """The pixel box (x0, y0, x1, y1; y up) plotly gives a label at `spot` of a marker of
    radius r at (x, y)."""
    vert, horiz = spot.split()
    x0 = _edge(horiz, "center", x, r, w, vert != "middle")
    y0 = _edge(vert, "middle", y, r, h, horiz != "center")
    return x0, y0, x0 + w, y0 + h


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return (max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
            * max(0.0, min(a[3], b[3]) - max(a[1], b[1])))


def map_height(view: tuple[float, float, float, float], ratio: float) -> float:
    """The plot area's height (px) that shows `view` at MAP_WIDTH with true proportions,
    within 380..900."""
    return min(900.0, max(380.0, MAP_WIDTH * (view[3] - view[1]) * ratio
                          / max(view[2] - view[0], 1e-9)))


def label_spots(nodes: list[tuple[float, float, float, str]],
                view: tuple[float, float, float, float], ratio: float,
                width: float = MAP_WIDTH, height: float = 640.0) -> list[str]:
    """A label position per node (lon, lat, marker size px, text) that keeps labels off
    each other and off the markers at the map's default size: greedy, biggest marker first,
    each label at the first spot that overlaps nothing placed (else the least overlap)."""
    lon0, lat0, lon1, lat1 = view
    scale = min(width / max(lon1 - lon0, 1e-9), height / max((lat1 - lat0) * ratio, 1e-9))
    px = [((x - lon0) * scale, (y - lat0) * scale * ratio, size / 2, text)
          for x, y, size, text in nodes]
    taken: list[tuple[float, ...]] = [(x - r, y - r, x + r, y + r) for x, y, r, _t in px]
    spots = ["top center"] * len(px)
    for i in sorted(range(len(px)), key=lambda k: -px[k][2]):
        x, y, r, text = px[i]
        w, h = 7.0 * len(text) + 4, 15.0
        boxes = [(spot, _spot_box(spot, x, y, r + 2, w, h)) for spot in LABEL_SPOTS]
        spot, best = min(boxes, key=lambda sb: (sum(_overlap(sb[1], t) for t in taken),
                                                LABEL_SPOTS.index(sb[0])))
        spots[i] = spot
        taken.append(best)
    return spots


def map_view(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """The map's extent: the nodes with a margin (a fifth of the span, at least 0.15°)."""
    xs, ys = [p[0] for p in points] or [0.0], [p[1] for p in points] or [0.0]
    mx = max(0.15, 0.2 * (max(xs) - min(xs)))
    my = max(0.15, 0.2 * (max(ys) - min(ys)))
    return (round(min(xs) - mx, 3), round(min(ys) - my, 3), round(max(xs) + mx, 3),
            round(max(ys) + my, 3))


def _borders(fig: Any, view: tuple[float, float, float, float],
             nodes: list[tuple[float, float]], ratio: float) -> None:
    """Country borders (Natural Earth, report/basemap.py) and country names, under the
    network."""
    found = basemap.countries(view)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for c in found:
        for run in c.lines:
            xs += [p[0] for p in run] + [None]
            ys += [p[1] for p in run] + [None]
    if xs:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip",
                                 line={"color": "#a8a29e", "width": 1},
                                 name="border (Natural Earth)", legendgroup="map"))
    spots = [(c, country_label(c, nodes, ratio)) for c in found]
    named = [(c, xy) for c, xy in spots if xy is not None]
    if named:
        fig.add_trace(go.Scatter(
            x=[xy[0] for _c, xy in named], y=[xy[1] for _c, xy in named],
            mode="text", text=[esc(c.name.upper()) for c, _xy in named], hoverinfo="skip",
            textfont={"color": "#c4bdb6", "size": 14}, showlegend=False, name="country"))


def country_label(c: basemap.Country, nodes: list[tuple[float, float]], ratio: float
                  ) -> tuple[float, float] | None:
    """Where a country's name goes: the point inside it, in view, farthest from every node
    (names stay clear of the network)."""
    if not c.inside:
        return None
    return max(c.inside, key=lambda p: min(
        [math.hypot(p[0] - x, (p[1] - y) * ratio) for x, y in nodes] + [9.0]))


def chart_network(v: View) -> Any:
    sc = v.sc
    pos = {z.id: (z.location.lon, z.location.lat) for z in sc.zones}
    pos.update({h.id: (h.location.lon, h.location.lat) for h in sc.hubs})
    view = map_view(list(pos.values()))
    lat0 = (view[1] + view[3]) / 2
    ratio = 1 / max(math.cos(math.radians(lat0)), 0.1)
    fig = go.Figure()
    _borders(fig, view, list(pos.values()), ratio)
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
    # the labelled markers, sized first so that the labels can be placed around them
    idle = [z for z in v.zones if not z.get("deployed") and z["zone"] in v.zone]
    idle_zones = [v.zone[z["zone"]] for z in idle] if v.zones else list(sc.zones)
    pmax = max([int(z["personnel"]) for z in v.deployed] + [1])
    deployed = [z for z in v.deployed if z["zone"] in v.zone]
    size = {z["zone"]: 10 + 26 * math.sqrt(int(z["personnel"]) / pmax) for z in deployed}
    nodes = ([(h.location.lon, h.location.lat, 12.0, h.id) for h in sc.hubs]
             + [(z.location.lon, z.location.lat, 10.0, z.id) for z in idle_zones]
             + [(*pos[z["zone"]], size[z["zone"]], str(z["zone"])) for z in deployed])
    plot_h = map_height(view, ratio)
    spots = dict(zip([n[3] for n in nodes], label_spots(nodes, view, ratio, height=plot_h),
                     strict=True))
    if sc.hubs:
        fig.add_trace(go.Scatter(
            x=[h.location.lon for h in sc.hubs], y=[h.location.lat for h in sc.hubs],
            mode="markers+text", text=[esc(h.id) for h in sc.hubs],
            textposition=[spots[h.id] for h in sc.hubs],
            marker={"symbol": "square", "size": 12, "color": "#333333"}, name="hub",
            hovertext=[f"hub {esc(h.name or h.id)}<br>capacity "
                       + (f"{h.capacity_personnel:,}" if h.capacity_personnel is not None
                          else "unlimited") for h in sc.hubs], hoverinfo="text"))
    if idle_zones:
        fig.add_trace(go.Scatter(
            x=[z.location.lon for z in idle_zones], y=[z.location.lat for z in idle_zones],
            mode="markers+text", text=[esc(z.id) for z in idle_zones],
            textposition=[spots[z.id] for z in idle_zones],
            marker={"symbol": "circle-open", "size": 10, "color": "#999999"},
            name="zone, not deployed" if v.zones else "zone",
            hovertext=[f"{esc(z.name or z.id)}<br>not deployed" for z in idle_zones],
            hoverinfo="text"))
    for i, lv in enumerate(v.levels):
        zs2 = [z for z in deployed if z["armament"] == lv]
        if not zs2:
            continue
        fig.add_trace(go.Scatter(
            x=[v.zone[z["zone"]].location.lon for z in zs2],
            y=[v.zone[z["zone"]].location.lat for z in zs2],
            mode="markers+text", text=[esc(z["zone"]) for z in zs2],
            textposition=[spots[z["zone"]] for z in zs2],
            marker={"size": [size[z["zone"]] for z in zs2],
                    "color": LEVEL_COLOURS.get(lv, PALETTE[i % len(PALETTE)]), "opacity": 0.8,
                    "line": {"width": 1, "color": "#333333"}},
            name=f"deployed, {esc(lv)}",
            hovertext=[f"<b>{esc(v.zname(z['zone']))}</b><br>mandate: "
                       f"{esc(v.mname(z['mandate']))}<br>armament: {esc(lv)}<br>personnel: "
                       f"{int(z['personnel']):,}<br>lead: "
                       f"{esc(v.cname(z['lead'])) if z.get('lead') else 'none'}"
                       for z in zs2], hoverinfo="text"))
    # equal distances on both axes: a degree of longitude is cos(lat) of a degree of latitude
    fig.update_xaxes(title="longitude (°E)", showgrid=False, zeroline=False, constrain="domain",
                     range=[view[0], view[2]])
    fig.update_yaxes(title="latitude (°N)", showgrid=False, zeroline=False, scaleanchor="x",
                     scaleratio=ratio, constrain="domain", range=[view[1], view[3]])
    fig = layout(fig, "Zone network", height=round(plot_h + 200))
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": -60 / plot_h,
                              "yanchor": "top"},
                      margin={"l": 60, "r": 20, "t": 60, "b": 140})
    fig.add_annotation(text=f"Borders: {basemap.DATASET}", showarrow=False, xref="paper",
                       yref="paper", x=1, y=1, xanchor="right", yanchor="bottom",
                       font={"size": 10, "color": "#888888"})
    return fig


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


def chart_timeline(v: View, phases: list[dict[str, Any]], by: str = "zone") -> Any:
    """Personnel by phase of a phased plan, stacked by zone (or contributor): one bar per
    phase on a day axis, as wide as the phase, so the bars read as a timeline; the final
    ceiling, when the transition sets one, over the last phase."""
    spans = []
    for ph in phases:
        start = float(ph.get("start_day", 0.0))
        days = float(ph.get("months", 0.0)) * DAYS_PER_MONTH
        spans.append((start, days))
    names: Callable[[str], str]
    if by == "contributor":
        per = [{str(c["contributor"]): int(c["personnel"]) for c in ph.get("contributors")
                or []} for ph in phases]
        names = v.cname
    else:
        per = [{str(z["zone"]): int(z["personnel"]) for z in ph.get("zones") or []
                if z.get("deployed")} for ph in phases]
        names = v.zname
    keys: list[str] = []
    for p in per:
        keys += [k for k, n in p.items() if n > 0 and k not in keys]
    colours = PALETTE if len(keys) <= len(PALETTE) else tuple(qualitative.Alphabet)
    fig = go.Figure()
    mids = [start + days / 2 for start, days in spans]
    widths = [days * 0.97 for _start, days in spans]
    for i, k in enumerate(keys):
        ys = [p.get(k, 0) for p in per]
        fig.add_trace(go.Bar(
            x=mids, y=ys, width=widths, name=esc(k), marker_color=colours[i % len(colours)],
            hovertext=[f"{esc(ph.get('id', ''))}: day {start:,.0f} to {start + days:,.0f}"
                       f"<br>{esc(names(k))}: {y:,} personnel"
                       for ph, (start, days), y in zip(phases, spans, ys, strict=True)],
            hoverinfo="text"))
    ceiling = ((v.sol.get("transition") or {}).get("rules") or {}).get("final_ceiling")
    if ceiling is not None and spans:
        start, days = spans[-1]
        fig.add_trace(go.Scatter(x=[start, start + days], y=[ceiling, ceiling], mode="lines",
                                 line={"color": "#e45756", "dash": "dash", "width": 2},
                                 name=f"final ceiling {int(ceiling):,}", hoverinfo="name"))
    totals = [sum(p.values()) for p in per]
    fig.add_trace(go.Scatter(x=mids, y=totals, mode="text", showlegend=False,
                             text=[f"{t:,}" for t in totals], textposition="top center",
                             hoverinfo="skip", name="total"))
    fig.update_layout(barmode="stack", legend_title_text=by, bargap=0)
    fig.update_xaxes(title="phase (days from the start of the deployment)",
                     tickvals=mids,
                     ticktext=[f"{esc(ph.get('id', ''))}<br>day {start:,.0f}"
                               for ph, (start, _d) in zip(phases, spans, strict=True)],
                     range=[0, max([s + d for s, d in spans] + [1.0])])
    fig.update_yaxes(title="personnel", rangemode="tozero",
                     range=[0, max([*totals, ceiling or 0, 1]) * 1.15])
    return layout(fig, f"Personnel by phase and {by}")
