"""Numbers the model needs, computed once from a resolved scenario.

Requirements, eligibility (vetoes, exclusions, armament), acceptability matrices and
network figures are plain Python here, so the MILP builder only turns tables into
rows and the same tables can be printed, tested and explained on their own.
A phased scenario prepares one set of these tables per phase (engine/phased.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pkplanner.rules.audit import gamma_of
from pkplanner.scenario import network
from pkplanner.scenario.schema import Route, Rules, Scenario, Veto

POLICING = "policing"     # the capability local police officers provide, one each
REQ_KEYS = ("min", "base", "per_line_km", "per_1000_pop", "per_1000_returnees",
            "per_km2", "per_1000_mines")


@dataclass
class ModelData:
    zones: list[str]
    required: dict[str, bool]
    weight: dict[str, float]
    levels: list[str]
    level_rank: dict[str, int]
    mandates: list[str]
    units: list[str]
    pers: dict[str, int]
    unit_rank: dict[str, int]
    cap: dict[tuple[str, str], float]              # (unit, capability) -> value
    contributors: list[str]
    rate: dict[str, float]
    maxpers: dict[str, int]
    avail: dict[tuple[str, str], int]              # (contributor, unit) -> units offered
    langs: dict[str, set[str]]
    groups: dict[str, set[str]]
    parties: list[str]
    zone_levels: dict[str, list[str]]              # armament levels allowed per zone
    zone_mandates: dict[str, list[str]]            # mandates allowed per zone
    mandate_band: dict[str, tuple[int, int]]
    req: dict[tuple[str, str, str], float]         # (zone, mandate, capability) -> need
    counts: dict[tuple[str, str], frozenset[str]]  # (mandate, capability) -> the unit types
                                                   # that count toward it; restricted only
    eligible: list[tuple[str, str, str]]           # (contributor, unit, zone) that may deploy
    removed_by_veto: dict[str, list[tuple[str, str]]]  # rule label -> (contributor, zone)
    acc: dict[tuple[str, str], float]              # (party, contributor)
    acc_zone: dict[tuple[str, str, str], float]    # (party, contributor, zone) overrides
    armacc: dict[tuple[str, str], float]           # (party, level)
    acc_dev: dict[tuple[str, str], float]          # (party, contributor) -> spread, > 0 only
    armacc_dev: dict[tuple[str, str], float]       # (party, level) -> spread, > 0 only
    gamma: dict[str, float]                        # party -> robust budget, > 0 only
    lead_ok: dict[tuple[str, str], bool]           # (contributor, zone)
    reach: set[tuple[str, str]]                    # (from_zone, to_zone) within qrf_hours
    central: dict[str, float]
    # logistics (family 16), empty when the scenario has no `logistics` block
    supply: float = 0.0                            # tonnes per person per day; 0: off
    routes: dict[str, tuple[str, str, float, float]] = field(default_factory=dict)
    # route name -> (end, end, km, tonnes/day it carries; inf: no limit), open routes only
    hub_cap: dict[str, float] = field(default_factory=dict)  # hub -> tonnes/day it sends
    hubs: list[str] = field(default_factory=list)   # where supplies enter (Hub.entry)
    transit: list[str] = field(default_factory=list)  # hubs that only pass supplies on
    tkm_month: float = 0.0                         # cost of one tonne-km a day for a month
    rules: Rules = field(repr=False, default_factory=Rules)

    def acc_in_zone(self, party: str, c: str, z: str) -> float:
        return self.acc_zone.get((party, c, z), self.acc[party, c])

    def counts_toward(self, mandate: str, capability: str, unit: str) -> bool:
        """Does a unit of this type count toward the capability under the mandate
        (`Mandate.eligible`)? Every unit does unless the mandate says otherwise."""
        only = self.counts.get((mandate, capability))
        return only is None or unit in only


def requirement(rule: dict[str, float], zone: dict[str, float], mult: float) -> float:
    """req = thr(threat) * max(min, base + per_line_km*line_km + per_1000_pop*pop/1000 + ...).

    `min` is a floor, not a term: a zone with a short line still gets a sector-sized force,
    while a long line's density, measured on whole missions with their headquarters and
    support, is not topped up by a second headquarters."""
    return mult * max(rule.get("min", 0.0), (
        rule.get("base", 0.0)
        + rule.get("per_line_km", 0.0) * zone["line_km"]
        + rule.get("per_1000_pop", 0.0) * zone["population"] / 1000.0
        + rule.get("per_1000_returnees", 0.0) * zone["returnees"] / 1000.0
        + rule.get("per_km2", 0.0) * zone["area_km2"]
        + rule.get("per_1000_mines", 0.0) * zone["mines"] / 1000.0
    ))


def veto_label(v: Veto) -> str:
    """The rule label of a veto: 'veto AM->TUR', 'veto AZ->group csto in shusha,lachin'."""
    target = v.contributor or f"group {v.group}"
    where = f" in {','.join(v.zones)}" if v.zones else ""
    return f"veto {v.party}->{target}{where}"


def prepare(sc: Scenario, ignore: frozenset[str] = frozenset()) -> ModelData:
    """Tables for the model. `ignore` names rule labels (e.g. 'veto AM->TUR') to drop,
    which is how the explanation tests whether a rule takes part in a conflict."""
    r = sc.rules
    levels = list(sc.armament_levels)
    rank = {lv: i for i, lv in enumerate(levels)}
    top = rank[r.max_armament] if r.max_armament else len(levels) - 1
    units = {u.id: u for u in sc.unit_types}
    mandates = {m.id: m for m in sc.mandates}
    band = {k: (rank[m.min_armament], rank[m.max_armament]) for k, m in mandates.items()}
    allowed_by_rules = set(r.mandates) if r.mandates is not None else set(mandates)

    zone_levels: dict[str, list[str]] = {}
    zone_mandates: dict[str, list[str]] = {}
    req: dict[tuple[str, str, str], float] = {}
    for z in sc.zones:
        lo = rank[z.min_armament] if z.min_armament else 0
        hi = min(top, rank[z.max_armament] if z.max_armament else len(levels) - 1)
        zone_levels[z.id] = [lv for lv in levels if lo <= rank[lv] <= hi]
        allowed = set(z.allowed_mandates) if z.allowed_mandates is not None else set(mandates)
        zone_mandates[z.id] = [
            k for k in mandates
            if k in allowed and k in allowed_by_rules
            and max(lo, band[k][0]) <= min(hi, band[k][1])
        ]
        # a level no allowed mandate admits can never be chosen: drop it (exact)
        zone_levels[z.id] = [lv for lv in zone_levels[z.id] if any(
            band[k][0] <= rank[lv] <= band[k][1] for k in zone_mandates[z.id])]
        attrs = {"line_km": z.line_km, "population": z.population, "returnees": z.returnees,
                 "area_km2": z.area_km2, "mines": z.mines}
        mult = sc.threat_multipliers[z.threat]
        for k in zone_mandates[z.id]:
            for cap, rule in mandates[k].requirements.items():
                need = requirement(rule.model_dump(), attrs, mult)
                if cap == POLICING:
                    need -= z.local_police         # local police officers count toward it
                if need > 0:
                    req[z.id, k, cap] = need

    contributors = list(sc.contributors)
    # every veto and exclusion is a labelled rule, so the explanation can drop one at a time
    labels: dict[str, list[tuple[str, str]]] = {}
    zone_ids = [z.id for z in sc.zones]
    for g in r.exclude_groups:
        labels[f"exclude {g}"] = [(c.id, z) for c in contributors if g in c.groups
                                  for z in zone_ids]
    for v in sc.vetoes:
        labels[veto_label(v)] = [
            (c.id, z) for c in contributors
            if v.contributor == c.id or (v.group is not None and v.group in c.groups)
            for z in v.zones or zone_ids]
    removed = {label: pairs for label, pairs in labels.items() if pairs}
    vetoed = {pair for label, pairs in removed.items() if label not in ignore for pair in pairs}

    zone_top = {z: max((rank[lv] for lv in zone_levels[z]), default=-1) for z in zone_ids}
    # unit types in doctrine order, not in the order a file lists a contributor's units:
    # the same scenario always gives the same model (HiGHS's path depends on column order)
    eligible = [
        (c.id, u, z)
        for c in contributors
        for u in units
        if c.units.get(u, 0) > 0 and units[u].personnel <= c.max_personnel
        for z in zone_ids
        if (c.id, z) not in vetoed and rank[units[u].armament] <= zone_top[z]
        and zone_mandates[z]
    ]

    parties = [p.id for p in sc.parties]
    acc_cfg = sc.acceptability
    acc = {(p, c.id): acc_cfg.contributors.get(p, {}).get(c.id, acc_cfg.default)
           for p in parties for c in contributors}
    acc_zone = {(p, c, z): val for z, by_p in acc_cfg.zones.items()
                for p, row in by_p.items() for c, val in row.items()}
    armacc = {(p, lv): acc_cfg.armament.get(p, {}).get(lv, acc_cfg.default)
              for p in parties for lv in levels}

    acc_dev = {(p, c): s for p, row in acc_cfg.contributor_spread.items()
               for c, s in row.items() if s > 0 and p in parties}
    armacc_dev = {(p, lv): s for p, row in acc_cfg.armament_spread.items()
                  for lv, s in row.items() if s > 0 and p in parties and lv in levels}
    gamma = {p: gamma_of(r, p) for p in parties if gamma_of(r, p) > 0}

    def acc_in(p: str, c: str, z: str) -> float:
        return acc_zone.get((p, c, z), acc[p, c])

    lead_ok = {(c.id, z): all(acc_in(p, c.id, z) >= r.lead_min_acceptability for p in parties)
               for c in contributors for z in zone_ids}

    g = network.build_graph(sc)
    reach: set[tuple[str, str]] = set()
    if r.qrf_hours is not None:
        reach = network.reachable_pairs(network.travel_times(g), zone_ids, r.qrf_hours)
    cent = network.centrality(g)

    return ModelData(
        zones=zone_ids,
        required={z.id: z.required for z in sc.zones},
        weight={z.id: z.weight for z in sc.zones},
        levels=levels,
        level_rank=rank,
        mandates=list(mandates),
        units=list(units),
        pers={u: units[u].personnel for u in units},
        unit_rank={u: rank[units[u].armament] for u in units},
        cap={(u, k): float(v) for u in units for k, v in units[u].capabilities.items()},
        contributors=[c.id for c in contributors],
        rate={c.id: c.cost_per_person_month for c in contributors},
        maxpers={c.id: c.max_personnel for c in contributors},
        avail={(c.id, u): c.units[u] for c in contributors for u in units
               if c.units.get(u, 0) > 0},
        langs={c.id: set(c.languages) for c in contributors},
        groups={c.id: set(c.groups) for c in contributors},
        parties=parties,
        zone_levels=zone_levels,
        zone_mandates=zone_mandates,
        mandate_band=band,
        req=req,
        counts={(k, cap): frozenset(u for u in units if m.counts(cap, units[u]))
                for k, m in mandates.items() for cap in m.eligible},
        eligible=eligible,
        removed_by_veto=removed,
        acc=acc,
        acc_zone=acc_zone,
        armacc=armacc,
        acc_dev=acc_dev,
        armacc_dev=armacc_dev,
        gamma=gamma,
        lead_ok=lead_ok,
        reach=reach,
        central={z: cent.get(z, 0.0) for z in zone_ids},
        **logistics_data(sc),
        rules=r,
    )


DAYS_PER_MONTH = 365.0 / 12.0


def route_capacity(sc: Scenario, route: Route) -> float:
    """Tonnes a day a route carries (inf: no limit): its own figure, else its road class's
    less what its mine risk takes (family 16; the verifier restates it)."""
    lg = sc.logistics
    if lg is None:
        return math.inf
    if route.capacity_tpd is not None:
        return float(route.capacity_tpd)
    return (lg.road_capacity_tpd[route.road]
            * (1.0 - lg.mine_risk_capacity_factor * route.mine_risk))


def logistics_data(sc: Scenario) -> dict[str, Any]:
    """The network as the flow rows read it: open routes with their capacities, hubs with
    their throughput (capacity_personnel x supply per person)."""
    lg = sc.logistics
    if lg is None:
        return {}
    return {
        "supply": lg.supply_t_per_person_day,
        "routes": {rt.name: (rt.from_, rt.to, rt.km, route_capacity(sc, rt))
                   for rt in sc.routes if not rt.closed},
        "hub_cap": {h.id: h.capacity_personnel * lg.supply_t_per_person_day
                    for h in sc.hubs if h.capacity_personnel is not None and h.entry},
        "hubs": [h.id for h in sc.hubs if h.entry],
        "transit": [h.id for h in sc.hubs if not h.entry],
        "tkm_month": lg.cost_per_tonne_km * DAYS_PER_MONTH,
    }


def rounded_requirement(d: ModelData, z: str, k: str, capability: str) -> float:
    """Round a requirement up when every unit provides this capability in whole numbers:
    exact, and it tightens the LP relaxation."""
    need = d.req.get((z, k, capability), 0.0)
    values = [v for (u, cap), v in d.cap.items() if cap == capability and v > 0]
    if values and all(float(v).is_integer() for v in values):
        return float(math.ceil(need - 1e-9))
    return need


def logistics_limits(d: ModelData) -> tuple[str, ...]:
    """The logistics rows the explanation may drop one at a time: each route and hub with a
    limit ("route.<name>", "hub.<id>"), as model.add_logistics names them."""
    return tuple([f"route.{r}" for r, (_a, _b, _km, cap) in d.routes.items()
                  if math.isfinite(cap)] + [f"hub.{h}" for h in d.hubs if h in d.hub_cap])
