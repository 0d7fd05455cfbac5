"""Audited data: the loader's geometry checks (no road shorter than the straight line, every
place inside the scenario's bounds) and group memberships resolved at the scenario's year."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pkplanner.errors import InputError
from pkplanner.scenario.network import straight_km
from pkplanner.scenario.resolve import load_resolved
from tests.test_model_optimum import tiny

ROOT = Path(__file__).resolve().parents[1]


def load_one_error(doc: dict[str, Any], tmp_path: Path) -> str:
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as e:
        load_resolved(p)
    lines = str(e.value).splitlines()
    assert len(lines) == 1, lines
    return lines[0].split(": ", 2)[2]


def test_straight_km_is_the_great_circle() -> None:
    """One degree of latitude is 111.2 km on the mean sphere; Stepanakert to Shusha (both
    from the scenario's sources) is 6.4 km as the crow flies."""
    assert straight_km(40.0, 46.0, 41.0, 46.0) == pytest.approx(111.19, abs=0.01)
    assert straight_km(39.815, 46.752, 39.758, 46.748) == pytest.approx(6.35, abs=0.05)


def test_a_route_shorter_than_the_straight_line_is_refused(tmp_path: Path) -> None:
    doc = tiny()
    doc["routes"][0]["km"] = 5            # hub and z1 are 7.0 km apart
    assert load_one_error(doc, tmp_path) == (
        "routes.hub-z1.km: 5 km is shorter than the straight line between hub and z1 (7.0 "
        "km): no road is; check the length or the locations")


def test_a_place_outside_the_bounds_is_refused(tmp_path: Path) -> None:
    doc = tiny()
    doc["bounds"] = {"lat_min": 39.5, "lat_max": 40.5, "lon_min": 45.5, "lon_max": 46.5}
    doc["zones"][0]["location"] = {"lat": 40.0, "lon": -46.0}       # the sign typed wrong
    doc["routes"] = []
    doc["hubs"][0]["location"] = {"lat": 40.0, "lon": 46.0}
    error = load_one_error(doc, tmp_path)
    assert error == ("zones.z1.location: 40, -46 is outside the scenario's bounds (lat "
                     "39.5..40.5, lon 45.5..46.5)")


def member_doc(year: int | None) -> dict[str, Any]:
    doc = tiny()
    doc["year"] = year
    doc["contributors"][0].update(groups=["osce", "nato"], joined={"nato": 2017})
    doc["contributors"][1].update(groups=["osce", "eu"], joined={"eu": 1973},
                                  left={"eu": 2020})
    return doc


@pytest.mark.parametrize(("year", "aaa", "bbb"), [
    (2014, ["osce"], ["osce", "eu"]),
    (2017, ["osce", "nato"], ["osce", "eu"]),
    (2020, ["osce", "nato"], ["osce"]),
    (None, ["osce", "nato"], ["osce"]),          # no year: today's memberships
    (1970, ["osce"], ["osce"]),
])
def test_memberships_are_those_of_the_scenario_year(tmp_path: Path, year: int | None,
                                                    aaa: list[str], bbb: list[str]) -> None:
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump(member_doc(year)))
    rs = load_resolved(p)
    groups = {c.id: c.groups for c in rs.scenario.contributors}
    assert (groups["AAA"], groups["BBB"]) == (aaa, bbb)
    # the resolved document stands alone: resolving it again changes nothing
    again = tmp_path / "again.yaml"
    again.write_text(yaml.safe_dump(rs.to_document()))
    assert load_resolved(again).scenario.contributors == rs.scenario.contributors


@pytest.mark.parametrize(("edit", "error"), [
    (lambda c: c.update(joined={"csto": 2000}),
     "contributors.AAA.joined.csto: 'csto' is not one of its groups"),
    (lambda c: c.update(groups=["eu"], joined={"eu": 2020}, left={"eu": 2010}),
     "contributors.AAA.left.eu: left in 2010, not after it joined (2020)"),
])
def test_bad_membership_years_are_one_line(tmp_path: Path, edit: Any, error: str) -> None:
    doc = tiny()
    edit(doc["contributors"][0])
    assert load_one_error(doc, tmp_path) == error


def test_the_reference_pools_are_resolved_at_their_year() -> None:
    """Finland and Sweden joined NATO in 2023 and 2024, Montenegro in 2017, North Macedonia
    in 2020; the United Kingdom left the EU in 2020 (scripts/build_pool.py, sources)."""
    def groups(name: str) -> dict[str, list[str]]:
        return {c.id: c.groups for c in load_resolved(name).scenario.contributors}

    g14, g20 = groups("karabakh_kcg_2014"), groups("karabakh_2020")
    nato14 = {c for c, gs in g14.items() if "nato" in gs}
    nato20 = {c for c, gs in g20.items() if "nato" in gs}
    assert not {"FIN", "SWE", "MNE", "MKD"} & nato14
    assert "MKD" in nato20 and not {"FIN", "SWE"} & nato20
    assert "eu" in g14["GBR"] and "eu" not in g20["GBR"]
    assert "cis" in g14["UKR"] and "cis" not in g20["UKR"]
    pool = {c.id: c for c in load_resolved("two_zones").scenario.contributors}
    assert pool  # the examples carry no years: today's groups
    lithuania = next(c for c in load_resolved("karabakh_2020").scenario.contributors
                     if c.id == "LTU")
    assert "ru" in lithuania.languages


# --------------------------------------------------------------------------- sources

REFERENCE_SCENARIOS = ["karabakh_kcg_2014", "karabakh_2020", "karabakh_kcg_2014_phased"]
# what a source line must show: a citation (a year, a seed document, a named publisher) or
# the label that the figure is the planner's estimate or assumption (models/sources.md)
SOURCED = re.compile(r"estimate|assumption|seed \d|\b(19|20)\d\d\b|wikipedia|gazetteer",
                     re.IGNORECASE)


@pytest.mark.parametrize("name", REFERENCE_SCENARIOS)
def test_every_zone_hub_route_and_contributor_of_a_reference_scenario_has_a_source(
        name: str) -> None:
    """models/sources.md: every number has a source and year or is labelled an estimate or
    an assumption. Zones, hubs and contributors carry it in `source`, routes in `notes`."""
    sc = load_resolved(ROOT / "scenarios" / f"{name}.yaml").scenario
    missing = [f"zones.{z.id}" for z in sc.zones if not SOURCED.search(z.source)]
    missing += [f"hubs.{h.id}" for h in sc.hubs if not SOURCED.search(h.source)]
    missing += [f"routes.{r.name}" for r in sc.routes if not SOURCED.search(r.notes)]
    missing += [f"contributors.{c.id}" for c in sc.contributors
                if not SOURCED.search(c.source)]
    assert not missing, f"{name}: no source, estimate or assumption label for {missing}"


def test_the_source_check_catches_a_zone_without_one(tmp_path: Path) -> None:
    """The check above is no formality: a zone whose source says nothing fails it."""
    doc = yaml.safe_load((ROOT / "scenarios" / "karabakh_2020.yaml").read_text())
    doc["zones"][0]["source"] = "see above"
    doc["extends"] = str(ROOT / "scenarios" / "base" / "osce_pool.yaml")
    path = tmp_path / "unsourced.yaml"
    path.write_text(yaml.safe_dump(doc))
    sc = load_resolved(path).scenario
    assert not SOURCED.search(sc.zones[0].source)
    assert all(SOURCED.search(z.source) for z in sc.zones[1:])
