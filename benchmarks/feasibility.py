"""Certify that a generated instance is feasible, by decomposition.

Large generated instances (200 x 224) are too big for HiGHS to find a plan within the
benchmark's time limit, which leaves open whether any plan exists. This script splits
the instance into k parts: zones and contributors are dealt round-robin into k groups,
and part i asks zones group i to be covered by contributors group i alone, under the
same rules. A plan for every part is a plan for the whole instance:

- requirements, armament, mandates, max_share_zone and vetoes are per zone or per
  (contributor, zone): they hold in the union because each holds in its part;
- capacities: each contributor serves in one part only;
- max_share: P_c <= 0.34 N_part <= 0.34 N; acceptability floors: a personnel-weighted
  average of parts that each reach the floor reaches it; min_contributors and
  min_contingent hold because they hold in one part.

(Rules that are not of these kinds, e.g. budget, group caps or personnel_max, would need
their own argument; the generator does not use them.) A part without a plan within the
time limit makes the check inconclusive, not negative: try fewer parts.

Usage: `python benchmarks/feasibility.py 200 224 --parts 4 [--seed 1] [--time-limit 300]`
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# benchmarks/generate.py: Python puts a script's own folder first on the module path
import generate  # noqa: E402


def part(doc: dict[str, Any], k: int, i: int) -> dict[str, Any]:
    """Part i of k: zones and contributors with index = i (mod k)."""
    d = copy.deepcopy(doc)
    d["name"] = f"{doc['name']}_part{i}of{k}"
    d["zones"] = [z for n, z in enumerate(doc["zones"]) if n % k == i]
    d["contributors"] = [c for n, c in enumerate(doc["contributors"]) if n % k == i]
    zones = {z["id"] for z in d["zones"]}
    contributors = {c["id"] for c in d["contributors"]}
    groups = {g for c in d["contributors"] for g in c["groups"]}
    hubs = {h["id"] for h in d["hubs"]}
    routes = [r for r in d["routes"] if {r["from"], r["to"]} <= zones | hubs]
    for z in d["zones"]:    # keep every zone reachable: a direct road to the nearest hub
        near = min(d["hubs"], key=lambda h: generate._km(z["location"], h["location"]))
        km = generate._km(z["location"], near["location"])
        routes.append({"from": near["id"], "to": z["id"], "km": round(max(1.0, km), 1),
                       "road": "secondary", "mine_risk": 0.0})
    d["routes"] = routes
    acc = d["acceptability"]
    acc["contributors"] = {p: {c: v for c, v in row.items() if c in contributors}
                           for p, row in acc["contributors"].items()}
    acc["zones"] = {z: {p: {c: v for c, v in row.items() if c in contributors}
                        for p, row in by_p.items()}
                    for z, by_p in acc["zones"].items() if z in zones}
    vetoes = []
    for v in d["vetoes"]:
        if v.get("contributor") is not None and v["contributor"] not in contributors:
            continue
        if v.get("group") is not None and v["group"] not in groups:
            continue
        vz = [z for z in v.get("zones") or [] if z in zones]
        if v.get("zones") and not vz:
            continue
        if v.get("zones"):
            v["zones"] = vz
        vetoes.append(v)
    d["vetoes"] = vetoes
    return d


def certify(doc: dict[str, Any], parts: int, time_limit: float,
            log: Any = print) -> dict[str, Any]:
    """Solve the k parts of `doc`; `certified` is True when every part has a plan."""
    from pkplanner.engine import highs as hs
    from pkplanner.engine.solve import solve
    from pkplanner.scenario.resolve import load_resolved

    out = HERE / "out" / "feasibility"
    t_all = time.perf_counter()
    found = 0
    total_cost = 0.0
    seconds = []
    for i in range(parts):
        sub = part(doc, parts, i)
        path = generate.write(sub, out / f"{sub['name']}.yaml")
        t0 = time.perf_counter()
        rs = load_resolved(path)
        # any plan will do: stop at HiGHS's first feasible solution
        res = solve(rs, "cost", hs.SolverSettings(
            time_limit=time_limit, gap=0.05, warm_start=False,
            highs_options={"mip_max_improving_sols": 1}))
        took = time.perf_counter() - t0
        seconds.append(took)
        log(f"part {i + 1}/{parts}: {len(sub['zones'])} zones x "
            f"{len(sub['contributors'])} contributors: {res.status}"
            + (f", cost {res.objective_value:,.0f}" if res.objective_value else "")
            + f" ({took:.0f} s)")
        if res.feasible and res.objective_value is not None:
            found += 1
            total_cost += res.objective_value
    return {"certified": found == parts, "parts": parts, "parts_feasible": found,
            "upper_bound": total_cost if found == parts else None,
            "part_seconds": seconds, "total_s": time.perf_counter() - t_all}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="certify a generated instance feasible")
    ap.add_argument("zones", type=int)
    ap.add_argument("contributors", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--parts", type=int, default=4)
    ap.add_argument("--time-limit", type=float, default=300.0, help="seconds per part")
    a = ap.parse_args(argv)
    doc = generate.generate(a.zones, a.contributors, a.seed)
    res = certify(doc, a.parts, a.time_limit, lambda msg: print(msg, flush=True))
    if res["certified"]:
        print(f"FEASIBLE: {doc['name']} has a plan (union of the parts' plans, cost "
              f"{res['upper_bound']:,.0f} per month, an upper bound on the optimum)")
        return 0
    print(f"INCONCLUSIVE: {parts_missing(res)} of {a.parts} parts without a plan")
    return 1


def parts_missing(res: dict[str, Any]) -> int:
    return int(res["parts"]) - int(res["parts_feasible"])


if __name__ == "__main__":
    raise SystemExit(main())
