#!/usr/bin/env python3
"""Build scenarios/base/osce_pool.yaml from models/contributors.csv.

Run from the repository root:  python scripts/build_pool.py
(standard library + PyYAML only). The output is deterministic: running the script twice
gives the same bytes. Do not edit the pool file by hand; edit the CSV or the rules here.

The pool is the base that both reference scenarios extend: schema_version, the two parties,
the 56 candidate contributors (the 57 OSCE participating States less Armenia and Azerbaijan,
plus Iran, whose involvement the KCG paper mentions, under a UN mandate), the sources, and
the default acceptability block. Vetoes are not in the pool: they belong to scenarios.

Derivation rules (also in models/sources.md)
--------------------------------------------
Capacity basis: active armed forces (CSV columns active_forces, capacity_year, capacity_source:
IISS The Military Balance 2020, rounded; an estimate). National cost basis: CSV column
income_group (World Bank FY2021 classification).

max_personnel (the most a state is assumed to commit to this one operation):
  * states with armed forces: 1% of active forces, rounded to the nearest 10, at least 30
    (a reinforced platoon, the smallest contingent options C and D accept) and at most 3,000
    (assumption: larger than any single national contingent in current UN operations and than
    the 1,960 Russian troops of 2020, so the dominance rules and not this ceiling limit the
    largest contributors);
  * states without armed forces (AND, ISL, LIE, MCO, SMR, VAT): civilian monitor teams only
    (ISL 4 teams from its Crisis Response Unit; AND, LIE, MCO, SMR 2 teams; VAT 1 team), and
    max_personnel is exactly those teams. They remain real candidates for monitoring (option A
    accepts a six-person contingent); a minimum contingent above their ceiling rules them out,
    which is the intended effect of that rule.

units offered (M = max_personnel; armed-forces states):
  civ_monitor_team         clamp(round(M/150), 1, 6)          civilian experts and police monitors
  observer_team            clamp(ceil(M/25), 2, 10)
  force_protection_platoon clamp(ceil(M/150), 1, 4) if M >= 60, else 0
  infantry_company         clamp(M // 250, 0, 8)
  mechanised_company       clamp(M // 600, 0, 4) if active_forces >= 20,000, else 0
  formed_police_unit       clamp(round(M/700), 1, 3) if M >= 140 and the state has a
                           gendarmerie-type force (CSV column gendarmerie)
  eod_platoon              clamp(round(M/400), 1, 3) if M >= 60, else 0
  aviation_unit            1 if M >= 1,000; 2 if M >= 2,000
  logistics_company        1 if M >= 500; 2 if M >= 1,500
  medical_unit             1 if M >= 200; 2 if M >= 1,000
For most states the offer is larger than M on purpose: M is the binding ceiling, the units say
what mix a state could choose from. States with M = 30 offer one civilian team and two observer
teams (14 people), so a minimum contingent above 14 leaves them out.

cost_per_person_month (USD), what the mission budget pays: the UN standard reimbursement
rate, USD 1,428 per person per month from 1 July 2018 (General Assembly resolution 72/285), the
same for every contributor, as the UN reimburses every troop and police contributor at one
rate. It is what the `cost` objective minimises by default (rules.cost_basis mission) and what
rules.budget_per_month caps.

national_cost_per_person_month (USD), what a person-month costs the contributing state itself:
the UN rate times a national cost factor by World Bank income group (FY2021 classification,
July 2020): high 6.0, upper-middle 2.5, lower-middle 1.5, low 1.1. The factors are an
ASSUMPTION (the UN rate was set from a survey of the costs of mostly lower- and
lower-middle-income troop contributors; high-income states pay their personnel several times
more; no published per-state figure was found). Rounded to whole dollars; no spread: states of
one income group cost the same. Minimised only when a scenario sets rules.cost_basis: national.
With one rate for all many plans cost the same; the solver chooses among them by a documented
rule (models/formulation.md, "Objectives"), never by names.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CSV_PATH = ROOT / "models" / "contributors.csv"
OUT_PATH = ROOT / "scenarios" / "base" / "osce_pool.yaml"

UN_RATE_USD = 1428  # per person per month, GA res. 72/285, from 1 July 2018
INCOME_FACTOR = {"high": 6.0, "upper_middle": 2.5, "lower_middle": 1.5, "low": 1.1}
CIVILIAN_ONLY_TEAMS = {"ISL": 4, "AND": 2, "LIE": 2, "MCO": 2, "SMR": 2, "VAT": 1}
MIN_PERSONNEL = 30
MAX_PERSONNEL = 3000
CIV_TEAM_SIZE = 6  # models/doctrine.yaml civ_monitor_team.personnel

def memberships(field: str) -> dict[str, object]:
    """`groups`, `joined` and `left` from the CSV's groups column: `nato` (a member
    throughout), `nato@2023` (joined 2023), `eu@1973-2020` (joined 1973, left 2020)."""
    groups: list[str] = []
    joined: dict[str, int] = {}
    left: dict[str, int] = {}
    for token in (t for t in field.split(";") if t):
        name, _, years = token.partition("@")
        groups.append(name)
        start, _, end = years.partition("-")
        if start:
            joined[name] = int(start)
        if end:
            left[name] = int(end)
    return {"groups": groups, **({"joined": joined} if joined else {}),
            **({"left": left} if left else {})}


SOURCES = [
    "Membership of groups, with the years that a scenario's `year` reads: OSCE participating "
    "States (57; Armenia and Azerbaijan are the parties); NATO (32 members; joined: Albania and "
    "Croatia 2009, Montenegro 2017, North Macedonia 2020, Finland 2023, Sweden 2024: nato.int, "
    "member countries); EU (27; Croatia joined 2013; the United Kingdom was a member 1973-2020: "
    "european-union.europa.eu, country profiles); CSTO (Armenia, Belarus, Kazakhstan, "
    "Kyrgyzstan, Russia, Tajikistan); CIS (members taking part, Turkmenistan as associate; "
    "Ukraine took part 1991-2018, Georgia was a member 1993-2009); OSCE Minsk Group co-chairs "
    "France, Russia, United States and members Belarus, Finland, Germany, Italy, Sweden, Turkey; "
    "neighbours of the conflict area Georgia, Iran, Russia, Turkey.",
    "Capacity basis: active armed forces, IISS, The Military Balance 2020 (rounded; estimate). "
    "Rule: models/sources.md and scripts/build_pool.py.",
    "Cost basis: cost_per_person_month is what the mission budget pays, the UN standard "
    "reimbursement rate for every contributor (General Assembly resolution 72/285: USD 1,428 "
    "per person per month from 1 July 2018). national_cost_per_person_month is what a "
    "person-month costs the state itself: that rate times a factor by World Bank income group "
    "(country classification by income, FY2021, July 2020); the factors are assumptions "
    "(models/sources.md).",
    "Working languages: ISO 639-1 codes; 'en' where English is a usual working language of the "
    "state's forces in multinational operations (NATO/EU/Partnership for Peace practice), 'ru' "
    "where Russian is widely used (assumption for EST, GEO, LTU, LVA, MDA, UKR).",
    "Acceptability defaults: planner's assumptions following the parties' positions in the KCG "
    "2014 paper (Conciliation Resources), see acceptability.assumptions.",
]

PARTIES = [{"id": "AZ", "name": "Azerbaijan"}, {"id": "AM", "name": "Armenia"}]

# Default acceptability (0 = unacceptable .. 1 = fully acceptable). Every value is a labelled
# assumption; states not listed take `default`.
ACCEPTABILITY = {
    "default": 0.5,
    "contributors": {
        "AZ": {
            "TUR": 0.95, "GEO": 0.7, "UKR": 0.7, "UZB": 0.65, "TKM": 0.6, "KAZ": 0.5,
            "KGZ": 0.45, "MDA": 0.6, "HUN": 0.6, "ITA": 0.6, "GBR": 0.55, "USA": 0.55,
            "CHE": 0.65, "AUT": 0.6, "IRL": 0.6, "FIN": 0.6, "SWE": 0.6, "DEU": 0.55,
            "RUS": 0.3, "BLR": 0.35, "TJK": 0.35, "FRA": 0.35, "GRC": 0.35, "CYP": 0.35,
            "IRN": 0.35,
        },
        "AM": {
            "RUS": 0.9, "FRA": 0.85, "GRC": 0.75, "CYP": 0.75, "IRN": 0.75, "USA": 0.7,
            "BLR": 0.65, "KGZ": 0.6, "TJK": 0.6, "GEO": 0.6, "KAZ": 0.55, "CHE": 0.65,
            "AUT": 0.6, "IRL": 0.6, "FIN": 0.6, "SWE": 0.6, "DEU": 0.55, "ITA": 0.55,
            "UKR": 0.45, "TKM": 0.45, "UZB": 0.4, "MDA": 0.5, "HUN": 0.2, "TUR": 0.05,
        },
    },
    "armament": {
        "AZ": {"civilian": 1.0, "observer": 0.8, "light": 0.5, "armed": 0.2},
        "AM": {"civilian": 0.1, "observer": 0.3, "light": 0.6, "armed": 1.0},
    },
    "assumptions": [
        "All acceptability scores are the planner's assumptions, not statements of either "
        "government; change them first (app, --set acceptability.contributors.AZ.RUS=0.2).",
        "Armament (KCG 2014, 3D): 'Azerbaijanis see a very small group of unarmed peace "
        "monitors; Armenians see the other end of the spectrum: one for one, fully armed "
        "peacekeeping forces' -> AZ scores civilian 1.0 down to armed 0.2, AM the reverse "
        "(civilian 0.1 up to armed 1.0).",
        "Composition (KCG 2014, 3E; domain.md): Turkey is scored high by AZ (0.95) and very low "
        "by AM (0.05); Russia high by AM (0.9) and low by AZ (0.3), reflecting the negative "
        "perceptions of past CIS operations in the South Caucasus; the other CSTO members "
        "(Belarus, Kyrgyzstan, Tajikistan, Kazakhstan) are lower for AZ and higher for AM.",
        "Turkic states (Kazakhstan, Kyrgyzstan, Turkmenistan, Uzbekistan) are scored somewhat "
        "higher by AZ than by AM; Kazakhstan and Kyrgyzstan are also CSTO members, which pulls "
        "their AZ score back to about neutral.",
        "Georgia (neighbour of both, with communities of both) is scored above neutral by both.",
        "Ukraine and Moldova (GUAM partners of Azerbaijan) are scored above neutral by AZ and "
        "about neutral or below by AM.",
        "France, Greece and Cyprus are scored high by AM and low by AZ; the United States "
        "somewhat above neutral by both, higher by AM. Iran is scored high by AM and low by AZ.",
        "Hungary is scored low by AM (Armenia suspended diplomatic relations with Hungary in "
        "2012 over the transfer of Ramil Safarov) and above neutral by AZ.",
        "Neutral or non-aligned states with peacekeeping traditions (Switzerland, which heads "
        "the HLPG, Austria, Ireland, Finland, Sweden) are scored somewhat above neutral by both.",
        "Every state not listed takes the default 0.5 for both parties.",
    ],
}


def clamp(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, v))


def round_half_up(x: float) -> int:
    return int(x + 0.5)


def max_personnel(iso: str, active: int) -> int:
    if iso in CIVILIAN_ONLY_TEAMS:
        return CIVILIAN_ONLY_TEAMS[iso] * CIV_TEAM_SIZE
    return clamp(round_half_up(active * 0.01 / 10) * 10, MIN_PERSONNEL, MAX_PERSONNEL)


def units_offered(iso: str, m: int, active: int, gendarmerie: bool) -> dict[str, int]:
    if iso in CIVILIAN_ONLY_TEAMS:
        return {"civ_monitor_team": CIVILIAN_ONLY_TEAMS[iso]}
    u = {
        "civ_monitor_team": clamp(round_half_up(m / 150), 1, 6),
        "observer_team": clamp(math.ceil(m / 25), 2, 10),
        "force_protection_platoon": clamp(math.ceil(m / 150), 1, 4) if m >= 60 else 0,
        "infantry_company": clamp(m // 250, 0, 8),
        "mechanised_company": clamp(m // 600, 0, 4) if active >= 20000 else 0,
        "formed_police_unit": (clamp(round_half_up(m / 700), 1, 3)
                               if gendarmerie and m >= 140 else 0),
        "eod_platoon": clamp(round_half_up(m / 400), 1, 3) if m >= 60 else 0,
        "aviation_unit": 2 if m >= 2000 else (1 if m >= 1000 else 0),
        "logistics_company": 2 if m >= 1500 else (1 if m >= 500 else 0),
        "medical_unit": 2 if m >= 1000 else (1 if m >= 200 else 0),
    }
    return {k: v for k, v in u.items() if v > 0}


def national_cost(income: str) -> int:
    return round_half_up(UN_RATE_USD * INCOME_FACTOR[income])


def build() -> dict:
    with CSV_PATH.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    contributors = []
    for r in rows:
        iso = r["iso3"].strip()
        active = int(r["active_forces"])
        income = r["income_group"].strip()
        m = max_personnel(iso, active)
        basis = (f"active forces {active:,} ({r['capacity_year']}, {r['capacity_source']})"
                 if active else "no armed forces")
        note = r["notes"].strip()
        contributors.append({
            "id": iso,
            "name": r["name"].strip(),
            **memberships(r["groups"]),
            "languages": [lang for lang in r["languages"].split(";") if lang],
            "cost_per_person_month": UN_RATE_USD,
            "national_cost_per_person_month": national_cost(income),
            "max_personnel": m,
            "units": units_offered(iso, m, active, r["gendarmerie"].strip() == "yes"),
            **({"notes": note} if note else {}),
            "source": (f"Capacity: {basis}; rule in scripts/build_pool.py. Mission cost: UN "
                       f"standard rate 1,428 (GA res. 72/285, 2018). National cost: 1,428 x "
                       f"{INCOME_FACTOR[income]} ({income.replace('_', '-')} income, World Bank "
                       f"FY2021; factor an assumption)."),
        })
    ids = [c["id"] for c in contributors]
    if len(ids) != 56 or len(set(ids)) != 56:
        sys.exit(f"expected 56 distinct contributors, got {len(set(ids))}")
    osce = [c for c in contributors if "osce" in c["groups"]]
    if len(osce) != 55 or {"ARM", "AZE"} & set(ids):
        sys.exit("expected the 55 OSCE participating States other than the two parties")
    known = set(ids)
    for party, row in ACCEPTABILITY["contributors"].items():
        unknown = set(row) - known
        if unknown:
            sys.exit(f"acceptability for {party} names unknown contributors {sorted(unknown)}")
    return {
        "schema_version": 1,
        "sources": SOURCES,
        "parties": PARTIES,
        "contributors": contributors,
        "acceptability": ACCEPTABILITY,
    }


HEADER = """\
# GENERATED by scripts/build_pool.py from models/contributors.csv. Do not edit by hand.
# Base file for scenarios (extends: base/osce_pool.yaml): parties, the 56 candidate contributors
# (55 OSCE participating States other than Armenia and Azerbaijan, plus Iran) and the default
# acceptability block. Not a complete scenario on its own (no zones, hubs or rules).
# Capacities are estimates from documented rules; the mission cost is the UN standard rate, the
# national costs an assumption (models/sources.md); acceptability
# scores are the planner's assumptions (acceptability.assumptions).
"""


def main() -> None:
    doc = build()
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=None)
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    OUT_PATH.write_text(HEADER + text, encoding="utf-8")
    total = sum(c["max_personnel"] for c in doc["contributors"])
    print(f"wrote {OUT_PATH.relative_to(ROOT)}: {len(doc['contributors'])} contributors, "
          f"{total:,} personnel offered in all")


if __name__ == "__main__":
    main()
