"""The history table (models/history.yaml): it ships, it is sourced, and a bad file is one
line per problem naming the file and the field."""

from __future__ import annotations

import copy
import string
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pkplanner.errors import InputError
from pkplanner.scenario.history import (
    FIRST_YEAR,
    LAST_YEAR,
    HistoryTable,
    load_history,
)

REPO = Path(__file__).resolve().parents[1]
CLASSES = ("monitoring", "observation", "interposition", "robust")


@pytest.fixture(scope="module")
def table() -> HistoryTable:
    return load_history()


# --------------------------------------------------------------------------- the shipped table


def test_the_shipped_table_loads_and_is_the_repository_file(table: HistoryTable) -> None:
    assert table == load_history(REPO / "models" / "history.yaml")
    assert len(table.missions) >= 15
    assert len({m.id for m in table.missions}) == len(table.missions)


def test_every_mandate_class_has_at_least_three_missions(table: HistoryTable) -> None:
    counts = Counter(m.mandate_class for m in table.missions)
    assert set(counts) == set(CLASSES)
    assert all(counts[c] >= 3 for c in CLASSES), counts


def test_every_number_has_a_year_and_a_known_source(table: HistoryTable) -> None:
    n = 0
    for m in table.missions:
        assert m.figures(), f"{m.id} has no figure at all"
        for path, f in m.figures():
            where = f"{m.id}.{path}"
            assert FIRST_YEAR <= f.year <= LAST_YEAR, where
            assert f.source in table.sources, where
            assert not f.estimate or f.note.strip(), f"{where}: estimate without a note"
            n += 1
        parts = m.strength.components()
        if m.strength.total is not None:
            assert m.strength.total.value >= sum(f.value for f in parts.values()), m.id
    assert n >= 50
    for sid, s in table.sources.items():
        assert s.title and s.publisher and s.date, sid


def test_the_known_traps_are_right(table: HistoryTable) -> None:
    unmee = table.mission("unmee")
    obs = unmee.strength.military_observers
    total = unmee.strength.total
    assert obs is not None and obs.value == 220 and obs.basis == "authorized"
    assert total is not None and total.value == 4200
    assert unmee.geometry.line_km is not None and unmee.geometry.line_km.value == 900
    bz = table.mission("unficyp").geometry.line_km
    assert bz is not None and bz.value == 180
    aos = table.mission("undof").geometry.line_km
    assert aos is not None and 75 <= aos.value <= 80
    ru = table.mission("ru_pk_karabakh").strength.troops
    assert ru is not None and ru.value == 1960


def test_doctrine_source_ids_keep_their_meaning(table: HistoryTable) -> None:
    """Ids shared with models/doctrine.yaml name the same page there and here."""
    doctrine = yaml.safe_load((REPO / "models" / "doctrine.yaml").read_text(encoding="utf-8"))
    shared = set(doctrine["sources"]) & set(table.sources)
    assert {"unficyp_bz", "undof_aos", "undof_1974", "unmee_tsz", "mfo_2011",
            "smm_monitors", "smm_line"} <= shared
    for sid in shared - {"ru_pk_2020"}:      # the Karabakh entry cites another report of it
        assert table.sources[sid].url in doctrine["sources"][sid], sid


# --------------------------------------------------------------------------- bad files


def _figure(value: int | float, source: str = "s1") -> dict[str, Any]:
    return {"value": value, "year": 2000, "source": source}


def _doc() -> dict[str, Any]:
    """A small valid table."""
    return {
        "sources": {"s1": {"title": "A report", "publisher": "UN", "url": None,
                           "date": "2000"}},
        "missions": [{
            "id": "m1", "name": "Mission one", "organisation": "UN",
            "years": {"start": 1990, "end": None},
            "mandate_class": "interposition", "armed": "armed", "snapshot_year": 2000,
            "strength": {"troops": _figure(800), "police": _figure(50),
                         "total": _figure(900)},
            "geometry": {"line_km": _figure(180.5), "area_km2": None,
                         "population": _figure(10000)},
        }],
    }


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "history.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_the_small_table_is_valid(tmp_path: Path) -> None:
    t = load_history(_write(tmp_path, _doc()))
    assert t.mission("m1").strength.total is not None


def _missing_source(d: dict[str, Any]) -> None:
    del d["missions"][0]["strength"]["troops"]["source"]


def _unknown_source(d: dict[str, Any]) -> None:
    d["missions"][0]["geometry"]["line_km"]["source"] = "nope"


def _total_below_components(d: dict[str, Any]) -> None:
    d["missions"][0]["strength"]["total"]["value"] = 820


def _no_year(d: dict[str, Any]) -> None:
    del d["missions"][0]["geometry"]["population"]["year"]


def _implausible_year(d: dict[str, Any]) -> None:
    d["missions"][0]["strength"]["police"]["year"] = 1900


def _estimate_without_note(d: dict[str, Any]) -> None:
    d["missions"][0]["strength"]["total"]["estimate"] = True


def _snapshot_outside_years(d: dict[str, Any]) -> None:
    d["missions"][0]["years"]["end"] = 1995


def _unknown_key(d: dict[str, Any]) -> None:
    d["missions"][0]["strength"]["soldiers"] = _figure(1)


def _duplicate_id(d: dict[str, Any]) -> None:
    d["missions"].append(copy.deepcopy(d["missions"][0]))


def _bool_as_number(d: dict[str, Any]) -> None:
    d["missions"][0]["strength"]["troops"]["value"] = True


def _no_geometry_no_reason(d: dict[str, Any]) -> None:
    d["missions"][0]["geometry"] = {}


def _threat_off_the_scale(d: dict[str, Any]) -> None:
    d["missions"][0]["threat"] = {"level": 6, "reason": "war"}


def _threat_without_reason(d: dict[str, Any]) -> None:
    d["missions"][0]["threat"] = {"level": 3}


BAD = [
    (_missing_source, "missions.m1.strength.troops.source", "required field is missing"),
    (_unknown_source, "missions.m1.geometry.line_km.source", "unknown source id 'nope'"),
    (_total_below_components, "missions.m1.strength.total",
     "total 820 is below the sum of the components (troops 800 + police 50 = 850)"),
    (_no_year, "missions.m1.geometry.population.year", "required field is missing"),
    (_implausible_year, "missions.m1.strength.police.year", "greater than or equal to 1945"),
    (_estimate_without_note, "missions.m1.strength.total", "needs a one-line `note`"),
    (_snapshot_outside_years, "missions.m1", "snapshot_year 2000 is outside"),
    (_unknown_key, "missions.m1.strength.soldiers", "unknown key"),
    (_duplicate_id, "missions.m1.id", "duplicate mission id 'm1'"),
    (_bool_as_number, "missions.m1.strength.troops.value", "valid integer"),
    (_no_geometry_no_reason, "missions.m1", "`geometry_missing` must say why"),
    (_threat_off_the_scale, "missions.m1.threat.level", "less than or equal to 5"),
    (_threat_without_reason, "missions.m1.threat.reason", "required field is missing"),
]


@pytest.mark.parametrize(("spoil", "where", "what"), BAD,
                         ids=[b[0].__name__.strip("_") for b in BAD])
def test_a_bad_file_is_one_line_naming_the_file_and_the_field(
        tmp_path: Path, spoil: Any, where: str, what: str) -> None:
    doc = _doc()
    spoil(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(InputError) as e:
        load_history(path)
    assert len(e.value.problems) == 1, str(e.value)
    line = str(e.value)
    assert "\n" not in line
    assert line.startswith(f"error: {path}: {where}: "), line
    assert what in line, line


def test_a_missing_file_and_broken_yaml_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_history(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: {a: [\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_history(bad)
    assert "YAML syntax error" in str(e.value) and "\n" not in str(e.value)


# --------------------------------------------------------------------------- round trip

TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .,;:()'\"-/%&#", min_size=1,
               max_size=30)
SLUG = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
YEAR = st.integers(min_value=FIRST_YEAR, max_value=LAST_YEAR)


@st.composite
def figure(draw: st.DrawFn, sources: list[str], value: st.SearchStrategy[Any],
           headcount: bool = False) -> dict[str, Any]:
    f: dict[str, Any] = {"value": draw(value), "year": draw(YEAR),
                         "source": draw(st.sampled_from(sources))}
    if draw(st.booleans()):
        f["estimate"] = True
        f["note"] = draw(TEXT.filter(str.strip))
    elif draw(st.booleans()):
        f["note"] = draw(TEXT)
    if headcount and draw(st.booleans()):
        f["basis"] = draw(st.sampled_from(["deployed", "authorized", "peak"]))
    return f


@st.composite
def history_doc(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))
    sources = {sid: {"title": draw(TEXT), "publisher": draw(TEXT),
                     "url": draw(st.none() | st.just(f"https://example.org/{sid}")),
                     "date": draw(TEXT), "says": draw(st.just("") | TEXT)} for sid in ids}
    start = draw(YEAR)
    end = draw(st.none() | st.integers(min_value=start, max_value=LAST_YEAR))
    snapshot = draw(st.integers(min_value=start, max_value=LAST_YEAR if end is None else end))
    people = st.integers(min_value=0, max_value=10**6)
    measure = people | st.floats(min_value=0, max_value=1e6, allow_nan=False,
                                 allow_infinity=False)
    strength: dict[str, Any] = {}
    for key in ("troops", "military_observers", "police", "civilians"):
        if draw(st.booleans()):
            strength[key] = draw(figure(ids, people, headcount=True))
    if draw(st.booleans()):
        least = sum(f["value"] for f in strength.values())
        strength["total"] = draw(figure(ids, st.integers(min_value=least,
                                                         max_value=least + 10**5),
                                        headcount=True))
    geometry: dict[str, Any] = {}
    for key, value in (("line_km", measure), ("area_km2", measure), ("population", people)):
        if draw(st.booleans()):
            geometry[key] = draw(figure(ids, value))
    mission = {"id": draw(SLUG), "name": draw(TEXT), "organisation": draw(TEXT),
               "years": {"start": start, "end": end},
               "mandate_class": draw(st.sampled_from(CLASSES)),
               "armed": draw(st.sampled_from(["unarmed", "lightly_armed", "armed",
                                              "heavily_armed"])),
               "snapshot_year": snapshot, "strength": strength, "geometry": geometry,
               "notes": draw(st.just("") | TEXT)}
    if not geometry:
        mission["geometry_missing"] = draw(TEXT.filter(str.strip))
    if draw(st.booleans()):
        mission["threat"] = {"level": draw(st.integers(min_value=1, max_value=5)),
                             "reason": draw(TEXT)}
    return {"sources": sources, "missions": [mission]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history_doc())
def test_a_valid_record_round_trips_through_the_loader(doc: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / "first.yaml"
        first.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
                         encoding="utf-8")
        table = load_history(first)
        m, given_m = table.missions[0], doc["missions"][0]
        assert m.id == given_m["id"] and m.snapshot_year == given_m["snapshot_year"]
        for path, f in m.figures():
            block, name = path.split(".")
            raw = given_m[block][name]
            assert (f.value, f.year, f.source, f.estimate) == (
                raw["value"], raw["year"], raw["source"], raw.get("estimate", False))
        assert len(m.figures()) == len(given_m["strength"]) + len(given_m["geometry"])
        assert table.sources.keys() == doc["sources"].keys()
        # and what the loader gives back, written out again, loads to the same table
        second = Path(tmp) / "second.yaml"
        second.write_text(yaml.safe_dump(table.model_dump(mode="json"), sort_keys=False,
                                         allow_unicode=True), encoding="utf-8")
        assert load_history(second) == table
