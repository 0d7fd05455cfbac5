"""`pkplanner calibrate`: the doctrine's size of a one-zone analogue of each mission of
models/history.yaml, against what the mission fielded. No network: the table ships."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pkplanner.calibrate import (
    BAND,
    MANDATE_OF,
    Analogue,
    by_class,
    calibrate,
    history_personnel,
)
from pkplanner.scenario.history import load_history

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rows() -> list[Analogue]:
    return calibrate()


def presence(mandate: str, line_km: float, population: float) -> float:
    """The doctrine's presence rule at threat 1, read from the file by the test itself."""
    doctrine = yaml.safe_load((ROOT / "models" / "doctrine.yaml").read_text(encoding="utf-8"))
    rule = next(m for m in doctrine["mandates"] if m["id"] == mandate)["requirements"][
        "presence"]
    mult = doctrine["threat_multipliers"][1]
    return mult * (rule.get("base", 0) + rule.get("per_line_km", 0) * line_km
                   + rule.get("per_1000_pop", 0) * population / 1000)


def test_every_mission_has_a_row_and_every_analogue_is_verified(rows: list[Analogue]) -> None:
    table = load_history()
    assert [a.mission.id for a in rows] == [m.id for m in table.missions]
    for a in rows:
        assert a.mandate == MANDATE_OF[a.mission.mandate_class]
        if a.model is not None:
            assert a.status == "optimal" and a.verdict == [], a.mission.id
        else:
            assert "no line, area or population" in a.why


def test_history_is_the_total_else_the_components() -> None:
    table = load_history()
    unmee, unficyp = table.mission("unmee"), table.mission("unficyp")
    assert history_personnel(unmee) == 4200                # total on record
    assert history_personnel(unficyp) == 860 + 65          # troops + police


@pytest.mark.parametrize(("mission", "line_km"), [("unficyp", 180), ("undof", 80),
                                                  ("ru_pk_karabakh", 200)])
def test_interposition_analogues_are_their_presence_rule(rows: list[Analogue], mission: str,
                                                         line_km: float) -> None:
    """A buffer zone is sized by presence: base 100 + 5 per km of line (threat 1), met
    exactly by the doctrine's units; the ratio is that over the record."""
    a = next(r for r in rows if r.mission.id == mission)
    assert a.geometry["line_km"] == line_km
    assert a.model == pytest.approx(presence("interposition", line_km, a.geometry["population"]))
    assert a.ratio == pytest.approx(a.model / a.history)
    assert a.in_band == (BAND[0] <= a.ratio <= BAND[1])


def test_class_means_are_geometric(rows: list[Analogue]) -> None:
    import math
    for cls, (n, gm, lo, hi) in by_class(rows).items():
        ratios = [a.ratio for a in rows if a.mission.mandate_class == cls and a.ratio]
        assert n == len(ratios) and lo == min(ratios) and hi == max(ratios)
        assert math.log(gm) == pytest.approx(sum(map(math.log, ratios)) / n)


def test_the_command_prints_the_band_and_writes_both_files(tmp_path: Path,
                                                           rows: list[Analogue]) -> None:
    out = tmp_path / "cal"
    run = subprocess.run([sys.executable, "-m", "pkplanner", "calibrate", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    sized = [a for a in rows if a.ratio is not None]
    inside = sum(a.in_band for a in sized)
    assert (f"{inside} of {len(sized)} sized missions within 0.67..1.5; "
            f"{len(rows) - len(sized)} not sized") in run.stdout
    for a in rows:
        if not a.in_band:
            assert f"{a.mission.id}: {a.why}" in " ".join(run.stdout.split())
    md = (out / "calibration.md").read_text(encoding="utf-8")
    for a in sized:
        assert f"| {a.mission.id} | {a.mission.mandate_class} |" in md
        assert f"| {a.ratio:.2f} |" in md
    assert (out / "calibration.html").stat().st_size > 10_000


def test_the_class_fit_is_least_squares_on_log_ratios(rows: list[Analogue]) -> None:
    """One multiplier per class: minimising the sum of squared log(s x ratio) gives s =
    1 / geometric mean; leave-one-out scores each mission with the multiplier of the rest.
    Checked by brute force over a fine grid of multipliers."""
    import math

    from pkplanner.calibrate import fit
    fits = fit(rows)
    assert set(fits) == {cls for cls, (n, *_rest) in by_class(rows).items() if n >= 2}
    for cls, f in fits.items():
        ratios = [a.ratio for a in rows if a.mission.mandate_class == cls and a.ratio]
        grid = [math.exp(k / 1000) for k in range(-4000, 4001)]
        best = min(grid, key=lambda s: sum(math.log(s * r) ** 2 for r in ratios))
        assert f.scale == pytest.approx(best, rel=2e-3)
        assert f.in_band == sum(BAND[0] <= f.scale * r <= BAND[1] for r in ratios)
        loo = []
        for i, r in enumerate(ratios):
            rest = ratios[:i] + ratios[i + 1:]
            s_i = math.exp(-sum(map(math.log, rest)) / len(rest))
            loo.append(s_i * r)
        assert f.loo_in_band == sum(BAND[0] <= x <= BAND[1] for x in loo)
        assert f.loo_rms == pytest.approx(math.sqrt(sum(math.log(x) ** 2 for x in loo)
                                                    / len(loo)))
