"""The batch spec (contracts.md §4): what to run, validated like a scenario file.

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
from pkplanner.scenario import read_yaml

Slug = Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
Relative = bool | Literal["factor"]
Objective = Literal["cost", "acceptability", "coverage"]
DIST_NAMES = ("normal", "uniform", "choice")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _check_clip(clip: tuple[float, float] | None) -> tuple[float, float] | None:
    if clip is not None and clip[0] > clip[1]:
        raise ValueError(f"clip lower bound {clip[0]} is above the upper bound {clip[1]}")
    return clip


class Normal(_Strict):
    dist: Literal["normal"]
    sd: Annotated[float, Field(ge=0.0)]
    mean: float | None = None
    relative: Relative = True
    clip: tuple[float, float] | None = None

    _clip = field_validator("clip")(_check_clip)

    @model_validator(mode="after")
    def _absolute_needs_mean(self) -> Normal:
        if self.relative is False and self.mean is None:
            raise ValueError("an absolute normal distribution (relative: false) needs a mean")
        return self


class Uniform(_Strict):
    dist: Literal["uniform"]
    low: float
    high: float
    relative: Relative = False
    clip: tuple[float, float] | None = None

    _clip = field_validator("clip")(_check_clip)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


class Choice(_Strict):
    dist: Literal["choice"]
    values: Annotated[list[Any], Field(min_length=1)]
    weights: list[Annotated[float, Field(ge=0.0)]] | None = None
    relative: Relative = False
    clip: tuple[float, float] | None = None

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
    axis: Literal["acceptability_floor", "budget_per_month"] = "acceptability_floor"
    points: Annotated[int, Field(ge=2, le=10_000)]


class MonteCarlo(_Strict):
    samples: Annotated[int, Field(ge=1, le=1_000_000)]
    seed: Annotated[int, Field(ge=0)] = 0
    vary: Annotated[dict[str, Distribution], Field(min_length=1)]

    @field_validator("vary")
    @classmethod
    def _paths(cls, v: dict[str, Any]) -> dict[str, Any]:
        for path in v:
            _check_path(path, wildcards=True)
        return v


class BatchSpec(_Strict):
    schema_version: Literal[1]
    name: Slug
    description: str = ""
    scenarios: Annotated[list[str], Field(min_length=1)]
    options: Annotated[list[str], Field(min_length=1)] | None = None
    objectives: Annotated[list[Objective], Field(min_length=1)] | None = None
    time_limit: Annotated[float, Field(gt=0)] | None = 60.0
    gap: Annotated[float, Field(ge=0.0)] = 0.001
    run_timeout: Annotated[float, Field(gt=0)] | None = None
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(default_factory=dict)
    pareto: Pareto | None = None
    monte_carlo: MonteCarlo | None = None

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
