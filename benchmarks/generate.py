"""Seeded generator of synthetic pkplanner scenarios for the benchmark.

`generate(zones, contributors, seed)` returns a scenario document in the format of
contracts.md §1 (schema_version 1). It leaves out `unit_types`, `mandates`,
`armament_levels`, `threat_multipliers` and `network`, so the loader fills them from
models/doctrine.yaml, exactly as for a user's file. What it draws:

- zones at random points of the Karabakh box (lat 39-40.5, lon 45.5-47.5), each of one
  kind (contact-line segment, populated area, returnee district, corridor) that fixes the
  sensible ranges of line_km, population, returnees, threat and mines, and the mandates
  the zone allows;
- hubs (one per six zones, at least two) and a connected road network: a minimum
  spanning tree over zones and hubs plus each node's two nearest neighbours;
- contributors drawn from the size classes, income tiers and group memberships of the
  real pool (scenarios/base/osce_pool.yaml): micro states with a couple of civilian
  teams up to large forces with every unit type; every cost differs;
- acceptability for the two parties AZ and AM (default 0.5, party-leaning profiles,
  the pool's armament block, a few zone overrides), two vetoes (AM vetoes the most
  AZ-favoured large contributor in part of the zones; AZ vetoes group csto in part of
  the zones), and the rules of the instance in shared/design/performance.md:
  min_contingent 30, max_share 0.34, max_share_zone 0.6, at least three contributors,
  acceptability floors 0.5 for both parties.

A single inline planning option `bench` applies no rule of its own, so the scenario's
rules are the effective ones (the default options A-D would override them).

Same arguments and seed give the same document and the same YAML bytes (`dump`). Floats
are rounded when drawn so the text does not depend on float formatting details.

Command line: `python benchmarks/generate.py ZONES CONTRIBUTORS [--seed S] [--out FILE]`.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
from pathlib import Path
from typing import Any

import yaml

LAT = (39.0, 40.5)
LON = (45.5, 47.5)
PARTIES = ("AZ", "AM")

# Unit types of models/doctrine.yaml with their personnel (for max_personnel only; the
# loader takes the real definitions from the doctrine).
UNIT_PERSONNEL = {
    "civ_monitor_team": 6, "observer_team": 4, "infantry_company": 150,
    "mechanised_company": 130, "formed_police_unit": 140, "eod_platoon": 30,
    "aviation_unit": 100, "logistics_company": 120, "medical_unit": 40,
    "force_protection_platoon": 36,
}

# Size classes of the real pool (56 contributors): how many of each, and the range of
# units per type (lo, hi). Counted from scenarios/base/osce_pool.yaml.
SIZE_CLASSES: list[tuple[str, int, dict[str, tuple[int, int]]]] = [
    ("micro", 6, {"civ_monitor_team": (1, 4)}),
    ("small", 4, {"civ_monitor_team": (1, 1), "observer_team": (2, 2)}),
    ("small_mid", 15, {"civ_monitor_team": (1, 1), "observer_team": (3, 7),
                       "force_protection_platoon": (1, 2), "eod_platoon": (1, 1)}),
    ("mid", 17, {"civ_monitor_team": (1, 3), "observer_team": (8, 10),
                 "force_protection_platoon": (2, 4), "infantry_company": (0, 1),
                 "formed_police_unit": (0, 1), "eod_platoon": (1, 1),
                 "medical_unit": (0, 1)}),
    ("large", 2, {"civ_monitor_team": (4, 5), "observer_team": (10, 10),
                  "force_protection_platoon": (4, 4), "infantry_company": (2, 2),
                  "mechanised_company": (1, 1), "formed_police_unit": (0, 1),
                  "eod_platoon": (2, 2), "logistics_company": (1, 1), "medical_unit": (1, 1)}),
    ("major", 8, {"civ_monitor_team": (6, 6), "observer_team": (10, 10),
                  "force_protection_platoon": (4, 4), "infantry_company": (4, 8),
                  "mechanised_company": (2, 3), "formed_police_unit": (0, 3),
                  "eod_platoon": (3, 3), "aviation_unit": (1, 2), "logistics_company": (1, 2),
                  "medical_unit": (2, 2)}),
    ("giant", 4, {"civ_monitor_team": (6, 6), "observer_team": (10, 10),
                  "force_protection_platoon": (4, 4), "infantry_company": (8, 8),
                  "mechanised_company": (4, 4), "formed_police_unit": (0, 3),
                  "eod_platoon": (3, 3), "aviation_unit": (2, 2), "logistics_company": (2, 2),
                  "medical_unit": (2, 2)}),
]

# The hard class (issue 14, shared/design/performance.md): many contributors offering only
# small teams (observer teams of 4, civilian teams of 6), each owning enough of them to reach
# the minimum contingent of 30 only by padding (8 observer teams or 5 civilian teams). The LP
# relaxation uses slivers of them; the MILP must pay for the padding, which opens a root gap
# of about a quarter. The counts are an assumption shaped like the real pool's small and
# mid-sized contributors with their big units taken away. The pool is also stretched thin:
# every contributor holds 0.4 of the units it would draw (rounded up), so the plan needs
# many of the small-team contributors and the units-first start (which places the big
# units first) finds nothing: measured in benchmarks/results.md.
HARD_SIZE_CLASSES: list[tuple[str, int, dict[str, tuple[int, int]]]] = [
    ("teams", 22, {"civ_monitor_team": (2, 6), "observer_team": (15, 25)}),
    ("monitors", 6, {"civ_monitor_team": (10, 16)}),
    *[c for c in SIZE_CLASSES if c[0] in ("small_mid", "mid", "large", "major", "giant")],
]
# profile: (size classes, default capacity_scale)
PROFILES = {"base": (SIZE_CLASSES, 1.0), "hard": (HARD_SIZE_CLASSES, 0.4)}

# Income tiers: UN reimbursement rate 1,428 x national factor, and their share of the pool.
COST_TIERS = [(8568.0, 0.60), (3570.0, 0.30), (2142.0, 0.08), (1642.0, 0.02)]

# Acceptability profiles: (probability, AZ range, AM range); None = the default 0.5.
ACC_PROFILES: list[tuple[float, tuple[float, float] | None, tuple[float, float] | None]] = [
    (0.55, None, None),                 # not listed: default 0.5 for both
    (0.15, (0.55, 0.70), (0.40, 0.50)),  # leans to AZ (Turkic states, GUAM partners)
    (0.15, (0.30, 0.45), (0.55, 0.75)),  # leans to AM
    (0.15, (0.55, 0.65), (0.55, 0.65)),  # neutral state with a peacekeeping tradition
]

ARMAMENT_ACCEPTABILITY = {
    "AZ": {"civilian": 1.0, "observer": 0.8, "light": 0.5, "armed": 0.2},
    "AM": {"civilian": 0.1, "observer": 0.3, "light": 0.6, "armed": 1.0},
}

NATIONAL_LANGUAGES = ["de", "fr", "it", "es", "pl", "ro", "nl", "cs", "hu", "sv", "fi", "el",
                      "bg", "pt", "sk", "sl", "hr", "sr", "lt", "lv", "et", "uk", "kk", "uz",
                      "ky", "tg", "tk", "be", "ka", "tr", "fa", "mn", "no", "da", "is", "ga"]

ROADS = [("primary", 0.4), ("secondary", 0.4), ("track", 0.15), ("motorway", 0.05)]


def _pick(rng: random.Random, weighted: list[tuple[Any, float]]) -> Any:
    r = rng.random() * sum(w for _, w in weighted)
    for item, w in weighted:
        r -= w
        if r <= 0:
            return item
    return weighted[-1][0]


def _km(a: dict[str, float], b: dict[str, float]) -> float:
    """Great-circle distance in km between two {lat, lon} points."""
    la1, lo1, la2, lo2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _location(rng: random.Random) -> dict[str, float]:
    return {"lat": round(rng.uniform(*LAT), 3), "lon": round(rng.uniform(*LON), 3)}


# ----------------------------------------------------------------------------- zones


def _zone(rng: random.Random, i: int) -> dict[str, Any]:
    kind = _pick(rng, [("line", 0.35), ("populated", 0.3), ("returnee", 0.25),
                       ("corridor", 0.1)])
    z: dict[str, Any] = {"id": f"z{i:03d}", "name": f"Zone {i} ({kind})",
                         "location": _location(rng)}
    min_arm = None
    max_arm = None
    if kind == "line":
        line = rng.randint(15, 90)
        z.update(population=0, returnees=0, line_km=line, area_km2=line * 5,
                 threat=rng.randint(3, 4), mines=rng.randrange(2000, 15001, 500))
        allowed = ["monitoring", "observation_liaison", "interposition", "multidimensional"]
    elif kind == "populated":
        z.update(population=rng.randrange(5000, 90001, 1000),
                 returnees=rng.randrange(0, 20001, 1000), line_km=0,
                 area_km2=rng.randrange(300, 1501, 50), threat=rng.randint(1, 3),
                 mines=rng.randrange(0, 9001, 500))
        allowed = ["monitoring", "observation_liaison", "returnee_protection",
                   "multidimensional"]
    elif kind == "returnee":
        z.update(population=rng.randrange(0, 5001, 500),
                 returnees=rng.randrange(5000, 30001, 1000), line_km=0,
                 area_km2=rng.randrange(400, 1501, 50), threat=rng.randint(2, 4),
                 mines=rng.randrange(5000, 40001, 1000))
        allowed = ["returnee_protection", "multidimensional"]
    else:
        line = rng.randint(20, 50)
        z.update(population=0, returnees=0, line_km=line, area_km2=line * 5,
                 threat=rng.randint(3, 4), mines=rng.randrange(1000, 5001, 500))
        allowed = ["observation_liaison", "interposition", "multidimensional"]
        min_arm = "observer"
    # one zone in ten is politically sensitive: nothing above lightly armed
    if kind != "corridor" and rng.random() < 0.1:
        max_arm = "light"
        allowed = [k for k in allowed if k != "interposition"]
    if z["threat"] >= 4 and kind != "returnee" and rng.random() < 0.5:
        min_arm = "light"
        allowed = [k for k in allowed if k not in ("monitoring", "observation_liaison")]
    z.update(weight=round(rng.choice([1.0, 1.0, 1.5, 2.0]), 1), required=True,
             allowed_mandates=allowed, min_armament=min_arm, max_armament=max_arm)
    return z


# ----------------------------------------------------------------------------- network


def _network(rng: random.Random, zones: list[dict[str, Any]], n_hubs: int
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    hubs = [{"id": f"h{i:02d}", "name": f"Hub {i}", "location": _location(rng),
             "capacity_personnel": rng.randrange(5000, 20001, 5000)} for i in range(1, n_hubs + 1)]
    nodes = [(z["id"], z["location"]) for z in zones] + [(h["id"], h["location"]) for h in hubs]
    n = len(nodes)
    dist = [[_km(nodes[i][1], nodes[j][1]) for j in range(n)] for i in range(n)]
    edges: set[tuple[int, int]] = set()
    # Prim's minimum spanning tree: connected by construction
    seen = [False] * n
    heap: list[tuple[float, int, int]] = [(0.0, 0, 0)]
    while heap:
        _d, i, j = heapq.heappop(heap)
        if seen[j]:
            continue
        seen[j] = True
        if i != j:
            edges.add((min(i, j), max(i, j)))
        for k in range(n):
            if not seen[k]:
                heapq.heappush(heap, (dist[j][k], j, k))
    for i in range(n):       # plus the two nearest neighbours: alternative routes
        near = sorted((dist[i][k], k) for k in range(n) if k != i)[:2]
        for _d, k in near:
            edges.add((min(i, k), max(i, k)))
    routes = []
    for i, j in sorted(edges):
        routes.append({
            "from": nodes[i][0], "to": nodes[j][0],
            "km": round(max(1.0, dist[i][j] * rng.uniform(1.2, 1.5)), 1),
            "road": _pick(rng, ROADS), "mine_risk": round(rng.uniform(0.0, 0.5), 2),
        })
    return hubs, routes


# ----------------------------------------------------------------------------- contributors


def _groups(rng: random.Random, high_income: bool, size: str) -> list[str]:
    g = ["osce"]
    if high_income:
        if rng.random() < 0.8:
            g.append("nato")
        if rng.random() < 0.7:
            g.append("eu")
    else:
        r = rng.random()
        if r < 0.3:
            g += ["csto", "cis"]
        elif r < 0.5:
            g.append("cis")
        elif r < 0.7:
            g.append("nato")
    if size in ("major", "giant") and rng.random() < 0.3:
        g.append("minsk_group")
    return g


def _contributor(rng: random.Random, i: int, size_weights: list[tuple[Any, float]],
                 forced: str | None = None) -> dict[str, Any]:
    cls = next(c for c in SIZE_CLASSES if c[0] == forced) if forced else _pick(rng, size_weights)
    size, _n, ranges = cls
    units = {u: rng.randint(lo, hi) for u, (lo, hi) in ranges.items()}
    units = {u: n for u, n in units.items() if n > 0}
    people = sum(UNIT_PERSONNEL[u] * n for u, n in units.items())
    rate = _pick(rng, COST_TIERS)
    high = rate > 8000
    langs = [rng.choice(NATIONAL_LANGUAGES)]
    if rng.random() < 0.8:
        langs.append("en")
    groups = _groups(rng, high, size)
    if "cis" in groups or rng.random() < 0.1:
        langs.append("ru")
    return {
        "id": f"c{i:03d}",
        "name": f"Contributor {i} ({size})",
        "groups": groups,
        "languages": sorted(set(langs)),
        # a spread of 0-6% on the tier's rate (as in the pool) and a per-id offset so
        # that no two contributors cost the same: no symmetry (performance.md)
        "cost_per_person_month": int(rate * rng.uniform(1.0, 1.06)) + i % 7,
        "max_personnel": math.ceil(people / 10.0) * 10,
        "units": units,
    }


def _acceptability(rng: random.Random, contributors: list[dict[str, Any]],
                   zones: list[dict[str, Any]]) -> dict[str, Any]:
    rows: dict[str, dict[str, float]] = {p: {} for p in PARTIES}
    for c in contributors:
        if "csto" in c["groups"]:
            prof: tuple[Any, ...] = (0.0, (0.30, 0.40), (0.60, 0.70))
        else:
            prof = _pick(rng, [((a, b), p) for p, a, b in ACC_PROFILES])
            prof = (0.0, *prof)
        for party, rng_range in zip(PARTIES, prof[1:], strict=True):
            if rng_range is not None:
                rows[party][c["id"]] = round(rng.uniform(*rng_range), 2)
    # the two contested large contributors (the TUR and RUS of the real pool)
    rows["AZ"][contributors[0]["id"]] = 0.95
    rows["AM"][contributors[0]["id"]] = 0.05
    rows["AZ"][contributors[1]["id"]] = 0.3
    rows["AM"][contributors[1]["id"]] = 0.9
    zone_rows: dict[str, dict[str, dict[str, float]]] = {}
    for z in zones:
        if rng.random() < 0.15:
            party = rng.choice(PARTIES)
            c = contributors[rng.randrange(len(contributors))]["id"]
            zone_rows[z["id"]] = {party: {c: round(rng.uniform(0.1, 0.9), 2)}}
    return {"default": 0.5, "contributors": rows, "zones": zone_rows,
            "armament": ARMAMENT_ACCEPTABILITY,
            "assumptions": ["Synthetic: drawn by benchmarks/generate.py."]}


# ----------------------------------------------------------------------------- document


def generate(n_zones: int, n_contributors: int, seed: int = 1,
             capacity_scale: float | None = None, profile: str = "base") -> dict[str, Any]:
    """A scenario document of n_zones zones and n_contributors contributors.

    `capacity_scale` multiplies every contributor's unit counts (rounded up): the knob
    to use if an instance is infeasible (capacities, never rules, are adjusted); None is
    the profile's own (1.0 for base, 0.4 for hard). `profile` chooses the instance class:
    "base", or "hard" (HARD_SIZE_CLASSES).
    """
    if n_zones < 1 or n_contributors < 3:
        raise ValueError("need at least one zone and three contributors")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} ({', '.join(PROFILES)})")
    # the base profile's draw is unchanged (same bytes as before the hard class existed)
    tag = "pkplanner-bench" if profile == "base" else f"pkplanner-bench-{profile}"
    rng = random.Random(f"{tag}:{n_zones}:{n_contributors}:{seed}")
    zones = [_zone(rng, i) for i in range(1, n_zones + 1)]
    hubs, routes = _network(rng, zones, max(2, n_zones // 6))
    classes, default_scale = PROFILES[profile]
    if capacity_scale is None:
        capacity_scale = default_scale
    size_weights = [(c, float(c[1])) for c in classes]
    contributors = [_contributor(rng, 1, size_weights, "giant"),
                    _contributor(rng, 2, size_weights, "giant")]
    contributors[1]["groups"] = sorted(set(contributors[1]["groups"]) | {"csto", "cis"},
                                       key=["osce", "nato", "eu", "csto", "cis",
                                            "minsk_group"].index)
    contributors += [_contributor(rng, i, size_weights)
                     for i in range(3, n_contributors + 1)]
    if capacity_scale != 1.0:
        for c in contributors:
            c["units"] = {u: math.ceil(n * capacity_scale) for u, n in c["units"].items()}
            people = sum(UNIT_PERSONNEL[u] * n for u, n in c["units"].items())
            c["max_personnel"] = math.ceil(people / 10.0) * 10
    zone_ids = [z["id"] for z in zones]
    vetoed_am = sorted(rng.sample(zone_ids, max(1, len(zone_ids) // 2)))
    vetoed_az = sorted(rng.sample(zone_ids, max(1, len(zone_ids) // 4)))
    kind = "" if profile == "base" else f"{profile}_"
    name = f"gen_{kind}{n_zones}x{n_contributors}_s{seed}"
    return {
        "schema_version": 1,
        "name": name,
        "title": f"Synthetic benchmark{'' if profile == 'base' else ' (' + profile + ' class)'}: "
                 f"{n_zones} zones x {n_contributors} contributors (seed {seed})",
        "description": "Generated by benchmarks/generate.py; not a real situation.",
        "sources": ["benchmarks/generate.py (seeded random draw shaped like "
                    "scenarios/base/osce_pool.yaml and the reference scenarios)"],
        "parties": [{"id": "AZ", "name": "Azerbaijan"}, {"id": "AM", "name": "Armenia"}],
        "zones": zones,
        "hubs": hubs,
        "routes": routes,
        "contributors": contributors,
        "acceptability": _acceptability(rng, contributors, zones),
        "vetoes": [
            {"party": "AM", "contributor": contributors[0]["id"], "zones": vetoed_am},
            {"party": "AZ", "group": "csto", "zones": vetoed_az},
        ],
        "rules": {
            "max_share": 0.34,
            "max_share_zone": 0.6,
            "min_contributors": 3,
            "min_contributors_zone": 1,
            "min_contingent": 30,
            "acceptability_floor": {"AZ": 0.5, "AM": 0.5},
        },
        "planning_options": [{
            "id": "bench",
            "name": "Benchmark rules",
            "description": "No rule of its own: the scenario's rules apply.",
            "mandates": None,
            "max_armament": None,
        }],
        "planning_option": "bench",
        "objective": "cost",
    }


def dump(doc: dict[str, Any]) -> bytes:
    """Deterministic YAML bytes of a document."""
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=100,
                          allow_unicode=True)
    return text.encode("utf-8")


def write(doc: dict[str, Any], path: Path) -> Path:
    """Write the document as YAML (atomically); return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(dump(doc))
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zones", type=int)
    ap.add_argument("contributors", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--capacity-scale", type=float, default=None,
                    help="multiply unit counts (default: the profile's, 1.0 or 0.4)")
    ap.add_argument("--profile", choices=sorted(PROFILES), default="base",
                    help="instance class: base, or hard (many contributors with only small "
                         "teams; issue 14)")
    ap.add_argument("--out", type=Path, default=None, help="YAML file (default: stdout)")
    a = ap.parse_args(argv)
    doc = generate(a.zones, a.contributors, a.seed, a.capacity_scale, a.profile)
    if a.out is None:
        sys.stdout.buffer.write(dump(doc))
    else:
        print(write(doc, a.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
