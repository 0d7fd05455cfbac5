"""The batch spec (docs/batch-spec.md): what to run, validated like a scenario file.

A spec names scenarios, planning options, objectives, a grid of `--set`-style
overrides, an optional Pareto front and optional Monte Carlo samples. Unknown keys
are errors; every problem is reported at once as `error: FILE: path: message`.

Monte Carlo `vary` paths may hold `*` wildcards; they are expanded against the
resolved scenario document (lists of records are addressed by id, as `--set` does),
and each sample draws one value per expanded path from a numpy generator seeded
with `(seed, sample)`, so sample i is the same whatever else the spec holds.

Distributions (`relative`: `true` adds the draw to the scenario's value, `factor`
multiplies it, `false` replaces it):

- `normal`: `sd`, optional `mean` (default 0 when relative, 1 as a factor; required
  when `relative: false`); `relative` defaults to `true`.
- `uniform`: `low`, `high`; `relative` defaults to `false`.
- `choice`: `values`, optional `weights`; `relative` defaults to `false`.

`clip: [lo, hi]` bounds the result; a value that is an integer in the scenario
(threat, units, max_personnel) stays an integer (rounded, then clipped).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pkplanner.errors import InputError, Problem
from pkplanner.scenario.resolve import read_yaml
from pkplanner.scenario.schema import no_bool_numbers

Slug = Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
Relative = bool | Literal["factor"]
Objective = Literal["cost", "acceptability", "coverage"]
DIST_NAMES = ("normal", "uniform", "choice")


class _Strict(BaseModel):
    """Base of every block: an unknown key is an error, so a misspelt key never silently
    changes what a batch runs."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    _no_bool_numbers = model_validator(mode="wrap")(no_bool_numbers)


_RELATIVE = ("true: add the draw to the scenario's value; factor: multiply the scenario's value "
             "by it; false: the draw is the value.")
_CLIP = ("[low, high] bounds of the result (an integer in the scenario stays an integer); "
         "null (default): no bounds.")


def _check_clip(clip: tuple[float, float] | None) -> tuple[float, float] | None:
    if clip is not None and clip[0] > clip[1]:
        raise ValueError(f"clip lower bound {clip[0]} is above the upper bound {clip[1]}")
    return clip


class Normal(_Strict):
    """A normal draw: by default a change added to the scenario's value (e.g. sd 0.1 on a
    score), since most uncertain inputs are best guesses with an error around them."""

    dist: Literal["normal"] = Field(description="The distribution: normal.")
    sd: Annotated[float, Field(ge=0.0)] = Field(description="Standard deviation (0 or more).")
    mean: float | None = Field(
        None, description="Mean; null (default): 0 when relative is true, 1 when relative is "
                          "factor. Required when relative is false.")
    relative: Relative = Field(True, description=_RELATIVE + " Default true.")
    clip: tuple[float, float] | None = Field(None, description=_CLIP)

    _clip = field_validator("clip")(_check_clip)

    @model_validator(mode="after")
    def _absolute_needs_mean(self) -> Normal:
        if self.relative is False and self.mean is None:
            raise ValueError("an absolute normal distribution (relative: false) needs a mean")
        return self


class Uniform(_Strict):
    """A uniform draw between two bounds, for inputs known only as a range."""

    dist: Literal["uniform"] = Field(description="The distribution: uniform.")
    low: float = Field(description="Lower end of the range.")
    high: float = Field(description="Upper end of the range (not below low).")
    relative: Relative = Field(False, description=_RELATIVE + " Default false.")
    clip: tuple[float, float] | None = Field(None, description=_CLIP)

    _clip = field_validator("clip")(_check_clip)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


class Choice(_Strict):
    """A pick from listed values, for discrete inputs (a threat level, a road class)."""

    dist: Literal["choice"] = Field(description="The distribution: choice.")
    values: Annotated[list[Any], Field(min_length=1)] = Field(
        description="Values to pick from (at least one; numbers when relative or clipped).")
    weights: list[Annotated[float, Field(ge=0.0)]] | None = Field(
        None, description="Weight of each value, one per value (0 or more, not all 0); null "
                          "(default): equal weights.")
    relative: Relative = Field(False, description=_RELATIVE + " Default false.")
    clip: tuple[float, float] | None = Field(None, description=_CLIP)

    _clip = field_validator("clip")(_check_clip)

    @model_validator(mode="after")
    def _consistent(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        if (self.relative is not False or self.clip is not None) and not all(
                _is_number(v) for v in self.values):
            raise ValueError("relative or clipped choices need numeric values")
        return self


Distribution = Annotated[Normal | Uniform | Choice, Field(discriminator="dist")]


class Pareto(_Strict):
    """A trade-off front between cost and acceptability, traced by the epsilon-constraint
    method: one run per point, on the model already built."""

    axis: Literal["acceptability_floor", "budget_per_month", "robust_budget"] = Field(
        "acceptability_floor",
        description="acceptability_floor (default): least cost at evenly spaced common floors "
                    "on every party's acceptability, from 0 to the best reachable; "
                    "budget_per_month: best acceptability at evenly spaced budgets, from the "
                    "least cost to the cost of the most acceptable plan; robust_budget: least "
                    "cost at evenly spaced robust budgets Γ (every party), from 0 to the most "
                    "uncertain scores any party has (the price of robustness).")
    points: Annotated[int, Field(ge=2, le=10_000)] = Field(
        description="Points on the front, ends included (2 to 10,000).")


class MonteCarlo(_Strict):
    """Samples of uncertain inputs, to see how often and how much a plan changes."""

    samples: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        description="Number of samples (1 to 1,000,000); each is one run per scenario, "
                    "option, objective and grid point.")
    seed: Annotated[int, Field(ge=0)] = Field(
        0, description="Seed of the draws (0 or more, default 0); sample i draws the same "
                       "values whatever else the spec holds.")
    vary: Annotated[dict[str, Distribution], Field(min_length=1)] = Field(
        description="Dotted scenario path (a `*` segment matches every key, or every id in a "
                    "list) -> distribution its value is drawn from.")

    @field_validator("vary")
    @classmethod
    def _paths(cls, v: dict[str, Any]) -> dict[str, Any]:
        for path in v:
            _check_path(path, wildcards=True)
        return v


class BatchSpec(_Strict):
    """Many solves from one file (`schema_version: 1`): every scenario x option x objective
    x grid point, plus Pareto points and Monte Carlo samples, stored for analysis."""

    schema_version: Literal[1] = Field(description="Version of the spec format; must be 1.")
    name: Slug = Field(description="Slug naming the batch (shown in the report).")
    description: str = Field("", description="Free text shown in the batch report.")
    scenarios: Annotated[list[str], Field(min_length=1)] = Field(
        description="Scenario files, paths relative to this spec file (at least one, no "
                    "repeats).")
    options: Annotated[list[str], Field(min_length=1)] | None = Field(
        None, description="Planning option ids to run for every scenario (no repeats); null "
                          "(default): each scenario's own planning_option.")
    objectives: Annotated[list[Objective], Field(min_length=1)] | None = Field(
        None, description="Objectives to run (cost, acceptability, coverage; no repeats); "
                          "null (default): each scenario's own objective.")
    time_limit: Annotated[float, Field(gt=0)] | None = Field(
        60.0, description="Seconds one run's solve may take, all the steps of the "
                          "acceptability and coverage objectives together; at the limit the "
                          "best plan found stands (status feasible). Null: no limit. "
                          "Default 60.")
    gap: Annotated[float, Field(ge=0.0)] = Field(
        0.001, description="Relative MIP gap at which a solve counts as optimal; default "
                           "0.001.")
    run_timeout: Annotated[float, Field(gt=0)] | None = Field(
        None, description="Wall-clock seconds one run may take before it is stored as an "
                          "error; null (default): 3 x time_limit + 60, none without "
                          "time_limit.")
    verify: bool = Field(
        True, description="Check every plan with the independent verifier (a plan it rejects "
                          "is stored as an error); false skips it for speed, and the runs "
                          "table's `verified` column is then null.")
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(
        default_factory=dict,
        description="Dotted `--set` path (no wildcards) -> values to try; every combination "
                    "is run. Empty (default): one run without overrides.")
    pareto: Pareto | None = Field(
        None, description="A Pareto front for every scenario, option and grid point; null "
                          "(default): none.")
    monte_carlo: MonteCarlo | None = Field(
        None, description="Monte Carlo samples for every scenario, option and grid point; "
                          "null (default): none.")

    @field_validator("grid")
    @classmethod
    def _grid_paths(cls, v: dict[str, Any]) -> dict[str, Any]:
        for path in v:
            _check_path(path, wildcards=False)
        return v

    @field_validator("options", "objectives", "scenarios")
    @classmethod
    def _unique(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            dup = sorted({x for x in v if v.count(x) > 1})
            if dup:
                raise ValueError(f"listed more than once: {', '.join(dup)}")
        return v

    @field_validator("gap")
    @classmethod
    def _gap_is_a_fraction(cls, v: float) -> float:
        if v > 1:
            raise ValueError(f"{v} is above 1 (a relative gap: 0.01 is 1%)")
        return v

    def grid_points(self) -> list[dict[str, Any]]:
        """The cartesian product of the grid, in spec order ([{}] without a grid)."""
        keys = list(self.grid)
        return [dict(zip(keys, combo, strict=True))
                for combo in itertools.product(*(self.grid[k] for k in keys))]


def _check_path(path: str, wildcards: bool) -> None:
    parts = path.split(".")
    if not path or any(not p.strip() for p in parts):
        raise ValueError(f"'{path}': empty path segment")
    if not wildcards and "*" in path:
        raise ValueError(f"'{path}': wildcards are allowed only in monte_carlo.vary")
    if any("*" in p and p != "*" for p in parts):
        raise ValueError(f"'{path}': a wildcard must be a whole path segment")


# --------------------------------------------------------------------------- loading


def load_spec(path: str | Path) -> BatchSpec:
    """Read and validate a batch spec; raise InputError with one line per problem."""
    label = str(path)
    data = read_yaml(Path(path), label)
    try:
        return BatchSpec.model_validate(data)
    except ValidationError as e:
        raise InputError(_problems(e, label)) from None


def _problems(e: ValidationError, label: str) -> list[Problem]:
    out = []
    for err in e.errors():
        loc = [str(p) for p in err["loc"]]
        # a discriminated union adds its tag ('normal', ...) after the vary path: drop it
        if len(loc) > 3 and loc[:2] == ["monte_carlo", "vary"] and loc[3] in DIST_NAMES:
            del loc[3]
        msg = err["msg"]
        kind = err["type"]
        if kind == "extra_forbidden":
            msg = "unknown key (check spelling; unknown keys are not allowed)"
        elif kind == "missing":
            msg = "required field is missing"
        elif kind == "union_tag_not_found":
            loc.append("dist")
            msg = f"required field is missing ({', '.join(DIST_NAMES)})"
        elif kind == "union_tag_invalid":
            loc.append("dist")
            msg = f"unknown distribution '{err['input'].get('dist')}' " \
                  f"({', '.join(DIST_NAMES)})" if isinstance(err["input"], dict) else msg
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        if kind == "literal_error" and loc == ["schema_version"]:
            msg = "unsupported schema_version (this pkplanner reads 1)"
        out.append(Problem(label, ".".join(loc), msg))
    return out


# --------------------------------------------------------------------------- Monte Carlo


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


@dataclass(frozen=True)
class Target:
    """One concrete path a `vary` pattern expands to, with the scenario's value there."""

    pattern: str
    path: str
    base: Any


def expand(pattern: str, doc: dict[str, Any]) -> list[Target]:
    """Concrete paths matching `pattern` in a resolved scenario document, in its order."""
    parts = pattern.split(".")
    found: list[Target] = []

    def walk(node: Any, i: int, prefix: list[str]) -> None:
        if i == len(parts):
            found.append(Target(pattern, ".".join(prefix), node))
            return
        head = parts[i]
        if isinstance(node, dict):
            keys = list(node) if head == "*" else [k for k in node if str(k) == head]
            for k in keys:
                walk(node[k], i + 1, [*prefix, str(k)])
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, dict) and "id" in item and head in ("*", str(item["id"])):
                    walk(item, i + 1, [*prefix, str(item["id"])])

    walk(doc, 0, [])
    if not found and "*" not in pattern:
        found.append(Target(pattern, pattern, None))   # a new key, set absolutely
    return found


def check_targets(targets: list[Target], dist: Normal | Uniform | Choice) -> str | None:
    """Why these targets cannot be varied by `dist`, or None."""
    numeric = dist.dist != "choice" or dist.relative is not False or dist.clip is not None
    for t in targets:
        if isinstance(t.base, dict | list):
            return f"'{t.path}' is a mapping or list, not a value"
        if numeric and t.base is not None and not _is_number(t.base):
            return f"'{t.path}' is not a number ({t.base!r})"
        if dist.relative is not False and t.base is None:
            return f"'{t.path}' has no value to vary relative to"
    return None


def draw(dist: Normal | Uniform | Choice, base: Any, rng: np.random.Generator) -> Any:
    """One value for one target."""
    if isinstance(dist, Normal):
        mean = dist.mean if dist.mean is not None else (1.0 if dist.relative == "factor" else 0.0)
        x: Any = float(rng.normal(mean, dist.sd))
    elif isinstance(dist, Uniform):
        x = float(rng.uniform(dist.low, dist.high))
    else:
        p = None
        if dist.weights is not None:
            w = np.asarray(dist.weights, dtype=float)
            p = w / w.sum()
        x = dist.values[int(rng.choice(len(dist.values), p=p))]
        if not _is_number(x):
            return x
    if dist.relative == "factor":
        x = base * x
    elif dist.relative is True:
        x = base + x
    if dist.clip is not None:
        x = min(max(x, dist.clip[0]), dist.clip[1])
    if isinstance(base, int) and not isinstance(base, bool):
        x = round(x)
        if dist.clip is not None:
            x = min(max(x, math.ceil(dist.clip[0])), math.floor(dist.clip[1]))
        return x
    return round(x, 6) if isinstance(x, float) else x


def sample_values(spec: MonteCarlo, targets: list[tuple[Target, Normal | Uniform | Choice]],
                  sample: int) -> dict[str, Any]:
    """The overrides of one sample: reproducible from (seed, sample) alone."""
    rng = np.random.default_rng([spec.seed, sample])
    return {t.path: draw(dist, t.base, rng) for t, dist in targets}
