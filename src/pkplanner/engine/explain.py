"""Which rules conflict when no force satisfies them all, and what change to one of them helps.

Rules are grouped as a planner states them: one veto, one exclusion, one cap, one party's
floor, one zone's requirement, one contributor's capacity. Cheap necessary conditions come
first (precheck.py: a budget below the least cost of a force meeting the other rules, a
capability no eligible contributor can supply, a floor above the best reachable score):
when one is violated it is a proof, and the conflict is known without a search. Otherwise
a deletion filter over the groups finds a conflicting set (drop a group, re-test
feasibility, keep it dropped while the rest stays infeasible): first over whole families,
then within each family that remains, entity by entity, the groups dropped so far staying
dropped, so the set found conflicts with every other rule dropped.

A set found that way need not be one whose every rule, dropped alone, restores a plan:
other rules may conflict too. So every claim is tested with every other rule in force:
`alone` says whether dropping the rule alone restores a plan, and a relaxation is printed
only when that very value tested feasible. Each test is a feasibility MILP on a rebuilt
model, bounded by a deadline; when it passes, what is known so far is returned and marked
incomplete.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from pkplanner.engine import highs as hs
from pkplanner.engine import precheck
from pkplanner.engine.data import logistics_limits, prepare, veto_label
from pkplanner.engine.heuristic import units_first
from pkplanner.engine.model import build_model
from pkplanner.engine.phased import build_phased, phase_view
from pkplanner.engine.precheck import MAX_ENTITY_GROUPS
from pkplanner.rules.catalog import (
    ENTRIES,
    Relax,
    Scope,
    advice_texts,
    entry_of,
    least_rules,
    transition_rules,
)
from pkplanner.rules.edits import RuleEdit, VetoDrop, sentence
from pkplanner.scenario.phases import phase_cases
from pkplanner.scenario.resolve import ResolvedScenario

STOPPED = "the rules shown so far conflict; the search stopped at the time limit"
# what `Explainer.relaxation` finds: a change tested (its sentence comes from edits.py),
# written advice (the catalog's `advice`: nothing to apply), or "" for none
Relaxation = RuleEdit | VetoDrop | str


@dataclass(frozen=True)
class Conflict:
    rule: str          # group name: "veto AM->TUR", "dominance.max_share", "acceptability.AM"
    detail: str        # the rule in the scenario's own terms
    relaxation: str    # a change to this rule alone that restores a plan ("" when none was
                       # found and checked); numeric ones were tested at the printed value
    alone: bool | None = None   # dropping this rule alone, every other rule in force:
                                # True restores a plan, False does not, None not tested
    edit: RuleEdit | VetoDrop | None = None     # `relaxation` as data, the change tested
                                                # (None for written advice, or none found)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "detail": self.detail,
                               "relaxation": self.relaxation,
                               "alone": self.alone}
        if self.edit is not None:
            out["edit"] = self.edit.as_dict()
        return out


@dataclass(frozen=True)
class Explanation:
    conflicts: list[Conflict]
    complete: bool = True      # False: the deadline stopped the search; `conflicts` holds
                               # what was established by then (and claims nothing more)
    note: str = ""             # what the planner should know beyond the list
    tests: int = 0             # solver runs made
    seconds: float = 0.0


class OutOfTime(Exception):
    """The deadline passed: stop and report what is known."""


class Explainer:
    def __init__(self, rs: ResolvedScenario, time_limit: float = 20.0,
                 deadline: float | None = None):
        self.rs = rs
        self.time_limit = time_limit
        self.deadline = deadline
        self.tests = 0
        self.errors: list[str] = []
        self.known: list[str] = []          # groups shown to conflict together so far
        self.facts: dict[str, str] = {}     # group -> the numbers behind a precheck proof
        self.best: dict[str, float] = {}    # group -> the value a precheck bound allows
        self.alone: dict[str, bool | None] = {}
        self.relaxed: dict[str, Relaxation] = {}
        self._least: dict[str, precheck.Least] = {}

    # ------------------------------------------------------------------ feasibility
    def settings(self, gap: float, warm_start: bool = False) -> hs.SolverSettings:
        return hs.SolverSettings(time_limit=self.time_limit, gap=gap, warm_start=warm_start,
                                 deadline=self.deadline)

    def check_time(self) -> None:
        """Before a model is built, not only inside HiGHS: building one takes a while."""
        if self.deadline is not None and time.monotonic() >= self.deadline - 0.01:
            raise OutOfTime

    def feasible(self, dropped: set[str], rs: ResolvedScenario | None = None) -> bool | None:
        """Does a plan exist with `dropped` off? None: not decided (time limit, solver
        error). Raises OutOfTime at the deadline."""
        self.check_time()
        self.tests += 1
        sc, labels, skip = without(rs or self.rs, dropped)
        m = build_model(prepare(sc, ignore=labels), "feasibility", skip=skip).model
        try:
            st = hs.PersistentHighs(m, self.settings(gap=1.0)).run()
        except hs.DeadlinePassed as e:
            raise OutOfTime from e
        except hs.SolverError as e:
            self.errors.append(str(e))
            return None
        if st.status in ("optimal", "feasible"):
            return True
        return False if st.status == "infeasible" else None

    def least(self, rx: Relax) -> precheck.Least:
        if rx.key not in self._least:
            self.check_time()
            self._least[rx.key] = precheck.Least(
                self.rs, self.settings(gap=0.0, warm_start=True), rx.key, rx.measure)
        return self._least[rx.key]

    def cost_run(self, call: Callable[[], Any]) -> Any:
        """A `Least` call, with the deadline and solver errors handled as `feasible`."""
        self.check_time()
        self.tests += 1
        try:
            return call()
        except hs.DeadlinePassed as e:
            raise OutOfTime from e
        except hs.SolverError as e:
            self.errors.append(str(e))
            return None

    # ------------------------------------------------------------------ prechecks
    def prechecked(self) -> list[str]:
        """Groups of every violated necessary condition, in order; their numbers go to
        `facts` and `best`."""
        groups: list[str] = []

        def add(proof: precheck.Proof) -> None:
            for g in proof.groups:
                if g not in groups:
                    groups.append(g)
            for g, text in proof.facts.items():
                if text not in self.facts.get(g, ""):
                    self.facts[g] = f"{self.facts[g]}; {text}" if g in self.facts else text
            for g, v in proof.best.items():
                self.best[g] = min(v, self.best.get(g, v))

        for proof in precheck.proofs(self.rs):
            add(proof)
        self.known = list(groups)       # proofs: they conflict together already
        for group, rx in least_rules().items():
            value = getattr(self.rs.scenario.rules, rx.key)
            if value is None or "structure" in groups:
                continue
            bound = self.cost_run(self.least(rx).lower_bound)
            if bound is not None and bound > value * (1 + 1e-7) + 1e-6:
                add(precheck.Proof((group,), {group: (
                    f"every force meeting the other rules {rx.at_least} {bound:,.0f}{rx.unit} "
                    "(LP bound)")}))
                self.known = list(groups)
        return groups

    # ------------------------------------------------------------------ groups
    def families(self) -> dict[str, list[str]]:
        """Family -> its entity groups (empty list: the family is one rule): each veto and
        exclusion that removes someone, then every family in force, in catalog order."""
        sc = self.rs.scenario
        d = prepare(sc)
        fam: dict[str, list[str]] = {label: [] for label in sorted(d.removed_by_veto)}
        scope = Scope(sc.rules, self.rs.option.id, tuple(d.zones),
                      tuple(sorted({z for (z, _k, _r) in d.req})),
                      tuple(sorted({c for c, _u, _z in d.eligible})),
                      logistics_limits(d) if d.supply > 0 else None,
                      parties=tuple(d.parties))
        for e in ENTRIES:
            groups = e.groups(scope) if e.groups is not None else None
            if groups is not None:
                fam[e.name] = groups
        return fam

    def deletion_filter(self, candidates: list[str], always_dropped: set[str],
                        progress: Callable[[list[str]], None]) -> list[str]:
        """Drop each candidate in turn while the rest stays infeasible. Invariant: the
        candidates kept, with `always_dropped` and the ones removed off, are infeasible
        (a test said so), so `progress` may report them at any point."""
        keep = list(candidates)
        for g in candidates:
            trial = [x for x in keep if x != g]
            if self.feasible(always_dropped | (set(candidates) - set(trial))) is False:
                keep = trial
                progress(keep)
        return keep

    def conflicting_groups(self) -> list[str]:
        fams = self.families()
        coarse = list(fams)
        bare = self.feasible(set(coarse))
        if bare is not True:
            self.known = ["structure"] if bare is False else []
            return self.known
        self.known = list(coarse)

        def coarse_progress(keep: list[str]) -> None:
            self.known = list(keep)
        core = self.deletion_filter(coarse, set(), coarse_progress)
        dropped = set(coarse) - set(core)
        result: list[str] = []
        for i, f in enumerate(core):
            entities = fams[f]
            if len(entities) <= 1 or len(entities) > MAX_ENTITY_GROUPS:
                result.extend(entities if len(entities) == 1 else [f])
                continue

            def fine_progress(keep: list[str], i: int = i) -> None:
                self.known = [*result, *keep, *core[i + 1:]]
            # within f: the entities dropped so far in other families stay dropped
            fine = self.deletion_filter(entities, dropped, fine_progress)
            dropped |= set(entities) - set(fine)
            result.extend(fine or [f])
        self.known = result
        return result

    # ------------------------------------------------------------------ checks
    def dropped_alone(self, group: str) -> bool | None:
        if group == "structure":
            return None
        rx = least_rules().get(group)
        if rx is not None:      # the MILP for the least value answers it as well
            st = self.cost_run(self.least(rx).least)
            if st is None:
                return None
            if st.objective is not None:
                self.facts[group] = least_fact(rx, st)
                return True
            return False if st.status == "infeasible" else None
        return self.feasible({group})

    def check(self, groups: list[str]) -> None:
        """`alone` for every group first (one MILP each), then relaxations for those
        that alone restore a plan: a rule whose dropping does not is not relaxed either."""
        for g in groups:
            self.alone[g] = self.dropped_alone(g)
        for g in sorted(groups, key=lambda g: g not in self.best):   # one test each first
            if self.alone[g]:
                self.relaxed[g] = self.relaxation(g)

    def conflicts(self) -> list[Conflict]:
        out = []
        for g in self.known:
            detail = describe(self.rs, g)
            if g in self.facts:
                detail = self.facts[g] if g == "structure" else f"{detail}: {self.facts[g]}"
            relax = self.relaxed.get(g, "")
            if isinstance(relax, str):
                out.append(Conflict(g, detail, relax, self.alone.get(g)))
            else:
                out.append(Conflict(g, detail, sentence(relax, self.rules_dict()),
                                    self.alone.get(g), relax))
        return out

    def together_note(self) -> str:
        """When no listed rule is enough alone: is dropping them all enough? One test."""
        groups = [g for g in self.known if g != "structure"]
        if not groups or any(self.alone.get(g) for g in groups):
            return ""
        if not all(self.alone.get(g) is False for g in groups):
            return ""
        both = self.feasible(set(groups))
        if both is True:
            return ("no listed rule is enough alone: dropping all of them together "
                    "restores a plan")
        if both is False:
            return ("no listed rule is enough alone, nor all of them together: other rules "
                    "conflict as well; relax these and explain again")
        return "no listed rule is enough alone"

    # ------------------------------------------------------------------ relaxations
    def rules_dict(self) -> dict[str, Any]:
        """The effective rules the conflict is found under, as solution.json writes them."""
        return self.rs.scenario.rules.model_dump(mode="json")

    def with_rules(self, **update: Any) -> ResolvedScenario:
        sc = self.rs.scenario
        rules = sc.rules.model_copy(update=update)
        return replace(self.rs, scenario=sc.model_copy(update={"rules": rules}))

    def search(self, far: float, near: float, test: Callable[[float], bool | None],
               step: float, first: float | None = None) -> float | None:
        """The value nearest the current one, `near` (assumed infeasible, never claimed),
        that tested feasible; `far` is the most relaxed value. `first`, when given, is a
        value tried first (a precheck's bound). Only values that tested feasible are
        returned."""
        passed: set[float] = set()

        def ok(v: float) -> bool:
            if test(v) is True:
                passed.add(v)
                return True
            return False

        if first is not None:
            if ok(first):
                return first
            near = first
        if not ok(far):
            return None
        good, bad = far, near
        while abs(good - bad) > step:
            mid = (good + bad) // 2 if step >= 1 else (good + bad) / 2
            if ok(mid):
                good = mid
            else:
                bad = mid
        return good if good in passed else None

    def relaxation(self, group: str) -> Relaxation:
        """A change to `group` alone that restores a plan, tested at the value given: an
        edit (its sentence is written from it), written advice, or "" when none was found."""
        r = self.rs.scenario.rules
        if group.startswith("veto "):
            veto = next((v for v in self.rs.scenario.vetoes if veto_label(v) == group), None)
            if veto is None:
                return ""
            return VetoDrop(veto.party, veto.contributor, veto.group, tuple(veto.zones or ()))
        if group.startswith("exclude "):
            g = group[len("exclude "):]
            return RuleEdit("exclude_groups", [x for x in r.exclude_groups if x != g])

        found = entry_of(group)
        if found is None:
            return ""
        e, entity = found
        rx = e.relax_for(entity)
        if rx is None:
            return e.advice_for(entity)
        if rx.least:
            return self.least_relaxation(group, rx)
        assert rx.far is not None
        v = self.search(rx.far * rx.grid, rx.near(r, entity), lambda k: self.feasible(
            set(), self.with_rules(**{rx.key: rx.value(r, entity, k)})), 1,
            rx.hint(self.best.get(group), r, entity))
        return RuleEdit(rx.key, rx.value(r, entity, v)) if v is not None else ""

    def least_relaxation(self, group: str, rx: Relax) -> Relaxation:
        """The smallest budget (personnel_max) that works is the least cost (head count)
        with every other rule in force: one MILP, shared with the `alone` test, whose value
        is then tested as printed."""
        least = self.least(rx)
        st = least.solved or self.cost_run(least.least)
        if st is None or st.objective is None:
            return ""
        for v in dict.fromkeys((precheck.whole_number(st.objective), math.ceil(st.objective))):
            if self.cost_run(partial(least.holds, v)) is True:
                return RuleEdit(rx.key, rx.value(self.rs.scenario.rules, "", math.ceil(v)))
        return ""

    # ------------------------------------------------------------------ the whole run
    def run(self, known_infeasible: bool) -> Explanation:
        groups = self.prechecked()
        if groups:
            self.check(groups)
            return self.finish(True, "proven by a necessary condition, without a search")
        if not known_infeasible:
            first = self.feasible(set())
            if first is True:
                return self.finish(True, "a plan exists: no conflicting rules")
            if first is None:
                return self.finish(True, "no test proved the rules infeasible within the "
                                         "time limit: no conflicting rules found")
        groups = self.conflicting_groups()
        if not groups:
            return self.finish(True, "the rules are infeasible, but no test could tell "
                                     "which conflict within the time limit")
        self.check(groups)
        return self.finish(True, "")

    def finish(self, complete: bool, note: str) -> Explanation:
        notes = [note] if note else []
        if complete:
            together = self.together_note()
            if together:
                notes.append(together)
            undecided = [g for g in self.known if g != "structure" and self.alone.get(g) is None]
            if undecided:
                notes.append("not decided within the per-test time limit whether dropping "
                             f"alone restores a plan: {', '.join(undecided)}")
        if self.errors:
            notes.append(f"solver errors (treated as undecided): {self.errors[0]}")
        return Explanation(self.conflicts(), complete, "; ".join(notes), self.tests)


def least_fact(rx: Relax, st: hs.RunStats) -> str:
    """What the least-value MILP proved, in words (the detail of a budget or size rule)."""
    what, unit = rx.measure, rx.unit
    assert st.objective is not None
    if precheck.exact(st):
        return (f"the least {what} of a force meeting every other rule is "
                f"{st.objective:,.0f}{unit}")
    low = f"at least {math.ceil(st.bound - 1e-6):,}{unit}; " if st.bound is not None else ""
    return (f"a force meeting every other rule has a {what} of {low}the least found is "
            f"{st.objective:,.0f}{unit}")


UNLIMITED_UNITS = 1000      # what "no capacity limit" offers of each unit type (as model.py)


def without(rs: ResolvedScenario, dropped: set[str]
            ) -> tuple[Any, frozenset[str], frozenset[str]]:
    """The scenario with `dropped` off: (scenario, veto and exclusion labels for
    `prepare`, groups for `build_model`'s skip). Rules take the catalog's neutral value:
    dropping a rule by its value, not by skipping its rows, keeps every other row that
    reads the number right (with personnel_max=1000 skipped, the lead-nation rows of
    karabakh_kcg_2014 C still used 1000 as their big-M, so "dropping personnel_max alone"
    wrongly tested infeasible). A contributor's capacity becomes unlimited in the data, so
    no row keeps its old numbers (x_upper also bounds the armament rows); only per-zone
    rows are skipped."""
    sc = rs.scenario
    labels = frozenset(g for g in dropped if g.startswith(("veto ", "exclude ")))
    update: dict[str, Any] = {}
    skip: set[str] = set()
    free: set[str] = set()
    for g in sorted(dropped - labels):
        found = entry_of(g)
        if found is None:
            skip.add(g)
            continue
        e, entity = found
        if not entity and e.neutral:
            update.update(e.neutral)
        elif e.drop == "free":
            free |= {entity} if entity else {c.id for c in sc.contributors}
        elif entity and e.drop == "entry":
            key = e.keys[0]
            entries = update.get(key, getattr(sc.rules, key))
            update[key] = {k: v for k, v in entries.items() if k != entity}
        elif entity and e.drop == "neutral":
            update.update(e.entity_neutral[entity])
        else:
            skip.add(g)
    if update or free:
        pers = {u.id: u.personnel for u in sc.unit_types}
        offers = {c.id: [u for u, n in c.units.items() if n > 0] for c in sc.contributors}
        contributors = [c.model_copy(update={
            "units": dict.fromkeys(offers[c.id], UNLIMITED_UNITS),
            "max_personnel": UNLIMITED_UNITS * sum(pers[u] for u in offers[c.id])})
            if c.id in free else c for c in sc.contributors]
        sc = sc.model_copy(update={"rules": sc.rules.model_copy(update=update),
                                   "contributors": contributors})
    return sc, labels, frozenset(skip)


# written advice, not a change tested as printed (the CLI labels these "suggestion")
SUGGESTIONS = advice_texts()
STRUCTURE = ("the zones' allowed mandates and armament levels admit no plan even with every "
             "rule dropped")


def describe(rs: ResolvedScenario, group: str) -> str:
    """The rule a group stands for, in the scenario's own terms (the catalog's wording)."""
    r = rs.scenario.rules
    if group.startswith("veto "):
        return group[len("veto "):].replace("->", " vetoes ")
    if group.startswith("exclude "):
        return f"option {rs.option.id} excludes group {group[len('exclude '):]}"
    if group == "structure":
        return STRUCTURE
    found = entry_of(group)
    if found is None:
        return group
    e, entity = found
    if not entity and e.whole is not None:  # named as a whole (many entities, or a stop)
        return e.whole(r)
    return e.describe(r, entity) if e.describe is not None else group


def explanation(rs: ResolvedScenario, deadline: float | None = None,
                time_limit: float = 20.0, known_infeasible: bool = False) -> Explanation:
    """Explain an infeasible scenario within `deadline` (a time.monotonic() value; None:
    no deadline); `time_limit` bounds each solver run. `known_infeasible` skips the first
    feasibility test when the caller's own solve has just proven it. No conflicts: a plan
    exists, or nothing was proven (the note says which)."""
    t0 = time.monotonic()
    if rs.scenario.phases is not None:
        return phased_explanation(rs, deadline, time_limit)
    ex = Explainer(rs, time_limit, deadline)
    try:
        out = ex.run(known_infeasible)
    except OutOfTime:
        stopped = STOPPED if ex.known else ("the search stopped at the time limit before "
                                            "any conflict was established")
        out = ex.finish(False, stopped)
    return replace(out, seconds=time.monotonic() - t0)


def explain(rs: ResolvedScenario, time_limit: float = 20.0,
            known_infeasible: bool = False) -> list[Conflict]:
    """The conflicting rules of an infeasible scenario ([] when a plan exists, or when no
    test could prove it impossible within the time limit), with no overall deadline."""
    return explanation(rs, None, time_limit, known_infeasible).conflicts


def phased_explanation(rs: ResolvedScenario, deadline: float | None = None,
                       time_limit: float = 20.0) -> Explanation:
    """A phased plan is impossible because some phase is impossible on its own (explained
    as a single-period scenario, its conflicts named with the phase), or because the rules
    linking the phases conflict with the phases' own: a deletion filter over the transition
    rules, each claim tested with every other rule in force."""
    t0 = time.monotonic()
    tests = 0
    # a test that has a plan must find one fast: the cost model with the units-first start
    # (on the phased reference a bare feasibility model found none in a minute), any plan
    # accepted (gap 1)
    settings = hs.SolverSettings(time_limit=time_limit, gap=1.0, warm_start=True,
                                 start_share=0.6, deadline=deadline)

    def feasible(skip: frozenset[str]) -> bool | None:
        nonlocal tests
        if deadline is not None and time.monotonic() >= deadline - 0.01:
            raise OutOfTime
        tests += 1
        pm = build_phased(rs.scenario, skip, "cost")
        return has_plan(pm.model, units_first(phase_view(pm), pm.datas[0]), settings)

    def done(conflicts: list[Conflict], complete: bool, note: str) -> Explanation:
        return Explanation(conflicts, complete, note, tests, time.monotonic() - t0)

    try:
        alone_ok = []
        units = {u.id: u for u in rs.scenario.unit_types}
        for case in phase_cases(rs.scenario):
            one = ResolvedScenario(case.scenario, rs.option, rs.path, rs.sha256, rs.overrides)
            tests += 1
            ok = feasible_alone(one, settings)
            alone_ok.append(ok)
            if ok is not False:
                continue
            ex = explanation(one, deadline, time_limit, known_infeasible=True)
            unready = sorted({u for c in rs.scenario.contributors for u, n in c.units.items()
                              if n > 0 and u in units
                              and c.readiness(units[u]) > case.start_day})
            late = (f"; units not ready by day {case.start_day:.0f} are not offered in it "
                    f"(readiness_days: {', '.join(unready)})") if unready else ""
            return Explanation(
                [replace(c, detail=f"in phase {case.id}: {c.detail}") for c in ex.conflicts],
                ex.complete, f"phase {case.id} has no plan on its own{late}"
                + (f"; {ex.note}" if ex.note else ""), tests + ex.tests,
                time.monotonic() - t0)
        groups = [f"transition.{k}" for k in transition_rules(rs.scenario.transition)]
        # without the transition rules the phases are independent: each has a plan, so all do
        free = True if all(alone_ok) else feasible(frozenset(groups))
        if free is None:
            return done([], False, "no test decided whether the phases have a plan without "
                        "the transition rules")
        if free is False:
            return done([], True, "every phase has a plan on its own but not with the others "
                        "even without the transition rules")
        kept = list(groups)
        for g in groups:
            trial = frozenset(x for x in groups if x not in kept or x == g)
            if feasible(trial) is False:
                kept.remove(g)
        if not kept:
            return done([], True, "the phases conflict only through their own rules")
        conflicts = []
        for g in kept:
            alone = feasible(frozenset({g}))
            conflicts.append(Conflict(g, describe(rs, g),
                                      advice_of(g) if alone else "", alone))
        return done(conflicts, True, "every phase has a plan on its own; the rules "
                    "linking the phases conflict")
    except OutOfTime:
        return done([], False, "the search stopped at the time limit before any conflict "
                    "was established")


def feasible_alone(rs: ResolvedScenario, settings: hs.SolverSettings) -> bool | None:
    """Does this single-period scenario have a plan? (The cost model with its start.)"""
    d = prepare(rs.scenario)
    m = build_model(d, "cost").model
    return has_plan(m, units_first(m, d), settings)


def has_plan(m: Any, start: hs.StartBuilder, settings: hs.SolverSettings) -> bool | None:
    """True: a plan found; False: proven none; None: not decided (limit, solver error).
    Raises OutOfTime at the deadline."""
    try:
        st = hs.PersistentHighs(m, settings).run(start=start)
    except hs.DeadlinePassed as e:
        raise OutOfTime from e
    except hs.SolverError:
        return None
    return True if st.status in ("optimal", "feasible") else (
        False if st.status == "infeasible" else None)


def advice_of(group: str) -> str:
    """The catalog's written advice for a group."""
    found = entry_of(group)
    return found[0].advice_for(found[1]) if found else ""
