"""The private attributes of Pyomo's HiGHS interface that pkplanner.engine.highs relies on.

Pyomo has no public way to reach the highspy object it fills, a variable's column, or to
push parameter changes without `solve` (which drops a start); pkplanner.engine.highs confines
what it uses instead to `_PyomoHighsAccess`. Each test here touches one attribute on a
freshly built tiny model, so a Pyomo upgrade that removes or reshapes one fails here,
naming it, rather than as an AttributeError or a wrong plan deep inside a solve.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import highspy
import pyomo.environ as pyo
import pyomo.version
import pytest
from pyomo.contrib.solver.solvers.highs import Highs

from pkplanner.engine import highs as hs
from pkplanner.engine.highs import _PyomoHighsAccess

ROOT = Path(__file__).resolve().parents[1]
ADAPTER = ROOT / "src" / "pkplanner" / "engine" / "highs.py"


def moved(attribute: str, detail: str = "") -> str:
    return (f"Pyomo {pyomo.version.version} no longer has appsi/v2 Highs.{attribute}"
            f"{f' ({detail})' if detail else ''}: update pkplanner.engine.highs._PyomoHighsAccess")


class Tiny:
    """min 2x + 3y, x + y >= p (p mutable), x integer: two columns, one row."""

    def __init__(self) -> None:
        m = pyo.ConcreteModel()
        m.x = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(0, 10))
        m.y = pyo.Var(bounds=(0, 5))
        m.p = pyo.Param(initialize=3.0, mutable=True)
        m.c = pyo.Constraint(expr=m.x + m.y >= m.p)
        m.obj = pyo.Objective(expr=2 * m.x + 3 * m.y)
        self.model = m
        self.opt = Highs()
        with hs.SOLVER_LOCK:
            self.opt.set_instance(m)
        self.access = _PyomoHighsAccess(self.opt)


def present(t: Tiny, attribute: str) -> None:
    if not hasattr(t.opt, attribute):
        pytest.fail(moved(attribute), pytrace=False)


def check_solver_model(t: Tiny) -> None:
    h = t.access.solver_model()
    assert isinstance(h, highspy.Highs), moved("_solver_model", "not a highspy.Highs")
    assert h.getNumCol() == 2 and h.getNumRow() == 1, \
        moved("_solver_model", "not the HiGHS object holding the model")


def check_columns(t: Tiny) -> None:
    cols = t.access.columns()
    x, y = cols.get(id(t.model.x)), cols.get(id(t.model.y))
    assert {x, y} == {0, 1}, moved("_pyomo_var_to_solver_var_map",
                                   f"no longer id(var) -> column: {cols!r}")


def check_vars(t: Tiny) -> None:
    for var in (t.model.x, t.model.y):
        try:
            found = t.access.var(id(var))
        except (KeyError, TypeError, IndexError) as e:
            pytest.fail(moved("_vars", f"no longer id(var) -> (var, ...): {e!r}"),
                        pytrace=False)
        assert found is var, moved("_vars", "its first item is no longer the variable")


def check_active_config(t: Tiny) -> None:
    """What `sync` does: a changed mutable parameter reaches HiGHS's row bound."""
    t.model.p = 4.0
    with hs.SOLVER_LOCK:
        t.access.use_default_config()
        t.opt.update()
    lower = list(t.access.solver_model().getLp().row_lower_)
    assert lower == [4.0], moved("_active_config", f"update() left the row at {lower}")


CHECKS: dict[str, Callable[[Tiny], None]] = {
    "_solver_model": check_solver_model,
    "_pyomo_var_to_solver_var_map": check_columns,
    "_vars": check_vars,
    "_active_config": check_active_config,
}


@pytest.mark.parametrize("attribute", _PyomoHighsAccess.ATTRIBUTES)
def test_pyomo_still_has(attribute: str) -> None:
    assert attribute in CHECKS, f"no test here for {attribute}: add one to CHECKS"
    t = Tiny()
    present(t, attribute)
    CHECKS[attribute](t)


def test_every_private_attribute_used_is_listed_and_tested() -> None:
    """The adapter reaches Pyomo's private attributes only through its access class, and
    nothing else in src/ or app/ names them."""
    text = ADAPTER.read_text(encoding="utf-8")
    used = set(re.findall(r"\bopt\._([a-z]\w*)", text))
    assert {f"_{a}" for a in used} == set(_PyomoHighsAccess.ATTRIBUTES) == set(CHECKS)
    access = text[text.index("class _PyomoHighsAccess"):text.index("class PersistentHighs")]
    outside = text.replace(access, "")
    assert not re.search(r"\bopt\._[a-z]", outside), \
        "a private Pyomo attribute used outside _PyomoHighsAccess"
    others = [p for d in ("src", "app") for p in (ROOT / d).rglob("*.py") if p != ADAPTER]
    named = [(p.relative_to(ROOT).as_posix(), a) for p in others
             for a in _PyomoHighsAccess.ATTRIBUTES
             if re.search(rf"\.{a}\b", p.read_text(encoding="utf-8"))]
    assert not named, f"private Pyomo attributes outside pkplanner.engine.highs: {named}"


def test_the_adapter_solves_and_loads_the_plan_back() -> None:
    """End to end through every access: instance, column, run, values on the variables."""
    t = Tiny()
    solver = hs.PersistentHighs(t.model, hs.SolverSettings(time_limit=10.0, gap=0.0))
    assert solver.column(t.model.x) in (0, 1)
    stats = solver.run()
    assert (stats.status, stats.objective) == ("optimal", pytest.approx(6.0))
    assert (pyo.value(t.model.x), pyo.value(t.model.y)) == (pytest.approx(3.0),
                                                            pytest.approx(0.0))
    t.model.p = 4.0
    assert solver.run().objective == pytest.approx(8.0)


def test_the_process_pool_still_lists_its_workers() -> None:
    """batch.run.pool_processes reads ProcessPoolExecutor's private `_processes` (the only
    way to stop a worker stuck past its time budget): an upgrade that removes it fails
    here, by name, instead of leaving stuck workers running."""
    import concurrent.futures as cf

    from pkplanner.batch.run import pool_processes
    with cf.ProcessPoolExecutor(max_workers=1) as pool:
        assert pool.submit(abs, -1).result(timeout=60) == 1
        procs = pool_processes(pool)
        assert len(procs) == 1 and procs[0].is_alive()
