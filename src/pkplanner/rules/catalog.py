"""The rule catalog: what each constraint family is, when it is in force, how it is named to a
planner, how it is relaxed and stepped, whether it can bind, and its rows in the constraint
audit. One entry per family; the family's name, its section number in models/formulation.md
and its meaning are the entry's `Family`.

The model builder names its components after the family (`family_of`); the explanation
reads `groups`, `describe`, `drop`, `relax` and `advice`; sensitivity reads `step`; the
solver's binding list reads `binds`; the report's audit reads `audit`; the app reads
`label` and `at_limit`; docs/rules.md is written from it (`pkplanner rules`). So a new
family is a schema field, an entry here, a builder in engine/model.py and a check in
verify/check.py, plus its section in models/formulation.md (tests/test_registry.py fails
until each is there). The verifier does not read this file: it restates each rule on
purpose (it is the independent check).

Relaxations are data (`Relax`: which key, which way, down to what, on what grid), not
sentences: the explanation searches the grid, and edits.py writes the sentence from the
edit it found. No pyomo and no pandas here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pkplanner.rules.audit import TOL, Check, PlanView, fmt_money, fmt_pp, gamma_of, state
from pkplanner.scenario.schema import Rules, Transition


@dataclass(frozen=True)
class Family:
    name: str          # dotted name used in reports: "dominance.max_share"
    number: int        # section number in models/formulation.md
    meaning: str

    @property
    def component(self) -> str:
        """Pyomo component name (dots are not allowed in Pyomo names)."""
        return self.name.replace(".", "_")


@dataclass(frozen=True)
class Scope:
    """What a family's groups range over in one scenario: the explanation builds it from the
    model data, so the catalog stays free of the engine."""

    rules: Rules
    option: str
    zones: tuple[str, ...]
    required_zones: tuple[str, ...]     # zones with a capability requirement
    contributors: tuple[str, ...]       # contributors eligible somewhere
    logistics: tuple[str, ...] | None = None   # "route.<name>", "hub.<id>" with a limit;
                                               # None: the scenario has no logistics
    transition: tuple[str, ...] | None = None  # the transition rules in force
                                               # (transition_rules); None: no phases
    parties: tuple[str, ...] = ()               # the scenario's parties


@dataclass(frozen=True)
class Relax:
    """How one rule is relaxed: set rules.`key` from its current value toward `far`, trying
    values on a grid of 1/`grid` (100: steps of 0.01). `per_entity`: the key maps an entity
    (a party, a group) to its value and only that entry moves. `least`: the least value
    that works is solved for directly (a least-cost or least-head-count MILP), not searched;
    `measure`, `unit` and `at_least` word what it proves."""

    key: str
    direction: Literal["raise", "lower"]
    far: float | None
    grid: int = 1
    per_entity: bool = False
    least: bool = False
    measure: str = ""
    unit: str = ""
    real: bool = False              # the key holds a real number, even on a whole grid
    at_least: str = ""              # "every force meeting the other rules {at_least} N"
    target: str = ""                # a per-entity key's entry in words: "{}'s floor"

    def sentence(self, value: Any, entity: str = "") -> str:
        """The edit in words: "raise max_share to 0.34", "lower AM's floor to 0.40"."""
        what = self.target.format(entity) if self.per_entity else self.key
        v = value[entity] if self.per_entity else value
        shown = (f"{v:.2f}" if self.grid != 1 else f"{math.ceil(v):,}" if self.real
                 else f"{math.ceil(v)}")
        return f"{self.direction} {what} to {shown}"

    def current(self, rules: Rules, entity: str) -> float:
        v = getattr(rules, self.key)
        return float(v.get(entity, 0.0) if self.per_entity and isinstance(v, dict) else v)

    def near(self, rules: Rules, entity: str) -> int:
        """The current value in grid units, rounded to the tight side (never claimed)."""
        units = self.current(rules, entity) * self.grid
        return math.floor(units) if self.direction == "raise" else math.ceil(units)

    def hint(self, best: float | None, rules: Rules, entity: str) -> int | None:
        """A precheck's proven best value, in grid units, when it lies on the relaxed side."""
        if best is None:
            return None
        units = best * self.grid
        k = math.floor(units + 1e-9) if self.direction == "lower" else math.ceil(units - 1e-9)
        return k if (k < self.near(rules, entity) if self.direction == "lower"
                     else k > self.near(rules, entity)) else None

    def value(self, rules: Rules, entity: str, units: float) -> Any:
        """The whole new value of the key for a grid point (what RuleEdit carries)."""
        v: Any = int(units) if self.grid == 1 and not self.real else units / self.grid
        if self.per_entity:
            cur = getattr(rules, self.key)
            return {**(cur if isinstance(cur, dict) else {}), entity: v}
        return v


@dataclass(frozen=True)
class Step:
    """Sensitivity's one step for a binding rule, in the rule's own units: add `amount`
    (or multiply by it), never past `clip`; whole-number rules move to a whole number."""

    key: str
    how: Literal["add", "times"]
    amount: float
    clip: float | None = None
    digits: int | None = 4
    whole: bool = False
    per_entity: bool = False

    def current(self, rules: Rules, entity: str) -> Any:
        v = getattr(rules, self.key)
        return v[entity] if self.per_entity else v

    def to(self, cur: float) -> float:
        new = cur + self.amount if self.how == "add" else cur * self.amount
        up = new > cur
        if self.whole:
            new = math.floor(new) + (1 if up and self.how == "times" else 0)
        elif self.digits is not None:
            new = round(new, self.digits)
        if self.clip is not None:
            new = min(new, self.clip) if up else max(new, self.clip)
        return new

    def update(self, rules: Rules, entity: str, new: float) -> dict[str, Any]:
        if self.per_entity:
            return {self.key: {**getattr(rules, self.key), entity: new}}
        return {self.key: new}

    def label(self, entity: str) -> str:
        return f"{self.key}.{entity}" if self.per_entity else self.key


Groups = Callable[[Scope], list[str] | None]
Describe = Callable[[Rules, str], str]


@dataclass(frozen=True)
class Entry:
    """One family. `groups(scope)`: None when the family is not in force; [] when it is one
    rule; else its groups by entity ("acceptability.AM"), which the explanation may drop
    one at a time. `neutral`: the rules values at which the whole family is no rule at all
    (dropping by value keeps every other row that reads the number right); `drop`: how one
    entity group is dropped ("entry": its key entry goes, "free": the contributor's offer
    becomes unlimited, "rows": its rows are skipped, "neutral": `entity_neutral` applies).
    `relax`: by entity (None: any entity); `advice`: written advice when no value relaxes
    it, by entity (None: the family as a whole)."""

    family: Family
    label: str                           # a few words a planner reads (app, audit)
    keys: tuple[str, ...]                # the rules keys that set it
    groups: Groups | None                # None: never dropped on its own (structure)
    describe: Describe | None = None     # the rule in the scenario's own terms
    whole: Callable[[Rules], str] | None = None   # the family named as a whole
    neutral: Mapping[str, Any] = field(default_factory=dict)
    drop: Literal["entry", "free", "rows", "neutral"] = "rows"
    entity_neutral: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    relax: Mapping[str | None, Relax] = field(default_factory=dict)
    advice: Mapping[str | None, str] = field(default_factory=dict)
    step: Mapping[str | None, Step] = field(default_factory=dict)
    binds: bool = False                  # can appear in the solver's binding list
    at_limit: str = ""                   # what a binding instance means, in words
    filter: str = ""                     # enforced by leaving choices out, not by a row
    reads: str = ""                      # what else in a scenario it reads, in words
    audit: Callable[[PlanView], list[Check]] | None = None   # its constraint-audit rows

    @property
    def name(self) -> str:
        return self.family.name

    def relax_for(self, entity: str) -> Relax | None:
        """The relaxation of one group; None for a per-entity key named as a whole."""
        rx = self.relax.get(entity) or self.relax.get(None)
        return None if rx is None or (rx.per_entity and not entity) else rx

    def step_for(self, entity: str) -> Step | None:
        st = self.step.get(entity) or self.step.get(None)
        return None if st is None or (st.per_entity and not entity) else st

    def advice_for(self, entity: str) -> str:
        """Advice keyed "" is for the family named as a whole, None for any group."""
        return self.advice[entity] if entity in self.advice else self.advice.get(None, "")


def _each(names: Callable[[Scope], tuple[str, ...] | list[str]], family: str
          ) -> Groups:
    return lambda s: [f"{family}.{e}" for e in names(s)]


def _if(test: Callable[[Rules], bool], groups: Groups | None = None) -> Groups:
    return lambda s: (groups(s) if groups else []) if test(s.rules) else None


def _size_groups(s: Scope) -> list[str] | None:
    r = s.rules
    out = (["size.min"] if r.personnel_min > 0 else []) + (
        ["size.max"] if r.personnel_max is not None else [])
    return out or None


# --------------------------------------------------------------------------- audit rows
# Each family's rows of the report's constraint audit, recomputed from the plan: a rule not
# in force has none. Rows are worded in the rules' own keys ("max_share", "group_caps.eu").


def _audit_one_mandate(v: PlanView) -> list[Check]:
    r = v.sc.rules
    if r.mandates is None:
        return []
    used = sorted({z["mandate"] for z in v.deployed if z["mandate"]})
    bad = [k for k in used if k not in r.mandates]
    return [Check("mandates", "zones take only the option's mandates", ", ".join(used),
                  ", ".join(r.mandates), "-", "VIOLATED" if bad else "holds")]


def _audit_one_armament(v: PlanView) -> list[Check]:
    r = v.sc.rules
    if r.max_armament is None or r.max_armament not in v.rank:
        return []
    top = max((v.rank.get(z["armament"], -1) for z in v.deployed), default=-1)
    room = v.rank[r.max_armament] - top
    return [Check("max_armament", "no zone armed above the option's level",
                  v.levels[top] if top >= 0 else "-", r.max_armament, f"{room} level(s)",
                  "VIOLATED" if room < 0 else "binding" if room == 0 else "slack")]


def _audit_mandate_armament(v: PlanView) -> list[Check]:
    if not v.deployed:
        return []
    outside = []
    for z in v.deployed:
        k = v.mandate.get(z["mandate"] or "")
        lv = v.rank.get(z["armament"] or "", -1)
        if k is None or not v.rank.get(k.min_armament, 0) <= lv <= v.rank.get(
                k.max_armament, len(v.levels)):
            outside.append(z["zone"])
    n = len(v.deployed)
    return [Check("mandate_armament", CATALOG["mandate_armament"].family.meaning,
                  f"{n - len(outside)} of {n} zones in band"
                  + (f" (outside: {', '.join(outside)})" if outside else ""),
                  "the mandate's min_armament..max_armament", "-",
                  "VIOLATED" if outside else "holds")]


def _audit_unit_armament(v: PlanView) -> list[Check]:
    if not v.allocs:
        return []
    level = {z["zone"]: v.rank.get(z["armament"] or "", -1) for z in v.deployed}
    above = sorted({f"{a['unit_type']} in {a['zone']}" for a in v.allocs
                    if int(a["units"]) > 0 and a["unit_type"] in v.unit
                    and v.rank.get(v.unit[a["unit_type"]].armament, 0)
                    > level.get(a["zone"], -1)})
    return [Check("unit_armament", CATALOG["unit_armament"].family.meaning,
                  f"{len(v.allocs) - len(above)} of {len(v.allocs)} allocations fit"
                  + (f" (not: {', '.join(above)})" if above else ""),
                  "unit level ≤ zone level", "-", "VIOLATED" if above else "holds")]


def _audit_veto(v: PlanView) -> list[Check]:
    r = v.sc.rules
    out = []
    if r.exclude_groups:
        hit = sorted(c for c in v.pc if set(v.groups_of(c)) & set(r.exclude_groups))
        out.append(Check("exclude_groups", "no contributor from an excluded group",
                         ", ".join(hit) or "none deployed", ", ".join(r.exclude_groups), "-",
                         "VIOLATED" if hit else "holds"))
    for veto in v.sc.vetoes:
        target = veto.contributor or f"group {veto.group}"
        who = {c for c in v.pc if c == veto.contributor or (
            veto.group is not None and veto.group in v.groups_of(c))}
        zones = set(veto.zones) if veto.zones else set(v.zone)
        hit = [a for a in v.allocs if a["contributor"] in who and a["zone"] in zones]
        where = f" in {', '.join(veto.zones)}" if veto.zones else ""
        out.append(Check(f"veto {veto.party}->{target}{where}",
                         f"{veto.party} vetoes {target}{where}",
                         "deployed there" if hit else "not deployed there", "none", "-",
                         "VIOLATED" if hit else "holds"))
    return out


def _audit_requirement(v: PlanView) -> list[Check]:
    reqs = [(z["zone"], cap, float(q["required"]), float(q["provided"]))
            for z in v.deployed for cap, q in (z.get("requirements") or {}).items()]
    if not reqs:
        return []
    worst = min(reqs, key=lambda t: t[3] - t[2])
    nb = sum(v.is_binding("requirement", z, cap) or v.is_binding("requirement", "mandate", z, cap)
             for z, cap, _, _ in reqs)
    return [Check("requirement", "capabilities in each zone meet its mandate's requirement",
                  f"{len(reqs)} requirements, {nb} binding", "provided ≥ required",
                  f"least {worst[3] - worst[2]:+,.6g} ({worst[1]} in {worst[0]})",
                  "shortfall (soft)" if v.soft and worst[3] < worst[2] - TOL
                  else state(worst[3] - worst[2], nb > 0))]


def _audit_capacity(v: PlanView) -> list[Check]:
    caps = [b for b in v.binding if b.startswith("capacity.")]
    over = []
    for c, p in v.pc.items():
        cc = v.contrib.get(c)
        if cc is None:
            continue
        if p > cc.max_personnel:
            over.append(c)
        over += [f"{c}.{u}" for u, k in v.units_sent(c).items() if k > cc.units.get(u, 0)]
    return [Check("capacity", "no contributor sends more units or people than it offers",
                  f"{len(caps)} limits fully used", "units and personnel offered", "-",
                  "VIOLATED" if over else "binding" if caps else "slack")]


def _audit_min_contingent(v: PlanView) -> list[Check]:
    r = v.sc.rules
    if r.min_contingent <= 0 or not v.pc:
        return []
    c, p = min(v.pc.items(), key=lambda t: t[1])
    return [Check("min_contingent", "each contributor sends at least the minimum contingent",
                  f"{p:,} ({c})", f"{r.min_contingent:,}", f"{p - r.min_contingent:+,}",
                  state(p - r.min_contingent, v.is_binding("min_contingent")))]


def _presence(v: PlanView) -> dict[str, dict[str, int]]:
    """Contributor -> zone -> its people there (contributors present somewhere)."""
    out: dict[str, dict[str, int]] = {}
    for a in v.allocs:
        if int(a["personnel"]) > 0:
            here = out.setdefault(a["contributor"], {})
            here[a["zone"]] = here.get(a["zone"], 0) + int(a["personnel"])
    return out


def _audit_min_contingent_zone(v: PlanView) -> list[Check]:
    floor = v.sc.rules.min_contingent_zone
    per = [(p, c, z) for c, zs in _presence(v).items() for z, p in zs.items()]
    if floor <= 0 or not per:
        return []
    p, c, z = min(per)
    return [Check("min_contingent_zone", "each contributor present in a zone has at least "
                  "min_contingent_zone people there", f"{p:,} ({c} in {z})", f"{floor:,}",
                  f"{p - floor:+,}", state(p - floor, v.is_binding("min_contingent_zone")))]


def _audit_max_zones(v: PlanView) -> list[Check]:
    most = v.sc.rules.max_zones_per_contributor
    spread = [(len(zs), c) for c, zs in _presence(v).items()]
    if most is None or not spread:
        return []
    n, c = max(spread)
    return [Check("max_zones_per_contributor", "no contributor present in more than "
                  "max_zones_per_contributor zones", f"{n} ({c})", str(most), f"{most - n:+}",
                  state(most - n, v.is_binding("max_zones_per_contributor")))]


def _zone_score(v: PlanView, party: str, zone: str) -> float | None:
    """The personnel-weighted score of a zone's force to a party (None: nobody there)."""
    per = v.zone_personnel(zone)
    zp = sum(per.values())
    return sum(v.acc(party, c, zone) * p for c, p in per.items()) / zp if zp else None


def _audit_zone_acceptability(v: PlanView) -> list[Check]:
    out = []
    for party, floor in v.sc.rules.zone_acceptability_floor.items():
        scores = [(s, z["zone"]) for z in v.deployed
                  if (s := _zone_score(v, party, z["zone"])) is not None]
        if floor <= 0 or not scores:
            continue
        low, z0 = min(scores)
        out.append(Check(f"zone_acceptability_floor.{party}",
                         f"acceptability to {v.pname(party)} of the force in every zone",
                         f"{low:.3f} ({z0})", f"{floor:.3f}", f"{low - floor:+.3f}",
                         state(low - floor, v.is_binding("zone_acceptability", party))))
    return out


def low_share(v: PlanView, party: str) -> tuple[float, list[str]]:
    """The share of the force held where the party scores the contributor below
    low_acceptability_threshold, and those contributors."""
    t = v.sc.rules.low_acceptability_threshold
    held, who = 0, set()
    for a in v.allocs:
        if int(a["personnel"]) > 0 and v.acc(party, a["contributor"], a["zone"]) < t:
            held += int(a["personnel"])
            who.add(a["contributor"])
    return (held / v.total if v.total else 0.0), sorted(who)


def _audit_low_acceptability(v: PlanView) -> list[Check]:
    r = v.sc.rules
    if r.low_acceptability_threshold <= 0 or r.low_acceptability_max_share >= 1 or not v.total:
        return []
    out = []
    for party in v.party:
        share, who = low_share(v, party)
        cap = r.low_acceptability_max_share
        out.append(Check(f"low_acceptability.{party}",
                         f"contributors {v.pname(party)} scores below "
                         f"{r.low_acceptability_threshold:g} hold at most {cap:.0%} of the force",
                         f"{share:.2%}" + (f" ({', '.join(who)})" if who else ""),
                         f"{cap:.2%}", fmt_pp(cap - share),
                         state(cap - share, v.is_binding("low_acceptability", party))))
    return out


def _audit_max_share(v: PlanView) -> list[Check]:
    r, n = v.sc.rules, v.total
    if r.max_share >= 1 or not v.pc or not n:
        return []
    c, p = max(v.pc.items(), key=lambda t: t[1])
    share = p / n
    room = math.floor(r.max_share * n + TOL) - p
    return [Check("max_share", "no contributor above max_share of the force",
                  f"{share:.2%} ({c})", f"{r.max_share:.2%}",
                  f"{fmt_pp(r.max_share - share)} ({room:+,} personnel)",
                  state(r.max_share - share, v.is_binding("dominance.max_share")))]


def _audit_max_share_zone(v: PlanView) -> list[Check]:
    r = v.sc.rules
    if r.max_share_zone >= 1 or not v.allocs:
        return []
    worst = (-1.0, "", "")
    for z in v.deployed:
        per = v.zone_personnel(z["zone"])
        zp = sum(per.values())
        for c, p in per.items():
            if zp and p / zp > worst[0]:
                worst = (p / zp, c, z["zone"])
    return [Check("max_share_zone", "no contributor above max_share_zone of a zone",
                  f"{worst[0]:.2%} ({worst[1]} in {worst[2]})", f"{r.max_share_zone:.2%}",
                  fmt_pp(r.max_share_zone - worst[0]),
                  state(r.max_share_zone - worst[0],
                        v.is_binding("dominance.max_share_zone")))]


def _audit_group_caps(v: PlanView) -> list[Check]:
    n, out = v.total, []
    for g, cap in v.sc.rules.group_caps.items():
        if cap >= 1 or not n:
            continue
        gp = sum(p for c, p in v.pc.items() if g in v.groups_of(c))
        out.append(Check(f"group_caps.{g}", f"members of {g} hold at most {cap:.0%} of the force",
                         f"{gp / n:.2%} ({gp:,})", f"{cap:.2%}", fmt_pp(cap - gp / n),
                         state(cap - gp / n, v.is_binding("dominance.group_caps", g))))
    return out


def _audit_min_contributors(v: PlanView) -> list[Check]:
    k = v.sc.rules.min_contributors
    if k <= 0:
        return []
    return [Check("min_contributors", "at least min_contributors take part", str(len(v.pc)),
                  str(k), f"{len(v.pc) - k:+}",
                  state(len(v.pc) - k, v.is_binding("dominance.min_contributors")))]


def _audit_min_contributors_zone(v: PlanView) -> list[Check]:
    k = v.sc.rules.min_contributors_zone
    if k <= 0 or not v.deployed:
        return []
    counts = {z["zone"]: len(v.zone_personnel(z["zone"])) for z in v.deployed}
    z0 = min(counts, key=lambda z: counts[z])
    return [Check("min_contributors_zone", "at least min_contributors_zone in each deployed zone",
                  f"{counts[z0]} ({(z0)})", str(k), f"{counts[z0] - k:+}",
                  state(counts[z0] - k, v.is_binding("dominance.min_contributors_zone")))]


def _audit_floors(key: str, family: str, what: str, scores: str) -> Callable[[PlanView],
                                                                             list[Check]]:
    def rows(v: PlanView) -> list[Check]:
        out = []
        for party, floor in getattr(v.sc.rules, key).items():
            a = float(v.sol.get(scores, {}).get(party, 0.0))
            out.append(Check(f"{key}.{party}", f"{what} to {v.pname(party)}", f"{a:.3f}",
                             f"{floor:.3f}", f"{a - floor:+.3f}",
                             state(a - floor, v.is_binding(family, party))))
        return out
    return rows


def _audit_language(v: PlanView) -> list[Check]:
    r = v.sc.rules
    if not r.working_language or not v.deployed:
        return []
    lang = r.working_language
    shares = {}
    for z in v.deployed:
        per = v.zone_personnel(z["zone"])
        zp = sum(per.values())
        speak = sum(p for c, p in per.items() if c in v.contrib
                    and lang in v.contrib[c].languages)
        shares[z["zone"]] = speak / zp if zp else 1.0
    z0 = min(shares, key=lambda z: shares[z])
    return [Check("language_share", f"speakers of {lang} hold the required share of each zone",
                  f"{shares[z0]:.2%} ({(z0)})", f"{r.language_share:.2%}",
                  fmt_pp(shares[z0] - r.language_share),
                  state(shares[z0] - r.language_share, v.is_binding("language")))]


def _audit_lead_nation(v: PlanView) -> list[Check]:
    r, out = v.sc.rules, []
    leads = [(z, z.get("lead")) for z in v.deployed]
    if r.lead_min_share > 0 and leads:
        vals = []
        for z, lead in leads:
            zp = int(z["personnel"])
            vals.append(((v.zone_personnel(z["zone"]).get(lead, 0) / zp) if lead and zp
                         else 0.0, z["zone"]))
        val, z0 = min(vals)
        out.append(Check("lead_min_share", "each lead nation provides a minimum share of its "
                         "zone", f"{val:.2%} ({(z0)})", f"{r.lead_min_share:.2%}",
                         fmt_pp(val - r.lead_min_share), state(val - r.lead_min_share, False)))
    if r.lead_min_acceptability > 0 and leads:
        accs = [(min(v.acc(p.id, lead, z["zone"]) for p in v.sc.parties) if lead else 0.0,
                 z["zone"]) for z, lead in leads]
        val, z0 = min(accs)
        out.append(Check("lead_min_acceptability", "each lead nation acceptable to every party",
                         f"{val:.3f} ({(z0)})", f"{r.lead_min_acceptability:.3f}",
                         f"{val - r.lead_min_acceptability:+.3f}",
                         state(val - r.lead_min_acceptability, False)))
    return out


def _audit_size(v: PlanView) -> list[Check]:
    r, n, out = v.sc.rules, v.total, []
    if r.personnel_min > 0:
        out.append(Check("personnel_min", "total personnel at least the option's minimum",
                         f"{n:,}", f"{r.personnel_min:,}", f"{n - r.personnel_min:+,}",
                         state(n - r.personnel_min, v.is_binding("size", "min"))))
    if r.personnel_max is not None:
        out.append(Check("personnel_max", "total personnel at most the option's maximum",
                         f"{n:,}", f"{r.personnel_max:,}", f"{r.personnel_max - n:+,}",
                         state(r.personnel_max - n, v.is_binding("size", "max"))))
    return out


def _audit_budget(v: PlanView) -> list[Check]:
    b = v.sc.rules.budget_per_month
    if b is None:
        return []
    return [Check("budget_per_month", "monthly cost within the budget", fmt_money(v.cost),
                  fmt_money(b), f"{b - v.cost:+,.0f}",
                  state(b - v.cost, v.is_binding("budget"), scale=b))]


def _audit_qrf(v: PlanView) -> list[Check]:
    r = v.sc.rules
    if r.qrf_hours is None or not r.qrf_mandates:
        return []
    limit = float(r.qrf_hours)
    needing = [c for c in v.qrf_cover() if c.needs]
    missing = [c for c in needing if not c.covered(limit)]
    slowest = max((c.hours for c in needing if c.hours is not None), default=None)
    return [Check("qrf_hours", "quick-reaction cover of the zones that need it",
                  f"{len(needing) - len(missing)} of {len(needing)} covered"
                  + (f", slowest {slowest:.1f} h" if slowest is not None else ""),
                  f"{limit:g} h",
                  f"{limit - slowest:+.1f} h" if slowest is not None and not missing else "-",
                  "VIOLATED" if missing else state(limit - (slowest or 0.0),
                                                   v.is_binding("qrf")))]


def _audit_robust(v: PlanView) -> list[Check]:
    """Each party's worst case: its score with the Γ deviations that hurt it most taken."""
    r, out = v.sc.rules, []
    for party, floor in r.acceptability_floor.items():
        worst = v.worst_acceptability(party, gamma_of(r, party))
        if floor <= 0 or worst is None:
            continue
        out.append(Check(f"robust_budget.{party}",
                         f"worst-case acceptability to {v.pname(party)} with Γ = "
                         f"{gamma_of(r, party):g}", f"{worst:.3f}", f"{floor:.3f}",
                         f"{worst - floor:+.3f}",
                         state(worst - floor, v.is_binding("robust_acceptability", party))))
    for party, floor in r.armament_floor.items():
        worst = v.worst_armament(party, gamma_of(r, party))
        if floor <= 0 or worst is None:
            continue
        out.append(Check(f"robust_budget.{party}.armament",
                         f"worst-case armament acceptability to {v.pname(party)} with Γ = "
                         f"{gamma_of(r, party):g}", f"{worst:.3f}", f"{floor:.3f}",
                         f"{worst - floor:+.3f}",
                         state(worst - floor, v.is_binding("robust_acceptability", "armament",
                                                           party))))
    return out


TRANSITION_RULES = ("drawdown", "armament", "lead_changes", "final_ceiling", "rotation")


def transition_rules(tr: Transition | None) -> tuple[str, ...]:
    """The transition rules a scenario's `transition` block puts in force (family 17)."""
    if tr is None:
        return ()
    on = {"drawdown": tr.max_growth is not None, "armament": not tr.armament_may_rise,
          "lead_changes": tr.lead_changes_per_zone is not None,
          "final_ceiling": tr.final_ceiling is not None,
          "rotation": tr.rotation_months is not None}
    return tuple(k for k in TRANSITION_RULES if on[k])


_TRANSITION_TEXT = {
    "drawdown": "the force grows no more than max_growth from one phase to the next",
    "armament": "a zone runs no heavier armed than in the phase before",
    "lead_changes": "a zone's lead nation changes at most lead_changes_per_zone times",
    "final_ceiling": "the last phase within final_ceiling international personnel",
    "rotation": "posts held beyond rotation_months take relief units from holdings",
}
_TRANSITION_ADVICE = {
    "drawdown": "raise transition.max_growth, or shorten the earlier phase's tasks "
                "(its requirement_factor)",
    "armament": "set transition.armament_may_rise: true, or arm the earlier phase heavier",
    "lead_changes": "raise transition.lead_changes_per_zone",
    "final_ceiling": "raise transition.final_ceiling, or hand more zones over in the last "
                     "phase (handed_over, local_police)",
    "rotation": "raise transition.rotation_months, or add units to the contributors' "
                "holdings",
}


def _audit_transition(v: PlanView) -> list[Check]:
    """Rows from the phases the solution file lists (family 17)."""
    tr = v.sc.transition
    phases = [p for p in v.sol.get("phases") or [] if isinstance(p, dict)]
    if tr is None or not phases:
        return []
    bound = set((v.sol.get("transition") or {}).get("binding") or [])
    n = [int((p.get("totals") or {}).get("personnel", 0)) for p in phases]
    out = []
    if tr.max_growth is not None:
        for i in range(1, len(phases)):
            cap = (1 + tr.max_growth) * n[i - 1]
            pid = phases[i].get("id", "")
            out.append(Check(f"max_growth {pid}", f"phase {pid} no larger than "
                             f"{1 + tr.max_growth:g} x the phase before", f"{n[i]:,}",
                             f"{cap:,.0f}", f"{cap - n[i]:+,.0f}",
                             state(cap - n[i], f"transition.drawdown.{pid}" in bound)))
    if tr.final_ceiling is not None:
        out.append(Check("final_ceiling", "international personnel in the last phase",
                         f"{n[-1]:,}", f"{tr.final_ceiling:,}", f"{tr.final_ceiling - n[-1]:+,}",
                         state(tr.final_ceiling - n[-1], "transition.final_ceiling" in bound)))
    if tr.lead_changes_per_zone is not None:
        most = 0
        for z in v.zone:
            leads = [next((r.get("lead") for r in p.get("zones") or [] if r.get("zone") == z
                           and r.get("deployed")), None) for p in phases]
            most = max(most, sum(1 for a, b in itertools.pairwise(leads)
                                 if a and b and a != b))
        out.append(Check("lead_changes_per_zone", "most lead-nation changes in one zone",
                         f"{most}", f"{tr.lead_changes_per_zone}",
                         f"{tr.lead_changes_per_zone - most:+}",
                         state(tr.lead_changes_per_zone - most,
                               any(b.startswith("transition.lead_changes") for b in bound))))
    return out


def _audit_logistics(v: PlanView) -> list[Check]:
    """The busiest route and hub against their capacities, from the plan's flows."""
    lg = v.sol.get("logistics")
    if not isinstance(lg, dict):
        return []
    loads = [(f"route {f['route']}", float(f["tonnes_per_day"]), float(f["capacity_tpd"]))
             for f in v.sol.get("flows") or [] if f.get("capacity_tpd") is not None]
    loads += [(f"hub {h['hub']}", float(h["tonnes_per_day"]), float(h["capacity_tpd"]))
              for h in lg.get("hubs") or [] if h.get("capacity_tpd") is not None]
    n_bind = sum(1 for b in v.binding if b.startswith("logistics."))
    if not loads:
        return [Check("logistics", CATALOG["logistics"].family.meaning,
                      f"{float(lg.get('demand_tpd', 0.0)):,.1f} t/day delivered",
                      "no route or hub limit", "-", "holds")]
    what, t, cap = min(loads, key=lambda x: x[2] - x[1])
    return [Check("logistics", CATALOG["logistics"].family.meaning,
                  f"{float(lg.get('demand_tpd', 0.0)):,.1f} t/day delivered; fullest: {what} "
                  f"{t:,.1f} of {cap:,.1f} t/day", "route and hub capacities",
                  f"{cap - t:+,.1f} t/day", state(cap - t, n_bind > 0, scale=cap))]


SHARE = 0.05        # sensitivity: a share or floor moves five points

# In the order the audit lists them and the explanation drops them (the vetoes, then the
# option's exclusions, before any number rule).
ENTRIES: tuple[Entry, ...] = (
    Entry(Family("one_mandate", 1, "each deployed zone has exactly one mandate"),
          "one mandate per zone", ("mandates",), None,
          reads="the mandates each zone allows (`zones[].mandates`)",
          audit=_audit_one_mandate),
    Entry(Family("one_armament", 2, "each deployed zone has exactly one armament level"),
          "one armament level per zone", ("max_armament",), None,
          reads="the armament levels each zone allows (`zones[].max_armament`)",
          audit=_audit_one_armament),
    Entry(Family("mandate_armament", 3, "the zone's armament lies in its mandate's band"),
          "armament within the mandate's band", (), None,
          reads="each mandate's `min_armament` and `max_armament`",
          audit=_audit_mandate_armament),
    Entry(Family("unit_armament", 4,
                 "units serve only where the zone is armed at least as heavily"),
          "units where the zone is armed enough", (), None,
          reads="each unit type's `armament`",
          audit=_audit_unit_armament),
    Entry(Family("veto", 8, "vetoed and excluded contributors are not deployed"),
          "vetoes and exclusions", ("exclude_groups",), None,
          filter="a vetoed or excluded contributor is not eligible in the zones concerned "
                 "(engine/data.py prepare); the explanation drops one veto at a time",
          reads="the scenario's `vetoes`",
          audit=_audit_veto),
    Entry(Family("requirement", 5, "capabilities in a zone meet its mandate's requirement"),
          "requirements met", ("soft_requirements",),
          lambda s: [f"requirement.{z}" for z in s.required_zones],
          describe=lambda r, e: f"the requirement of zone {e}",
          whole=lambda r: "the zones' requirements",
          advice={None: "lower the zone's requirement (threat, line length, population) or "
                        "allow another mandate there"},
          binds=True, at_limit="a zone gets exactly what its mandate requires",
          reads="the mandates' density rules and the zones' line, area, population and threat",
          audit=_audit_requirement),
    Entry(Family("capacity", 6, "a contributor sends no more units or people than it offers"),
          "contributors' offers", (),
          lambda s: [f"capacity.{c}" for c in s.contributors],
          describe=lambda r, e: f"what {e} offers (units and max_personnel)",
          whole=lambda r: "what the contributors offer", drop="free",
          advice={None: "obtain more units or personnel from this contributor",
                  "": "obtain more units or personnel from the contributors"},
          binds=True, at_limit="a contributor sends all it offers",
          reads="each contributor's `units` and `max_personnel`",
          audit=_audit_capacity),
    Entry(Family("min_contingent", 7,
                 "a contributor takes part with at least the minimum contingent"),
          "minimum contingent", ("min_contingent",),
          _if(lambda r: r.min_contingent > 0),
          describe=lambda r, e: f"a minimum contingent of {r.min_contingent}",
          neutral={"min_contingent": 0},
          relax={None: Relax("min_contingent", "lower", 0)},
          step={None: Step("min_contingent", "add", -10, clip=0, whole=True)},
          binds=True, at_limit="a contingent at the minimum size",
          audit=_audit_min_contingent),
    Entry(Family("min_contingent_zone", 7,
                 "a contributor present in a zone has at least min_contingent_zone people "
                 "there"),
          "minimum contingent per zone", ("min_contingent_zone",),
          _if(lambda r: r.min_contingent_zone > 0),
          describe=lambda r, e: f"a minimum contingent of {r.min_contingent_zone} in each "
                                "zone a contributor serves in",
          neutral={"min_contingent_zone": 0},
          relax={None: Relax("min_contingent_zone", "lower", 0)},
          step={None: Step("min_contingent_zone", "add", -10, clip=0, whole=True)},
          binds=True, at_limit="a contributor at the minimum size in a zone",
          audit=_audit_min_contingent_zone),
    Entry(Family("max_zones_per_contributor", 7,
                 "no contributor is present in more than max_zones_per_contributor zones"),
          "most zones per contributor", ("max_zones_per_contributor",),
          _if(lambda r: r.max_zones_per_contributor is not None),
          describe=lambda r, e: f"each contributor in at most {r.max_zones_per_contributor} "
                                "zones",
          neutral={"max_zones_per_contributor": None},
          relax={None: Relax("max_zones_per_contributor", "raise", 100)},
          step={None: Step("max_zones_per_contributor", "add", 1, whole=True)},
          binds=True, at_limit="a contributor in as many zones as allowed",
          audit=_audit_max_zones),
    Entry(Family("dominance.max_share", 9, "no contributor above max_share of the force"),
          "dominance cap", ("max_share",),
          _if(lambda r: r.max_share < 1),
          describe=lambda r, e: f"no contributor above max_share {r.max_share}",
          neutral={"max_share": 1.0},
          relax={None: Relax("max_share", "raise", 1.0, grid=100)},
          step={None: Step("max_share", "add", SHARE, clip=1.0)},
          binds=True, at_limit="a contributor at the dominance cap",
          audit=_audit_max_share),
    Entry(Family("dominance.max_share_zone", 9, "no contributor above max_share_zone of a zone"),
          "dominance cap per zone", ("max_share_zone",),
          _if(lambda r: r.max_share_zone < 1),
          describe=lambda r, e: f"no contributor above max_share_zone {r.max_share_zone} "
                                "of a zone",
          neutral={"max_share_zone": 1.0},
          relax={None: Relax("max_share_zone", "raise", 1.0, grid=100)},
          step={None: Step("max_share_zone", "add", SHARE, clip=1.0)},
          binds=True, at_limit="a contributor at the zone cap",
          audit=_audit_max_share_zone),
    Entry(Family("dominance.group_caps", 9, "no group above its cap of the force"),
          "group caps", ("group_caps",),
          lambda s: [f"dominance.group_caps.{g}" for g, v in s.rules.group_caps.items()
                     if v < 1] or None,
          describe=lambda r, e: f"group {e} at most {r.group_caps.get(e)} of the force",
          whole=lambda r: "the group caps", neutral={"group_caps": {}}, drop="entry",
          relax={None: Relax("group_caps", "raise", 1.0, grid=100, per_entity=True,
                             target="the cap on group {}")},
          step={None: Step("group_caps", "add", SHARE, clip=1.0, per_entity=True)},
          binds=True, at_limit="a group at its cap",
          reads="each contributor's `groups`",
          audit=_audit_group_caps),
    Entry(Family("dominance.min_contributors", 9, "at least min_contributors take part"),
          "fewest contributors", ("min_contributors",),
          _if(lambda r: r.min_contributors > 0),
          describe=lambda r, e: f"at least {r.min_contributors} contributors",
          neutral={"min_contributors": 0},
          relax={None: Relax("min_contributors", "lower", 0)},
          step={None: Step("min_contributors", "add", -1, clip=0, whole=True)},
          binds=True, at_limit="exactly the fewest contributors allowed",
          audit=_audit_min_contributors),
    Entry(Family("dominance.min_contributors_zone", 9,
                 "at least min_contributors_zone in each zone"),
          "fewest contributors per zone",
          ("min_contributors_zone",),
          _if(lambda r: r.min_contributors_zone >= 2),
          describe=lambda r, e: f"at least {r.min_contributors_zone} contributors in each zone",
          neutral={"min_contributors_zone": 0},
          relax={None: Relax("min_contributors_zone", "lower", 0)},
          step={None: Step("min_contributors_zone", "add", -1, clip=0, whole=True)},
          binds=True, at_limit="a zone with exactly the fewest contributors allowed",
          audit=_audit_min_contributors_zone),
    Entry(Family("acceptability", 10,
                 "personnel-weighted acceptability to each party at its floor"),
          "acceptability floors", ("acceptability_floor",),
          lambda s: [f"acceptability.{p}" for p, v in s.rules.acceptability_floor.items()
                     if v > 0] or None,
          describe=lambda r, e: f"{e}'s acceptability floor {r.acceptability_floor.get(e)}",
          whole=lambda r: "the parties' acceptability floors",
          neutral={"acceptability_floor": {}}, drop="entry",
          relax={None: Relax("acceptability_floor", "lower", 0.0, grid=100, per_entity=True,
                             target="{}'s floor")},
          step={None: Step("acceptability_floor", "add", -SHARE, clip=0.0, per_entity=True)},
          binds=True, at_limit="a party at its acceptability floor",
          reads="the parties' scores of the contributors (`acceptability`)",
          audit=_audit_floors("acceptability_floor", "acceptability",
                               "composition acceptability", "acceptability")),
    Entry(Family("zone_acceptability", 10,
                 "personnel-weighted acceptability of each zone's force to each party at its "
                 "zone floor"),
          "zone acceptability floors", ("zone_acceptability_floor",),
          lambda s: [f"zone_acceptability.{p}" for p, v in
                     s.rules.zone_acceptability_floor.items() if v > 0] or None,
          describe=lambda r, e: f"{e}'s zone acceptability floor "
                                f"{r.zone_acceptability_floor.get(e)}",
          whole=lambda r: "the parties' zone acceptability floors",
          neutral={"zone_acceptability_floor": {}}, drop="entry",
          relax={None: Relax("zone_acceptability_floor", "lower", 0.0, grid=100,
                             per_entity=True, target="{}'s zone floor")},
          step={None: Step("zone_acceptability_floor", "add", -SHARE, clip=0.0,
                           per_entity=True)},
          binds=True, at_limit="a zone's force at a party's zone floor",
          reads="the parties' scores of the contributors (`acceptability`, zone overrides "
                "included; uncertain scores at their value)",
          audit=_audit_zone_acceptability),
    Entry(Family("low_acceptability", 10,
                 "contributors a party scores below low_acceptability_threshold hold at most "
                 "low_acceptability_max_share of the force"),
          "low-acceptability cap", ("low_acceptability_threshold",
                                    "low_acceptability_max_share"),
          _if(lambda r: r.low_acceptability_threshold > 0 and r.low_acceptability_max_share < 1,
              lambda s: [f"low_acceptability.{p}" for p in s.parties]),
          describe=lambda r, e: f"contributors {e} scores below "
                                f"{r.low_acceptability_threshold} hold at most "
                                f"{r.low_acceptability_max_share} of the force",
          whole=lambda r: f"contributors a party scores below "
                          f"{r.low_acceptability_threshold} hold at most "
                          f"{r.low_acceptability_max_share} of the force",
          neutral={"low_acceptability_max_share": 1.0},
          relax={None: Relax("low_acceptability_max_share", "raise", 1.0, grid=100)},
          step={None: Step("low_acceptability_max_share", "add", SHARE, clip=1.0)},
          binds=True, at_limit="a party's low-acceptability contributors at the cap",
          reads="the parties' scores of the contributors (`acceptability`, zone overrides "
                "included; uncertain scores at their value)",
          audit=_audit_low_acceptability),
    Entry(Family("armament_acceptability", 11,
                 "weighted armament acceptability at each party's floor"),
          "armament floors", ("armament_floor",),
          lambda s: [f"armament_acceptability.{p}" for p, v in s.rules.armament_floor.items()
                     if v > 0] or None,
          describe=lambda r, e: f"{e}'s armament floor {r.armament_floor.get(e)}",
          whole=lambda r: "the parties' armament floors",
          neutral={"armament_floor": {}}, drop="entry",
          relax={None: Relax("armament_floor", "lower", 0.0, grid=100, per_entity=True,
                             target="{}'s armament floor")},
          step={None: Step("armament_floor", "add", -SHARE, clip=0.0, per_entity=True)},
          binds=True, at_limit="a party at its armament floor",
          reads="the parties' scores of the armament levels (`acceptability.armament`)",
          audit=_audit_floors("armament_floor", "armament_acceptability",
                               "armament acceptability", "armament_acceptability")),
    Entry(Family("robust_acceptability", 10,
                 "each party's floors hold with up to robust_budget of its uncertain scores "
                 "at their low end"),
          "robust floors", ("robust_budget",),
          lambda s: [f"robust_acceptability.{p}" for p in sorted(
              set(s.rules.acceptability_floor) | set(s.rules.armament_floor))
              if gamma_of(s.rules, p) > 0 and (s.rules.acceptability_floor.get(p, 0) > 0
                                             or s.rules.armament_floor.get(p, 0) > 0)] or None,
          describe=lambda r, e: f"{e}'s floors for any {gamma_of(r, e):g} of its uncertain "
                                "scores at their low end",
          whole=lambda r: "the parties' floors in the worst case (robust_budget)",
          neutral={"robust_budget": {}}, drop="entry",
          relax={None: Relax("robust_budget", "lower", 0.0, grid=10, per_entity=True,
                             target="{}'s robust_budget", real=True)},
          step={None: Step("robust_budget", "add", -1, clip=0.0, per_entity=True)},
          binds=True, at_limit="a party's worst-case score at its floor",
          reads="score ranges in `acceptability` (`contributor_spread`, `armament_spread`)",
          audit=_audit_robust),
    Entry(Family("language", 12, "working-language speakers hold the required share of each zone"),
          "working language", ("working_language", "language_share"),
          _if(lambda r: bool(r.working_language), _each(lambda s: s.zones, "language")),
          describe=lambda r, e: f"working language {r.working_language} in {e} "
                                f"(share {r.language_share})",
          whole=lambda r: f"working language {r.working_language} in every zone "
                          f"(share {r.language_share})",
          neutral={"working_language": None},
          advice={None: "lower language_share or add contributors who speak the working "
                        "language"},
          step={None: Step("language_share", "add", -0.1, clip=0.0)},
          binds=True, at_limit="exactly the working-language share",
          reads="each contributor's `languages`",
          audit=_audit_language),
    Entry(Family("lead_nation", 13, "each deployed zone has an acceptable lead nation present"),
          "lead nations", ("lead_min_share", "lead_min_acceptability"),
          _if(lambda r: r.lead_min_share > 0 or r.lead_min_acceptability > 0,
              _each(lambda s: s.zones, "lead_nation")),
          describe=lambda r, e: f"a lead nation in {e} with share >= {r.lead_min_share} and "
                                f"acceptability >= {r.lead_min_acceptability}",
          whole=lambda r: "a lead nation in every deployed zone",
          neutral={"lead_min_share": 0.0, "lead_min_acceptability": 0.0},
          advice={None: "lower lead_min_share or lead_min_acceptability"},
          reads="the parties' scores of the contributors (`acceptability`)",
          audit=_audit_lead_nation),
    Entry(Family("size", 14, "total personnel within the option's band"),
          "force size", ("personnel_min", "personnel_max"), _size_groups,
          describe=lambda r, e: f"personnel at least {r.personnel_min}" if e == "min" else
                                f"personnel at most {r.personnel_max}",
          whole=lambda r: "the force's size limits",
          neutral={"personnel_min": 0, "personnel_max": None}, drop="neutral",
          entity_neutral={"min": {"personnel_min": 0}, "max": {"personnel_max": None}},
          relax={"min": Relax("personnel_min", "lower", 0),
                 "max": Relax("personnel_max", "raise", None, least=True,
                              measure="head count",
                              at_least="has a head count of at least")},
          step={"min": Step("personnel_min", "times", 0.9, whole=True),
                "max": Step("personnel_max", "times", 1.1, whole=True)},
          binds=True, at_limit="the force at its size limit",
          audit=_audit_size),
    Entry(Family("budget", 14, "monthly cost within the budget"),
          "budget", ("budget_per_month",),
          _if(lambda r: r.budget_per_month is not None),
          describe=lambda r, e: (f"budget {r.budget_per_month:,} per month"
                                 if r.budget_per_month else "budget"),
          neutral={"budget_per_month": None},
          relax={None: Relax("budget_per_month", "raise", None, least=True, measure="cost",
                             unit=" per month", real=True, at_least="costs at least")},
          step={None: Step("budget_per_month", "times", 1.1, digits=2)},
          binds=True, at_limit="the budget fully used",
          reads="each contributor's `cost_per_person_month`",
          audit=_audit_budget),
    Entry(Family("qrf", 15, "quick-reaction units can reach every zone that needs them in time"),
          "quick-reaction cover", ("qrf_hours", "qrf_unit_types",
                                                    "qrf_mandates"),
          _if(lambda r: r.qrf_hours is not None and bool(r.qrf_mandates),
              _each(lambda s: s.zones, "qrf")),
          describe=lambda r, e: f"QRF within {r.qrf_hours} h of {e}",
          whole=lambda r: f"QRF within {r.qrf_hours} h of every zone that needs one",
          neutral={"qrf_hours": None},
          advice={None: "raise qrf_hours or allow quick-reaction units nearer this zone"},
          reads="the zone network's routes and travel speeds",
          audit=_audit_qrf),
    Entry(Family("logistics", 16, "supplies from the hubs reach every deployed zone within "
                                  "route and hub capacities"),
          "supply flows", (),
          lambda s: [f"logistics.{e}" for e in s.logistics] if s.logistics else None,
          describe=lambda r, e: (f"the capacity of route {e.split('.', 1)[1]}"
                                 if e.startswith("route.") else
                                 f"the throughput of hub {e.split('.', 1)[1]}"),
          whole=lambda r: "supply flows within route and hub capacities",
          advice={None: "raise its capacity (a route's capacity_tpd, a hub's "
                        "capacity_personnel), open another route to the zones behind it, or "
                        "add a hub nearer them"},
          binds=True, at_limit="the route or hub carries all it can",
          reads="the scenario's logistics block, routes (capacity, mine risk, closed) and "
                "hubs (capacity_personnel)",
          audit=_audit_logistics),
    Entry(Family("transition", 17, "consecutive phases keep the transition rules: drawdown, "
                                   "armament, lead changes, final ceiling, rotation"),
          "phase transitions", (),
          lambda s: [f"transition.{e}" for e in s.transition] if s.transition else None,
          describe=lambda r, e: _TRANSITION_TEXT.get(e, f"transition rule {e}"),
          whole=lambda r: "the rules linking the phases",
          advice={e: a for e, a in _TRANSITION_ADVICE.items()},
          binds=True, at_limit="the phases at a transition limit",
          reads="the scenario's `phases` and `transition` blocks and the contributors' "
                "`readiness_days`",
          audit=_audit_transition),
)

CATALOG: dict[str, Entry] = {e.name: e for e in ENTRIES}
BINDING = frozenset(e.name for e in ENTRIES if e.binds)


def entry_of(group: str) -> tuple[Entry, str] | None:
    """The entry and entity of a group name ("dominance.group_caps.nato" -> group caps,
    "nato"; "budget" -> budget, ""), or None for a name no family owns (a veto label)."""
    for e in sorted(ENTRIES, key=lambda e: -len(e.name)):
        if group == e.name:
            return e, ""
        if group.startswith(e.name + "."):
            return e, group[len(e.name) + 1:]
    return None


def advice_texts() -> frozenset[str]:
    """Every piece of written advice: a relaxation printed as one of these is a suggestion,
    not a change tested as printed (the CLI labels it so)."""
    return frozenset(a for e in ENTRIES for a in e.advice.values())


def relax_of_key(key: str) -> Relax | None:
    """The relaxation that moves rules.`key` (one per key)."""
    return next((rx for e in ENTRIES for rx in e.relax.values() if rx.key == key), None)


def least_rules() -> dict[str, Relax]:
    """Group -> its relaxation, for the rules whose least value is solved for directly."""
    out = {}
    for e in ENTRIES:
        for entity, rx in e.relax.items():
            if rx.least:
                out[f"{e.name}.{entity}" if entity else e.name] = rx
    return out


# the families in formulation.md's order (by section number, the catalog's order within one)
FAMILIES: tuple[Family, ...] = tuple(e.family for e in sorted(ENTRIES,
                                                              key=lambda e: e.family.number))
BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}
assert len(BY_NAME) == len(ENTRIES), "one entry per family name"
