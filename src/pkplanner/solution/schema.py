"""The solution file (`solution.json`, `schema_version: 1`) as pydantic models.

`results.solution_document` writes the file as a plain dict, so that the app, reports and
batch stores all read the same numbers; these models are its published shape, for
`pkplanner schema solution` and for anyone (or any test) checking a written file. They
are strict about the core record types (an integer head count written as "2" or 2.5 is a
bug) and open where the document has extension blocks (`solver`, `iterations`,
`sensitivity`, and new top-level keys), so adding a key there breaks no reader.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pkplanner.scenario.schema import Rules

Status = Literal["optimal", "feasible", "infeasible", "no_solution", "error"]
Count = Annotated[int, Field(ge=0)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class _Closed(BaseModel):
    """A record whose keys are all known: an unexpected key means the writer changed."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class _Open(BaseModel):
    """An extension block: pkplanner may add keys here without a schema_version bump."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)


class ScenarioRef(_Closed):
    """Which scenario was solved, so a solution can be re-checked against the right file."""

    name: str = Field(description="The scenario's `name`.")
    sha256: str = Field(description="SHA-256 of the scenario file's bytes, followed by one "
                                    "`# --set path=value` line per override when there are "
                                    "any.")
    path: str = Field(description="Path of the scenario file as given on the command line.")


class ObjectiveResult(_Closed):
    """What was optimised and the value reached."""

    kind: Literal["cost", "acceptability", "coverage"] = Field(
        description="The objective: cost, acceptability or coverage.")
    value: float | None = Field(
        description="Its value: cost per month on the rules' cost_basis (cost: the mission "
                    "cost, totals.cost_per_month, or the national cost, "
                    "totals.national_cost_per_month, plus priced transport; with soft "
                    "requirements it includes the shortfall penalty), the smallest party "
                    "acceptability 0..1 "
                    "(acceptability), the weighted requirement shortfall (coverage). Null "
                    "without a plan.")


class RequirementResult(_Closed):
    """One capability a deployed zone needs under its mandate, against what the plan sends."""

    required: float = Field(description="Amount the mandate needs in the zone, after the "
                                        "threat multiplier (rounded up when units provide "
                                        "whole amounts).")
    provided: float = Field(description="Amount the units allocated to the zone provide.")


class ZoneResult(_Closed):
    """The plan for one zone of the scenario."""

    zone: str = Field(description="Zone id.")
    deployed: bool = Field(description="Whether the force deploys to the zone (always true "
                                       "for a required zone).")
    mandate: str | None = Field(description="Mandate chosen for the zone; null when not "
                                            "deployed.")
    armament: str | None = Field(description="Armament level chosen for the zone; null when "
                                             "not deployed.")
    personnel: Count = Field(description="People deployed in the zone.")
    lead: str | None = Field(description="Lead nation of the zone (a contributor id); null "
                                         "when not deployed or when no contributor qualifies.")
    requirements: dict[str, RequirementResult] = Field(
        description="Capability -> required and provided amounts; empty when not deployed.")


class Allocation(_Closed):
    """Units of one type that one contributor sends to one zone."""

    contributor: str = Field(description="Contributor id.")
    zone: str = Field(description="Zone id.")
    unit_type: str = Field(description="Unit type id.")
    units: Count = Field(description="Number of whole units.")
    personnel: Count = Field(description="People in those units (units x the type's "
                                         "personnel).")


class ContributorResult(_Closed):
    """What one contributor sends in total and what it costs."""

    contributor: str = Field(description="Contributor id.")
    personnel: Count = Field(description="People it sends, over all zones.")
    share: Share = Field(description="Its share 0..1 of the whole force's personnel.")
    cost_per_month: float = Field(description="Its personnel x its cost_per_person_month: "
                                              "what the mission budget pays for it per "
                                              "month, in the scenario's currency.")
    national_cost_per_month: float | None = Field(
        None, description="Its personnel x its national_cost_per_person_month: what its people "
                          "cost the state itself per month. Left out when the scenario gives "
                          "no national cost for it.")


class Totals(_Closed):
    """The whole force in three numbers."""

    personnel: Count = Field(description="People in the force (0 without a plan).")
    cost_per_month: float = Field(description="What the force costs the mission budget per "
                                              "month (the contributors' cost_per_month), in "
                                              "the scenario's currency (0 without a plan).")
    national_cost_per_month: float | None = Field(
        None, description="What the force costs the contributing states per month (their "
                          "national_cost_per_month); left out unless every contributor in "
                          "the plan has a national cost.")
    contributors: Count = Field(description="Contributors that send anyone (0 without a "
                                            "plan).")


class RuleEditRecord(_Closed):
    """A relaxation that sets one rules key, as `--set rules.KEY=VALUE` does."""

    kind: Literal["rule"] = Field(description="`rule`: set a rules key.")
    key: str = Field(description="The rules key, e.g. `max_share`, `acceptability_floor`, "
                                 "`exclude_groups`.")
    value: Any = Field(description="The key's whole new value: a number, or for "
                                   "`acceptability_floor`, `armament_floor`, `group_caps` "
                                   "the whole mapping and for `exclude_groups` the whole list, "
                                   "computed from the rules the conflict was found under with "
                                   "one entry changed.")


class VetoDropRecord(_Closed):
    """A relaxation that removes one veto from the scenario."""

    kind: Literal["veto"] = Field(description="`veto`: remove a veto.")
    party: str = Field(description="The party that holds the veto.")
    contributor: str | None = Field(description="The contributor vetoed; null when the veto "
                                                "is on a group.")
    group: str | None = Field(description="The group vetoed; null when the veto is on a "
                                          "contributor.")
    zones: list[str] = Field(description="The veto's zones as the scenario lists them; "
                                         "empty when it applies everywhere.")


EditRecord = Annotated[RuleEditRecord | VetoDropRecord, Field(discriminator="kind")]


class ConflictRecord(_Closed):
    """One rule of the conflicting set the explanation found, so a planner knows what to
    change; `alone` says whether changing this one rule is enough."""

    rule: str = Field(description="The rule group, e.g. `veto AM->TUR`, "
                                  "`dominance.max_share`, `acceptability.AM`.")
    detail: str = Field(description="The rule in the scenario's own terms, e.g. "
                                    "`AM vetoes TUR`.")
    relaxation: str = Field(description="A change to this rule alone that restores a plan, "
                                        "e.g. `raise max_share to 0.34`, tested at the value "
                                        "given; empty when none was found.")
    alone: bool | None = Field(None, description="Whether dropping this rule alone, every "
                                                 "other rule in force, restores a plan; null "
                                                 "when not tested.")
    edit: EditRecord | None = Field(
        None, description="The relaxation as data, the change that was tested: what an "
                          "application applies (never parse `relaxation`). Absent for "
                          "written advice, when no relaxation was found, and in older files.")


class SolverInfo(_Open):
    """How the plan was found; more keys may appear (open block)."""

    name: str = Field(description="Solver name: highs.")
    version: str = Field(description="HiGHS version.")
    seconds: float = Field(description="Wall-clock seconds of the whole solve (build, start "
                                       "heuristic, HiGHS).")
    solve_seconds: float | None = Field(None, description="Seconds spent in HiGHS.")
    build_seconds: float | None = Field(None, description="Seconds spent building the model.")
    threads: int | None = Field(None, description="HiGHS threads (`--threads`).")
    seed: int | None = Field(None, description="HiGHS random seed of the run that won; "
                                               "repeat it with `--racers 1 --seed`.")
    racers: int | None = Field(None, description="Seeds raced in parallel (`--racers`).")
    start_objective: float | None = Field(
        None, description="Objective of the starting plan handed to HiGHS; null when none was "
                          "found or used.")
    pkplanner: str | None = Field(None, description="pkplanner version that wrote the file.")
    pyomo: str | None = Field(None, description="Pyomo version the model was built with; "
                                                "older files lack it.")
    bound: float | None = Field(None, description="Best bound on the objective HiGHS proved; "
                                                  "null when it proved none.")
    error: str | None = Field(None, description="Status error only: what the solver said "
                                                "(e.g. `HiGHS: ...`).")


class Iteration(_Open):
    """One solve of a multi-stage objective; more keys may appear (open block)."""

    status: str = Field(description="Status of this solve (optimal, feasible, infeasible, "
                                    "no_solution).")
    floor: float | None = Field(None, description="acceptability: the common acceptability "
                                                  "floor tried.")
    stage: str | None = Field(None, description="`least cost` (acceptability: the final "
                                                "cost solve at the best floor) or `coverage` "
                                                "(coverage: the shortfall stage).")
    bracket: list[float] | None = Field(
        None, description="acceptability, final stage: [reached, proven upper end] of the "
                          "best common floor (the upper end is a proof: a test that timed "
                          "out does not lower it).")
    stopped: str | None = Field(None, description="acceptability, final stage: `time limit` "
                                                  "when the bisection was cut short.")
    shortfall: float | None = Field(None, description="coverage: the least weighted "
                                                      "shortfall found.")


class SensitivityRecord(_Open):
    """What one binding rule costs: the rule relaxed one step and the case re-solved."""

    rule: str = Field(description="The binding rule, e.g. `acceptability.AM`.")
    parameter: str = Field(description="The rules key relaxed, e.g. `acceptability_floor.AM`.")
    from_: Any = Field(alias="from", description="Its value in the solved case.")
    to: Any = Field(description="The relaxed value.")
    objective_change: float | None = Field(
        description="Objective of the re-solve minus the plan's objective; null when the "
                    "re-solve found no plan.")
    status: str = Field(description="Status of the re-solve.")
    note: str = Field(description="Why the change may not be exact (re-solve not optimal, "
                                  "its gap); empty otherwise.")


class ExplanationInfo(_Closed):
    """How the conflicts of an infeasible case were found, and whether the search ended."""

    complete: bool = Field(description="False when the time limit stopped the search: the "
                                       "conflicts listed hold, others may be missing.")
    note: str = Field(description="What the planner should know beyond the list; may be "
                                  "empty.")
    tests: int = Field(description="Solver runs the explanation made.")
    seconds: float = Field(description="Wall-clock seconds the explanation took.")


class FlowRecord(_Closed):
    """Supplies one route carries a day, in their net direction (logistics on)."""

    route: str = Field(description="The route's id, or `<from>-<to>`.")
    from_: str = Field(alias="from", description="Where the supplies come from.")
    to: str = Field(description="Where they go.")
    km: float = Field(description="The route's length (km).")
    tonnes_per_day: float = Field(ge=0, description="Tonnes carried a day.")
    capacity_tpd: float | None = Field(description="Tonnes a day it carries at most; null: "
                                                   "no limit.")
    utilisation: float | None = Field(description="tonnes_per_day / capacity_tpd.")


class HubFlow(_Closed):
    """Supplies one hub sends a day."""

    hub: str = Field(description="Hub id.")
    tonnes_per_day: float = Field(ge=0, description="Tonnes sent a day, net.")
    capacity_tpd: float | None = Field(description="Its throughput: capacity_personnel x "
                                                   "supply per person; null: no limit.")
    utilisation: float | None = Field(description="tonnes_per_day / capacity_tpd.")


class LogisticsResult(_Open):
    """What sustaining the plan takes (logistics on)."""

    supply_t_per_person_day: float = Field(description="Tonnes a person needs a day.")
    demand_tpd: float = Field(description="Tonnes a day for the whole force.")
    tonne_km_per_day: float = Field(description="Tonne-km moved a day over the flows.")
    transport_cost_per_month: float = Field(
        description="Cost of those moves a month (in the cost objective's value, not in "
                    "totals.cost_per_month); 0 when transport is not priced.")
    hubs: list[HubFlow] = Field(description="One record per hub.")


class CompanionPlan(_Closed):
    """The plan under the other robust budget (only when the scenario has uncertain scores):
    the nominal plan beside a robust one, or the robust plan at Γ = 1 beside a nominal one,
    so the price of robustness can be read off one file."""

    role: Literal["nominal", "robust"] = Field(
        description="`nominal`: the rules ask for robustness and this is the plan at Γ = 0; "
                    "`robust`: the rules do not, and this is the plan at Γ = 1 for every "
                    "party with an uncertain score.")
    robust_budget: dict[str, float] = Field(description="Party -> the Γ it was solved with.")
    status: Literal["optimal", "feasible", "infeasible", "no_solution", "error", "not run"] = (
        Field(description="Status of the companion solve; `not run` when the time limit "
                          "left no room for it."))
    note: str | None = Field(None, description="Why the companion is missing or incomplete.")
    seconds: float | None = Field(None, description="Wall-clock seconds of its solve.")
    mip_gap: float | None = Field(None, description="As the top-level key, for this plan.")
    objective: ObjectiveResult | None = Field(None, description="As the top-level key.")
    zones: list[ZoneResult] = Field(default_factory=list, description="As the top-level key.")
    allocations: list[Allocation] = Field(default_factory=list,
                                          description="As the top-level key.")
    contributors: list[ContributorResult] = Field(default_factory=list,
                                                  description="As the top-level key.")
    acceptability: dict[str, Share] = Field(default_factory=dict,
                                            description="As the top-level key.")
    armament_acceptability: dict[str, Share] = Field(default_factory=dict,
                                                     description="As the top-level key.")
    totals: Totals | None = Field(None, description="As the top-level key.")
    flows: list[FlowRecord] | None = Field(None, description="As the top-level key.")
    logistics: LogisticsResult | None = Field(None, description="As the top-level key.")


# the companion's keys that are the top-level keys of its own plan (the rest say what it is)
COMPANION_PLAN_KEYS = tuple(k for k in CompanionPlan.model_fields
                            if k not in ("role", "robust_budget", "note", "seconds"))


class PhasePlan(_Closed):
    """One phase of a phased plan: when it runs, what it hands over, and its plan in the
    single-period keys' shapes."""

    id: str = Field(description="The phase's id.")
    name: str = Field(description="Its display name (may be empty).")
    months: float = Field(description="Its length in months.")
    start_day: float = Field(description="Days from the start of the deployment to its "
                                         "first (365/12 days a month), to 3 decimals.")
    handed_over: list[str] = Field(description="Zones handed over in it or before.")
    local_police: dict[str, int] = Field(description="Zone -> local police officers in it "
                                                     "(zones with any).")
    zones: list[ZoneResult] = Field(description="As the top-level key, for this phase.")
    allocations: list[Allocation] = Field(description="As the top-level key.")
    contributors: list[ContributorResult] = Field(description="As the top-level key.")
    acceptability: dict[str, Share] = Field(description="As the top-level key.")
    armament_acceptability: dict[str, Share] = Field(description="As the top-level key.")
    totals: Totals = Field(description="As the top-level key.")
    binding: list[str] = Field(description="As the top-level key: the phase's own rules "
                                           "at their limit.")
    flows: list[FlowRecord] | None = Field(None, description="As the top-level key.")
    logistics: LogisticsResult | None = Field(None, description="As the top-level key.")


class Reentry(_Closed):
    """A contributor back in a zone it left in an earlier phase, and what that costs."""

    phase: str = Field(description="The phase it comes back in.")
    contributor: str = Field(description="Contributor id.")
    zone: str = Field(description="Zone id.")
    personnel: Count = Field(description="People it brings back.")
    cost: float = Field(description="personnel x transition.reentry_cost_per_person.")


class RotationCohort(_Closed):
    """Posts of one unit type one contributor held from one phase through another."""

    contributor: str = Field(description="Contributor id.")
    unit_type: str = Field(description="Unit type id.")
    from_: str = Field(alias="from", description="Phase the posts were taken up in.")
    to: str = Field(description="Last phase they are held in.")
    posts: Count = Field(description="Posts held over that span.")
    units: Count = Field(description="Units they take from the holdings: posts x one per "
                                     "`rotation_months` begun.")


class TransitionResult(_Closed):
    """What links the phases in the plan found."""

    rules: dict[str, Any] = Field(description="The scenario's `transition` block.")
    reentries: list[Reentry] = Field(description="Returns to a zone after an absence.")
    rotations: list[RotationCohort] = Field(
        description="Rotation cohorts (only with `rotation_months`).")
    binding: list[str] = Field(description="Transition rules at their limit, e.g. "
                                           "`transition.drawdown.<phase>`.")


class BenchmarkResult(_Closed):
    """The scenario's `benchmark` (a force actually deployed) and the plan's size against it."""

    name: str = Field(description="What the benchmark force was.")
    personnel: int = Field(description="Its strength in personnel.")
    year: int | None = Field(description="The year of the figure; null when not given.")
    source: str = Field(description="Where the figure comes from.")
    tolerance: float = Field(description="The relative distance the report calls close.")
    ratio: float | None = Field(description="The plan's personnel divided by the benchmark's, "
                                            "rounded to 4 decimals; null without a plan.")


class SolutionFile(_Open):
    """A `solution.json` as `pkplanner solve` writes it (`schema_version: 1`): the plan, the
    rules it was made under, and enough provenance to re-check it with `pkplanner verify`.
    Top-level keys beyond these may appear in later versions (open block)."""

    schema_version: Literal[1] = Field(description="Version of the file format; 1.")
    scenario: ScenarioRef = Field(description="The scenario solved.")
    option: str = Field(description="Id of the planning option applied.")
    objective: ObjectiveResult = Field(description="Objective and the value reached.")
    status: Status = Field(
        description="optimal (gap proven), feasible (a plan, stopped at a limit), infeasible "
                    "(no plan exists: see conflicts), no_solution (none found within the "
                    "time limit) or error (the solver failed; no plan).")
    mip_gap: float | None = Field(description="Relative gap between the plan and the best "
                                              "bound; null without a plan.")
    rules: Rules = Field(description="The effective rules: the scenario's, then the planning "
                                     "option's, then `--set rules.*` overrides.")
    overrides: dict[str, Any] = Field(description="The `--set` overrides of the run: dotted "
                                                  "path -> value; empty without any.")
    zones: list[ZoneResult] = Field(description="One record per zone, in the scenario's "
                                                "order; empty without a plan.")
    allocations: list[Allocation] = Field(description="Units by contributor, zone and unit "
                                                      "type; empty without a plan.")
    contributors: list[ContributorResult] = Field(
        description="Contributors that send anyone, largest first; empty without a plan.")
    acceptability: dict[str, Share] = Field(
        description="Party -> personnel-weighted acceptability 0..1 of the force (zone "
                    "overrides apply); empty without a plan.")
    armament_acceptability: dict[str, Share] = Field(
        description="Party -> zone-weight-weighted acceptability 0..1 of the armament levels "
                    "chosen; empty without a plan.")
    totals: Totals = Field(description="Personnel, monthly cost and number of contributors.")
    binding: list[str] = Field(
        description="Rules that hold with no slack in the plan, as family.subject names "
                    "(e.g. `requirement.north.presence`, `acceptability.AM`; "
                    "`capacity.units.ALB.eod_platoon`: an offer used up).")
    conflicts: list[ConflictRecord] = Field(
        description="When infeasible: the rules that take part in the conflict, each saying "
                    "whether dropping it alone restores a plan (`alone`); empty otherwise.")
    solver: SolverInfo = Field(description="Solver, versions, seeds and timings.")
    iterations: list[Iteration] = Field(
        default_factory=list,
        description="Only for the acceptability and coverage objectives: one record per "
                    "solve of the bisection or of the stages.")
    explanation: ExplanationInfo | None = Field(
        None, description="Only when infeasible: how the conflicts were found.")
    sensitivity: list[SensitivityRecord] = Field(
        default_factory=list,
        description="Only with `solve --sensitivity`: one record per binding rule relaxed "
                    "one step.")
    flows: list[FlowRecord] | None = Field(
        None, description="Only with `logistics` in the scenario: the supplies each route "
                          "carries a day, one record per route that carries any.")
    logistics: LogisticsResult | None = Field(
        None, description="Only with `logistics` in the scenario: demand, transport and "
                          "what each hub sends.")
    companion: CompanionPlan | None = Field(
        None, description="Only from `solve` (and the app) when some acceptability score is "
                          "a range: the plan under the other robust budget, for the price "
                          "of robustness.")
    phases: list[PhasePlan] | None = Field(
        None, description="Only for a scenario with `phases`: each phase's plan, in order "
                          "(the single-period keys hold the first's; `objective.value` is "
                          "the whole plan's cost). Empty without a plan.")
    benchmark: BenchmarkResult | None = Field(
        None, description="Only when the scenario has a `benchmark`: that force and the "
                          "plan's personnel against it (for a phased plan, the first "
                          "phase's).")
    transition: TransitionResult | None = Field(
        None, description="Only for a phased plan: re-entries, rotation cohorts and the "
                          "transition rules at their limit.")
