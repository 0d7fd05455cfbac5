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
from pkplanner.engine.data import prepare, veto_label
from pkplanner.engine.model import build_model
from pkplanner.engine.precheck import MAX_ENTITY_GROUPS
from pkplanner.rules.edits import RuleEdit, VetoDrop, sentence
from pkplanner.scenario.resolve import ResolvedScenario

STOPPED = "the rules shown so far conflict; the search stopped at the time limit"
# what `Explainer.relaxation` finds: a change tested (its sentence comes from edits.py),
# written advice (QUALITATIVE, CAPACITY_ALL: nothing to apply), or "" for none
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
        m = build_model(prepare(sc, ignore=labels), "feasibility", skip=skip)
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

    def least(self, rule: str) -> precheck.Least:
        if rule not in self._least:
            self.check_time()
            self._least[rule] = precheck.Least(self.rs, self.settings(gap=0.0, warm_start=True),
                                               rule)
        return self._least[rule]

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
        for group, rule in LEAST.items():
            value = getattr(self.rs.scenario.rules, rule)
            if value is None or "structure" in groups:
                continue
            bound = self.cost_run(self.least(rule).lower_bound)
            if bound is not None and bound > value * (1 + 1e-7) + 1e-6:
                what = ("costs at least", " per month") if group == "budget" else (
                    "has a head count of at least", "")
                add(precheck.Proof((group,), {group: (
                    f"every force meeting the other rules {what[0]} {bound:,.0f}{what[1]} "
                    "(LP bound)")}))
                self.known = list(groups)
        return groups

    # ------------------------------------------------------------------ groups
    def families(self) -> dict[str, list[str]]:
        """Family -> its entity groups (empty list: the family is one rule)."""
        r = self.rs.scenario.rules
        d = prepare(self.rs.scenario)
        fam: dict[str, list[str]] = {label: [] for label in sorted(d.removed_by_veto)}
        zones_req = sorted({z for (z, _k, _r) in d.req})
        fam["requirement"] = [f"requirement.{z}" for z in zones_req]
        active = sorted({c for c, _u, _z in d.eligible})
        fam["capacity"] = [f"capacity.{c}" for c in active]
        if r.min_contingent > 0:
            fam["min_contingent"] = []
        if r.max_share < 1:
            fam["dominance.max_share"] = []
        if r.max_share_zone < 1:
            fam["dominance.max_share_zone"] = []
        caps = [g for g, v in r.group_caps.items() if v < 1]
        if caps:
            fam["dominance.group_caps"] = [f"dominance.group_caps.{g}" for g in caps]
        if r.min_contributors > 0:
            fam["dominance.min_contributors"] = []
        if r.min_contributors_zone >= 2:
            fam["dominance.min_contributors_zone"] = []
        floors = [p for p, v in r.acceptability_floor.items() if v > 0]
        if floors:
            fam["acceptability"] = [f"acceptability.{p}" for p in floors]
        arm = [p for p, v in r.armament_floor.items() if v > 0]
        if arm:
            fam["armament_acceptability"] = [f"armament_acceptability.{p}" for p in arm]
        if r.working_language:
            fam["language"] = [f"language.{z}" for z in d.zones]
        if r.lead_min_share > 0 or r.lead_min_acceptability > 0:
            fam["lead_nation"] = [f"lead_nation.{z}" for z in d.zones]
        size = (["size.min"] if r.personnel_min > 0 else []) + (
            ["size.max"] if r.personnel_max is not None else [])
        if size:
            fam["size"] = size
        if r.budget_per_month is not None:
            fam["budget"] = []
        if r.qrf_hours is not None and r.qrf_mandates:
            fam["qrf"] = [f"qrf.{z}" for z in d.zones]
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
        if group in LEAST:      # the MILP for the least value answers it as well
            st = self.cost_run(self.least(LEAST[group]).least)
            if st is None:
                return None
            if st.objective is not None:
                self.facts[group] = least_fact(group, st)
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

        def share(key: str, cur: float) -> Relaxation:
            v = self.search(100, math.floor(cur * 100), lambda k: self.feasible(
                set(), self.with_rules(**{key: k / 100})), 1)
            return RuleEdit(key, v / 100) if v is not None else ""

        def count(key: str, cur: int) -> Relaxation:
            hint = self.best.get(group)
            v = self.search(0, cur, lambda k: self.feasible(
                set(), self.with_rules(**{key: int(k)})), 1,
                int(hint) if hint is not None and hint < cur else None)
            return RuleEdit(key, int(v)) if v is not None else ""

        if group == "dominance.max_share":
            return share("max_share", r.max_share)
        if group == "dominance.max_share_zone":
            return share("max_share_zone", r.max_share_zone)
        if group.startswith("dominance.group_caps."):
            g = group.rsplit(".", 1)[1]
            v = self.search(100, math.floor(r.group_caps[g] * 100), lambda k: self.feasible(
                set(), self.with_rules(group_caps={**r.group_caps, g: k / 100})), 1)
            return RuleEdit("group_caps", {**r.group_caps, g: v / 100}) if v is not None else ""
        if group == "dominance.min_contributors":
            return count("min_contributors", r.min_contributors)
        if group == "dominance.min_contributors_zone":
            return count("min_contributors_zone", r.min_contributors_zone)
        if group == "min_contingent":
            return count("min_contingent", r.min_contingent)
        if group.startswith(("acceptability.", "armament_acceptability.")):
            key = "acceptability_floor" if group.startswith("acc") else "armament_floor"
            p = group.rsplit(".", 1)[1]
            floors = getattr(r, key)
            best = self.best.get(group)
            first = math.floor(best * 100 + 1e-9) if best is not None else None
            v = self.search(0, math.ceil(floors[p] * 100), lambda k: self.feasible(
                set(), self.with_rules(**{key: {**floors, p: k / 100}})), 1, first)
            return RuleEdit(key, {**floors, p: v / 100}) if v is not None else ""
        if group == "size.max" and r.personnel_max is not None:
            return self.least_relaxation(group)
        if group == "size.min":
            v = self.search(0, r.personnel_min, lambda x: self.feasible(
                set(), self.with_rules(personnel_min=int(x))), 1)
            return RuleEdit("personnel_min", int(v)) if v is not None else ""
        if group == "budget" and r.budget_per_month is not None:
            return self.least_relaxation(group)
        if group == "capacity":
            return CAPACITY_ALL
        return QUALITATIVE.get(group.split(".")[0], "")

    def least_relaxation(self, group: str) -> Relaxation:
        """The smallest budget (personnel_max) that works is the least cost (head count)
        with every other rule in force: one MILP, shared with the `alone` test, whose value
        is then tested as printed."""
        least = self.least(LEAST[group])
        st = least.solved or self.cost_run(least.least)
        if st is None or st.objective is None:
            return ""
        for v in dict.fromkeys((precheck.whole_number(st.objective), math.ceil(st.objective))):
            if self.cost_run(partial(least.holds, v)) is True:
                return (RuleEdit("budget_per_month", float(math.ceil(v))) if group == "budget"
                        else RuleEdit("personnel_max", math.ceil(v)))
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


LEAST = {"budget": "budget_per_month", "size.max": "personnel_max"}   # solved for directly


def least_fact(group: str, st: hs.RunStats) -> str:
    """What the least-value MILP proved, in words (the detail of a budget or size rule)."""
    what, unit = (("cost", " per month") if group == "budget" else ("head count", ""))
    assert st.objective is not None
    if precheck.exact(st):
        return (f"the least {what} of a force meeting every other rule is "
                f"{st.objective:,.0f}{unit}")
    low = f"at least {math.ceil(st.bound - 1e-6):,}{unit}; " if st.bound is not None else ""
    return (f"a force meeting every other rule has a {what} of {low}the least found is "
            f"{st.objective:,.0f}{unit}")


# A rule at these values is no rule at all. Dropping a rule by its value, not by skipping
# its rows, keeps every other row that reads the number right: with personnel_max=1000
# skipped, the lead-nation rows of karabakh_kcg_2014 C still used 1000 as their big-M, so
# "dropping personnel_max alone" wrongly tested infeasible.
NEUTRAL: dict[str, dict[str, Any]] = {
    "dominance.max_share": {"max_share": 1.0},
    "dominance.max_share_zone": {"max_share_zone": 1.0},
    "dominance.group_caps": {"group_caps": {}},
    "dominance.min_contributors": {"min_contributors": 0},
    "dominance.min_contributors_zone": {"min_contributors_zone": 0},
    "min_contingent": {"min_contingent": 0},
    "acceptability": {"acceptability_floor": {}},
    "armament_acceptability": {"armament_floor": {}},
    "language": {"working_language": None},
    "lead_nation": {"lead_min_share": 0.0, "lead_min_acceptability": 0.0},
    "size": {"personnel_min": 0, "personnel_max": None},
    "size.min": {"personnel_min": 0},
    "size.max": {"personnel_max": None},
    "budget": {"budget_per_month": None},
    "qrf": {"qrf_hours": None},
}
UNLIMITED_UNITS = 1000      # what "no capacity limit" offers of each unit type (as model.py)


def without(rs: ResolvedScenario, dropped: set[str]
            ) -> tuple[Any, frozenset[str], frozenset[str]]:
    """The scenario with `dropped` off: (scenario, veto and exclusion labels for
    `prepare`, groups for `build_model`'s skip). Rules with a neutral value take it;
    a contributor's capacity becomes unlimited in the data, so no row keeps its old
    numbers (x_upper also bounds the armament rows); only per-zone rows are skipped."""
    sc = rs.scenario
    labels = frozenset(g for g in dropped if g.startswith(("veto ", "exclude ")))
    update: dict[str, Any] = {}
    skip: set[str] = set()
    free: set[str] = set()
    for g in sorted(dropped - labels):
        fam, _, entity = g.rpartition(".")
        if g in NEUTRAL:
            update.update(NEUTRAL[g])
        elif fam == "dominance.group_caps":
            caps = update.get("group_caps", sc.rules.group_caps)
            update["group_caps"] = {k: v for k, v in caps.items() if k != entity}
        elif fam in ("acceptability", "armament_acceptability"):
            key = "acceptability_floor" if fam == "acceptability" else "armament_floor"
            floors = update.get(key, getattr(sc.rules, key))
            update[key] = {k: v for k, v in floors.items() if k != entity}
        elif g == "capacity" or fam == "capacity":
            free |= {c.id for c in sc.contributors} if g == "capacity" else {entity}
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


QUALITATIVE = {
    "requirement": "lower the zone's requirement (threat, line length, population) or allow "
                   "another mandate there",
    "capacity": "obtain more units or personnel from this contributor",
    "language": "lower language_share or add contributors who speak the working language",
    "lead_nation": "lower lead_min_share or lead_min_acceptability",
    "qrf": "raise qrf_hours or allow quick-reaction units nearer this zone",
}


CAPACITY_ALL = "obtain more units or personnel from the contributors"
# written advice, not a change tested as printed (the CLI labels these "suggestion")
SUGGESTIONS = frozenset([*QUALITATIVE.values(), CAPACITY_ALL])


def describe(rs: ResolvedScenario, group: str) -> str:
    r = rs.scenario.rules
    if group.startswith("veto "):
        return group[len("veto "):].replace("->", " vetoes ")
    if group.startswith("exclude "):
        return f"option {rs.option.id} excludes group {group[len('exclude '):]}"
    fam, _, entity = group.partition(".")
    if group.startswith("dominance."):
        fam, _, entity = group.partition(".")[2].partition(".")
        fam = f"dominance.{fam}"
    whole = {       # a family named as a whole (too many entities, or a stop mid-search)
        "dominance.group_caps": "the group caps",
        "acceptability": "the parties' acceptability floors",
        "armament_acceptability": "the parties' armament floors",
        "language": f"working language {r.working_language} in every zone "
                    f"(share {r.language_share})",
        "lead_nation": "a lead nation in every deployed zone",
        "size": "the force's size limits",
        "qrf": f"QRF within {r.qrf_hours} h of every zone that needs one",
    }
    if not entity and fam in whole:
        return whole[fam]
    texts = {
        "structure": "the zones' allowed mandates and armament levels admit no plan even "
                     "with every rule dropped",
        "dominance.max_share": f"no contributor above max_share {r.max_share}",
        "dominance.max_share_zone": f"no contributor above max_share_zone {r.max_share_zone} "
                                    "of a zone",
        "dominance.group_caps": f"group {entity} at most {r.group_caps.get(entity)} of the force",
        "dominance.min_contributors": f"at least {r.min_contributors} contributors",
        "dominance.min_contributors_zone": f"at least {r.min_contributors_zone} contributors "
                                           "in each zone",
        "acceptability": f"{entity}'s acceptability floor "
                         f"{r.acceptability_floor.get(entity)}",
        "armament_acceptability": f"{entity}'s armament floor {r.armament_floor.get(entity)}",
        "language": f"working language {r.working_language} in {entity} "
                    f"(share {r.language_share})",
        "lead_nation": f"a lead nation in {entity} with share >= {r.lead_min_share} and "
                       f"acceptability >= {r.lead_min_acceptability}",
        "size": f"personnel at least {r.personnel_min}" if entity == "min" else
                f"personnel at most {r.personnel_max}",
        "budget": f"budget {r.budget_per_month:,} per month" if r.budget_per_month else "budget",
        "min_contingent": f"a minimum contingent of {r.min_contingent}",
        "capacity": f"what {entity} offers (units and max_personnel)" if entity else
                    "what the contributors offer",
        "requirement": f"the requirement of zone {entity}" if entity else
                       "the zones' requirements",
        "qrf": f"QRF within {r.qrf_hours} h of {entity}",
    }
    return texts.get(fam, group)


def explanation(rs: ResolvedScenario, deadline: float | None = None,
                time_limit: float = 20.0, known_infeasible: bool = False) -> Explanation:
    """Explain an infeasible scenario within `deadline` (a time.monotonic() value; None:
    no deadline); `time_limit` bounds each solver run. `known_infeasible` skips the first
    feasibility test when the caller's own solve has just proven it. No conflicts: a plan
    exists, or nothing was proven (the note says which)."""
    t0 = time.monotonic()
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
