"""Where the time of one grid point goes: re-solve (update the numbers of a built model)
against rebuild, stage by stage (milliseconds per point, mean over N points).

    .venv/bin/python benchmarks/resolve_stages.py scenarios/examples/two_zones.yaml
    .venv/bin/python benchmarks/resolve_stages.py scenarios/karabakh_2020.yaml --option A
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from pkplanner.engine import highs as hs
from pkplanner.engine.data import prepare
from pkplanner.engine.model import build_model, structure, update_numbers
from pkplanner.engine.results import solution_document
from pkplanner.engine.solve import build, read_plan
from pkplanner.scenario.resolve import ResolvedScenario, load, resolve


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("scenario")
    ap.add_argument("--option", default=None)
    ap.add_argument("--points", type=int, default=20)
    args = ap.parse_args()
    settings = hs.SolverSettings(time_limit=60, gap=1e-6, warm_start=False)
    spent: dict[str, float] = defaultdict(float)

    def lap(name: str, t0: float) -> float:
        now = time.perf_counter()
        spent[name] += now - t0
        return now

    def loaded(i: int) -> ResolvedScenario:
        share = round(0.4 + 0.5 * i / args.points, 3)
        return resolve(load(args.scenario, [f"rules.max_share={share}"]), args.option)

    rs = loaded(0)
    d = prepare(rs.scenario)
    built = build_model(d, "cost")
    solver = hs.PersistentHighs(built.model, settings)
    key = structure(d)
    for i in range(args.points):
        t = time.perf_counter()
        rs = loaded(i)
        t = lap("re-solve: load + resolve", t)
        d = prepare(rs.scenario)
        t = lap("re-solve: prepare", t)
        assert structure(d) == key, "not a numeric change"
        t = lap("re-solve: structure check", t)
        update_numbers(built, d)
        t = lap("re-solve: update_numbers", t)
        st = solver.run(previous=True)
        t = lap("re-solve: sync + HiGHS", t)
        plan = read_plan(built.model, d)
        t = lap("both: read_plan", t)
        solution_document(rs, d, plan, objective="cost", objective_value=st.objective,
                          status=st.status, gap=st.gap, solver={})
        t = lap("both: solution document", t)
    for i in range(args.points):
        t = time.perf_counter()
        rs = loaded(i)
        t = lap("rebuild: load + resolve", t)
        _d, m2, _ = build(rs, "cost")
        t = lap("rebuild: prepare + build", t)
        fresh = hs.PersistentHighs(m2, settings)
        t = lap("rebuild: hand-over to HiGHS", t)
        fresh.run()
        lap("rebuild: HiGHS", t)
    for name, seconds in spent.items():
        print(f"{name:32s} {seconds / args.points * 1000:9.2f} ms")


if __name__ == "__main__":
    main()
