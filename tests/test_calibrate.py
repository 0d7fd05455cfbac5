"""`pkplanner calibrate`: the doctrine's size of a one-zone analogue of each mission of
models/history.yaml, against what the mission fielded; the per-term fit of the presence
rules, its leave-one-out check and its write-back. No network: the table ships."""

from __future__ import annotations

import copy
import itertools
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pkplanner.calibrate import (
    BAND,
    MANDATE_OF,
    SPECS,
    Analogue,
    Calibration,
    ClassSpec,
    Point,
    analogue_of,
    apply_fit,
    by_class,
    calibrate,
    fit_doctrine,
    fit_terms,
    history_personnel,
    log_cost,
    points,
    predict,
    run_calibration,
    size,
    write_doctrine,
)
from pkplanner.scenario.history import load_history
from pkplanner.scenario.resolve import doctrine

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rows() -> list[Analogue]:
    return calibrate()


@pytest.fixture(scope="module")
def cal() -> Calibration:
    return run_calibration()


def shipped_doctrine() -> dict:
    return yaml.safe_load((ROOT / "models" / "doctrine.yaml").read_text(encoding="utf-8"))


def presence(mandate: str, line_km: float, population: float, threat: int) -> float:
    """The doctrine's presence rule, read from the file by the test itself: the threat's
    multiplier times the larger of the floor and the sum of the terms."""
    d = shipped_doctrine()
    rule = next(m for m in d["mandates"] if m["id"] == mandate)["requirements"]["presence"]
    terms = (rule.get("base", 0) + rule.get("per_line_km", 0) * line_km
             + rule.get("per_1000_pop", 0) * population / 1000)
    return d["threat_multipliers"][threat] * max(rule.get("min", 0), terms)


def test_every_mission_has_a_row_and_every_analogue_is_verified(rows: list[Analogue]) -> None:
    table = load_history()
    assert [a.mission.id for a in rows] == [m.id for m in table.missions]
    for a in rows:
        assert a.mandate == MANDATE_OF[a.mission.mandate_class]
        assert a.threat == (a.mission.threat.level if a.mission.threat else 1)
        if a.model is not None:
            assert a.status == "optimal" and a.verdict == [], a.mission.id
        else:
            assert a.why == f"not sized: {a.mission.geometry_missing.strip()}"
            assert a.mission.geometry_missing.strip()


def test_history_is_the_total_else_the_components() -> None:
    table = load_history()
    unmee, unficyp = table.mission("unmee"), table.mission("unficyp")
    assert history_personnel(unmee) == 4200                # total on record
    assert history_personnel(unficyp) == 860 + 65          # troops + police


@pytest.mark.parametrize(("mission", "line_km", "threat"), [
    ("unficyp", 180, 1), ("undof", 80, 3), ("ru_pk_karabakh", 200, 3)])
def test_interposition_analogues_are_their_presence_rule(rows: list[Analogue], mission: str,
                                                         line_km: float, threat: int) -> None:
    """A buffer zone is sized by presence: the threat's multiplier times max(min, per km x
    line), met by whole units (every unit has an even headcount, so at most one person
    more); the ratio is that over the record."""
    a = next(r for r in rows if r.mission.id == mission)
    assert a.geometry["line_km"] == line_km and a.threat == threat
    need = math.ceil(presence("interposition", line_km, a.geometry["population"], threat) - 1e-9)
    assert need <= a.model <= need + 1
    assert a.ratio == pytest.approx(a.model / a.history)
    assert a.in_band == (BAND[0] <= a.ratio <= BAND[1])


def test_class_means_are_geometric(rows: list[Analogue]) -> None:
    for cls, (n, gm, lo, hi) in by_class(rows).items():
        ratios = [a.ratio for a in rows if a.mission.mandate_class == cls and a.ratio]
        assert n == len(ratios) and lo == min(ratios) and hi == max(ratios)
        assert math.log(gm) == pytest.approx(sum(map(math.log, ratios)) / n)


# --------------------------------------------------------------------------- the fit


def test_the_fit_recovers_a_rule_that_generated_the_data() -> None:
    """A hand case: history made by mult x (2 per km + 3 per 1,000) is fitted back exactly,
    and leave-one-out then scores every point at ratio 1."""
    spec = ClassSpec("interposition", 10.0, (("per_line_km", 0.0, 30.0),
                                             ("per_1000_pop", 0.0, 20.0)))
    xs = [(100.0, 0.0), (50.0, 20.0), (300.0, 5.0), (10.0, 100.0)]
    pts = [Point(f"m{i}", x, m, m * (2 * x[0] + 3 * x[1]))
           for i, (x, m) in enumerate(zip(xs, (1.0, 1.5, 1.25, 2.0), strict=True))]
    assert fit_terms(pts, spec) == pytest.approx((2.0, 3.0), rel=1e-3)
    for i, p in enumerate(pts):
        c = fit_terms(pts[:i] + pts[i + 1:], spec)
        assert predict([p], spec.floor, c)[0] == pytest.approx(p.history, rel=1e-3)


def test_the_floor_is_a_floor_in_the_fit() -> None:
    """Below the floor a point's prediction is the floor times its multiplier, whatever
    the coefficients."""
    p = Point("small", (1.0,), 1.5, 300.0)
    assert predict([p], 100.0, (5.0,)) == [150.0]
    assert predict([p], 100.0, (500.0,)) == [750.0]


@pytest.mark.parametrize("cls", ["interposition", "monitoring", "observation"])
def test_the_fit_is_the_least_squares_optimum_on_a_grid(rows: list[Analogue], cls: str) -> None:
    """Brute force: no point of a fine grid over the bounds has a smaller sum of squared
    log errors than the fitted coefficients (up to their rounding to 3 digits), and the
    best grid point is close to them."""
    spec = SPECS[cls]
    d = doctrine()
    pts = points(rows, cls, d)
    c = fit_terms(pts, spec)
    axes = []
    for (_, lo, hi), ci in zip(spec.terms, c, strict=True):
        coarse = [lo + (hi - lo) * k / 400 for k in range(401)]
        fine = [max(lo, min(hi, ci * (1 + k / 1000))) for k in range(-60, 61)]
        axes.append(sorted(set(coarse + fine)))
    best = min(itertools.product(*axes), key=lambda g: log_cost(pts, spec.floor, g))
    ours = log_cost(pts, spec.floor, c)
    assert ours <= log_cost(pts, spec.floor, best) * (1 + 1e-3) + 1e-9
    for (key, lo, hi), ci, bi in zip(spec.terms, c, best, strict=True):
        assert lo <= ci <= hi, key
        assert ci == pytest.approx(bi, rel=0.02, abs=0.002 * (hi - lo)), key


def test_leave_one_out_is_recomputed_by_the_milp(rows: list[Analogue], cal: Calibration
                                                 ) -> None:
    """Each mission's leave-one-out coefficients are the fit of its class without it, its
    ratio the MILP's size with them, and the class error their RMS log."""
    d = doctrine()
    f = cal.fits["interposition"]
    pts = points(rows, "interposition", d)
    assert [p.mission for p in pts] == f.missions
    for i, p in enumerate(pts):
        assert f.loo_coefs[p.mission] == fit_terms(pts[:i] + pts[i + 1:], f.spec)
    mission = "ru_pk_karabakh"
    a = size(analogue_of(load_history().mission(mission)),
             apply_fit(d, {"interposition": f.loo_coefs[mission]}))
    assert f.loo_ratio[mission] == pytest.approx(a.ratio)
    r = list(f.loo_ratio.values())
    assert f.loo_rms == pytest.approx(math.sqrt(sum(math.log(x) ** 2 for x in r) / len(r)))
    assert f.loo_in_band == sum(BAND[0] <= x <= BAND[1] for x in r)


def test_the_shipped_doctrine_is_the_calibrated_one(rows: list[Analogue]) -> None:
    """models/doctrine.yaml holds what the fit gives from the shipped table, and its
    provenance block names the missions it used."""
    d = doctrine()
    fitted, fits = fit_doctrine(rows, d, loo=False)
    shipped = shipped_doctrine()
    for f in fits.values():
        mine = next(m for m in shipped["mandates"] if m["id"] == f.spec.mandate)
        new = next(m for m in fitted["mandates"] if m["id"] == f.spec.mandate)
        assert mine["requirements"] == new["requirements"], f.spec.mandate
        block = shipped["calibration"]["mandates"][f.spec.mandate]
        assert block["missions"] == f.missions
        assert block["presence"] == {"min": f.spec.floor, **f.terms}
        assert "base" not in mine["requirements"]["presence"]


def test_coverage_is_capped_at_what_the_fitted_presence_provides() -> None:
    """Observer teams watch 8 km with 4 people: 0.5 people per km. An observation presence
    of 0.135 per km therefore watches 0.27 km per km of line; patrol per km2 falls to 0
    when presence has no area term; interposition's 1 per km is below its presence."""
    d = copy.deepcopy(doctrine())
    out = apply_fit(d, {"observation": (0.135, 0.0), "interposition": (6.69, 0.0)})
    obs = next(m for m in out["mandates"] if m["id"] == "observation_liaison")["requirements"]
    assert obs["observation_km"]["per_line_km"] == pytest.approx(0.27)
    assert obs["patrol_km"]["per_km2"] == 0
    assert obs["presence"]["min"] == 20 and "base" not in obs["presence"]
    ip = next(m for m in out["mandates"] if m["id"] == "interposition")["requirements"]
    assert ip["observation_km"]["per_line_km"] == 1 and ip["patrol_km"]["per_line_km"] == 1


# --------------------------------------------------------------------------- output


def test_out_of_band_analogues_say_why(cal: Calibration) -> None:
    for a in cal.fitted:
        if a.ratio is not None and not a.in_band:
            assert a.why.startswith(("above the band", "below the band")), a.mission.id
            assert "under " + a.mandate in a.why and "; " in a.why
    aceh = next(a for a in cal.fitted if a.mission.id == "eu_amm_aceh")
    assert "osce_kvm" in aceh.why and "disagree" in aceh.why


def test_write_back_keeps_comments_and_is_idempotent(tmp_path: Path, rows: list[Analogue],
                                                     cal: Calibration) -> None:
    src = (ROOT / "models" / "doctrine.yaml").read_text(encoding="utf-8")
    path = tmp_path / "doctrine.yaml"
    path.write_text(src, encoding="utf-8")
    write_doctrine(path, cal.doctrine, cal.fitted, cal.fits, today="2026-01-01")
    once = path.read_text(encoding="utf-8")
    write_doctrine(path, cal.doctrine, cal.fitted, cal.fits, today="2026-01-01")
    assert path.read_text(encoding="utf-8") == once
    comments = [ln for ln in src.splitlines() if ln.lstrip().startswith("#")]
    assert [ln for ln in once.splitlines() if ln.lstrip().startswith("#")] == comments
    data = yaml.safe_load(once)
    assert data["calibration"]["date"] == "2026-01-01"
    for f in cal.fits.values():
        m = next(m for m in data["mandates"] if m["id"] == f.spec.mandate)
        assert m["requirements"]["presence"]["min"] == f.spec.floor
        for k, v in f.terms.items():
            assert m["requirements"]["presence"][k] == pytest.approx(v)
    # the shipped file is the calibrated one: writing it again changes the date alone
    shipped_date = yaml.safe_load(src)["calibration"]["date"]
    assert once == src.replace(f"date: '{shipped_date}'", "date: '2026-01-01'")


def test_the_command_prints_the_band_and_writes_both_files(tmp_path: Path,
                                                           cal: Calibration) -> None:
    out = tmp_path / "cal"
    run = subprocess.run([sys.executable, "-m", "pkplanner", "calibrate", "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    rows = cal.fitted
    sized = [a for a in rows if a.ratio is not None]
    inside = sum(a.in_band for a in sized)
    before = sum(a.in_band for a in cal.shipped if a.ratio is not None)
    text = " ".join(run.stdout.split())
    assert (f"{inside} of {len(sized)} sized missions within 0.67..1.5 with the fitted "
            f"doctrine ({before} with the shipped one); {len(rows) - len(sized)} not sized"
            ) in text
    for a in rows:
        if not a.in_band:
            assert f"{a.mission.id}: {a.why}" in text
    for cls, f in cal.fits.items():
        assert f"leave-one-out {f.loo_in_band} of {len(f.loo_ratio)}, RMS log error " \
               f"{f.loo_rms:.2f}" in text, cls
    md = (out / "calibration.md").read_text(encoding="utf-8")
    for a in sized:
        assert f"| {a.mission.id} | {a.mission.mandate_class} |" in md
        assert f"| {a.ratio:.2f} |" in md
    assert (out / "calibration.html").stat().st_size > 10_000
