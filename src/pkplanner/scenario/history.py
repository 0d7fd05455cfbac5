"""The history table of past missions (models/history.yaml) as pydantic models, and its loader.

The table records what past peacekeeping and observer missions fielded (troops, military
observers, police, civilians) against what they held (a line, an area, a population), so the
density rules of models/doctrine.yaml can be checked against the record. Every number is a
`figure`: a value with the year it describes and the id of its source in the table's
`sources:` block; a figure derived by the planner or published as an estimate says so
(`estimate: true` and a one-line `note`). The loader reports a bad file as an InputError, one
line per problem naming the file and the dotted field path, like the scenario loader.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from pkplanner.errors import InputError
from pkplanner.scenario.resolve import parse_yaml, pydantic_problems, read_yaml

HISTORY_FILE = "history.yaml"
FIRST_YEAR, LAST_YEAR = 1945, 2026          # the UN era up to the table's last review

Slug = Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
Year = Annotated[StrictInt, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
People = Annotated[StrictInt, Field(ge=0)]
Amount = Annotated[StrictInt, Field(ge=0)] | Annotated[StrictFloat, Field(ge=0,
                                                                           allow_inf_nan=False)]
MandateClass = Literal["monitoring", "observation", "interposition", "robust"]
Armed = Literal["unarmed", "lightly_armed", "armed", "heavily_armed"]
Basis = Literal["deployed", "authorized", "peak"]
COMPONENTS = ("troops", "military_observers", "police", "civilians")


class _Strict(BaseModel):
    """Base of every block: an unknown key is an error, so a misspelt field is never ignored."""

    model_config = ConfigDict(extra="forbid")


class Source(_Strict):
    """One publication a figure rests on, cited once and referred to by its id."""

    title: str = Field(min_length=1, description="Title of the page, document or article.")
    publisher: str = Field(min_length=1, description="Who published it (organisation, site or "
                                                     "newspaper; 'via' names a reproduction).")
    url: str | None = Field(None, description="Address of the copy that was read; null for a "
                                              "source without one.")
    date: str = Field(min_length=1, description="When it was published (ISO date, month or "
                                                "year), or 'undated'.")
    says: str = Field("", description="What it states that the table uses, in brief.")


class _Figure(_Strict):
    """A number with the year it describes and its source."""

    year: Year = Field(description=f"The year the number describes ({FIRST_YEAR}-{LAST_YEAR}), "
                                   "not the year it was published.")
    source: Slug = Field(description="Id of its source in the table's `sources:` block.")
    estimate: StrictBool = Field(False, description="True when the planner derived the number "
                                                    "(a sum, a product, a unit conversion) or "
                                                    "the source gives it as an estimate.")
    note: str = Field("", description="One line: how an estimate was made, or what the number "
                                      "covers; required when `estimate` is true.")

    @model_validator(mode="after")
    def _estimate_says_how(self) -> _Figure:
        if self.estimate and not self.note.strip():
            raise ValueError("an estimate needs a one-line `note` saying how it was made")
        return self


class Count(_Figure):
    """A number of people (a population)."""

    value: People = Field(description="The number of people (a whole number, 0 or more).")


class Headcount(Count):
    """A number of mission personnel."""

    basis: Basis = Field("deployed", description="deployed (people on the ground, default), "
                                                 "authorized (the ceiling set by the mandate) "
                                                 "or peak (the highest strength reached).")


class Measure(_Figure):
    """A length or an area."""

    value: Amount = Field(description="The measure (0 or more; km or km2 as the field says).")


class Strength(_Strict):
    """The mission's personnel by component; null where no source gives the number."""

    troops: Headcount | None = Field(None, description="Formed military units (contingents), "
                                                       "military observers excluded.")
    military_observers: Headcount | None = Field(None, description="Military observers and "
                                                                   "liaison officers (unarmed).")
    police: Headcount | None = Field(None, description="Police officers (individual and formed "
                                                       "units).")
    civilians: Headcount | None = Field(None, description="Civilian staff: civilian monitors and "
                                                          "international and local staff.")
    total: Headcount | None = Field(None, description="All personnel; not below the sum of the "
                                                      "components given.")

    def components(self) -> dict[str, Headcount]:
        return {k: getattr(self, k) for k in COMPONENTS if getattr(self, k) is not None}

    @model_validator(mode="wrap")
    @classmethod
    def _total_covers_components(cls, data: Any,
                                 handler: ModelWrapValidatorHandler[Strength]) -> Strength:
        s = handler(data)
        parts = s.components()
        given = sum(f.value for f in parts.values())
        if s.total is not None and parts and s.total.value < given:
            terms = " + ".join(f"{k} {f.value:,}" for k, f in parts.items())
            raise ValidationError.from_exception_data(cls.__name__, [InitErrorDetails(
                type=PydanticCustomError(
                    "total_below_components",
                    "total {total} is below the sum of the components ({terms} = {given})",
                    {"total": f"{s.total.value:,}", "terms": terms, "given": f"{given:,}"}),
                loc=("total",), input=s.total.value)])
        return s


class Geometry(_Strict):
    """What the mission held; null where no source gives it."""

    line_km: Measure | None = Field(None, description="Length of the contact line, buffer zone "
                                                      "or boundary the mission watched (km).")
    area_km2: Measure | None = Field(None, description="Area of the zone of operations (km2).")
    population: Count | None = Field(None, description="People living in the zone of "
                                                       "operations.")


class Threat(_Strict):
    """The planner's assessment of the threat the mission met, on the scenario's 1..5 scale:
    an assessment, not a sourced number, so it carries its reason."""

    level: Annotated[StrictInt, Field(ge=1, le=5)] = Field(
        description="1 benign (a ceasefire held for years, parties consent, free movement), "
                    "2 low (a stable ceasefire with incidents), 3 moderate (weeks or months "
                    "after a war, armies in contact, violations frequent), 4 high (fighting "
                    "under way or just ended, armed groups outside any agreement, attacks on "
                    "the mission), 5 severe (open war in the mission's area).")
    reason: str = Field(min_length=1, description="One line: what in the sources sets the "
                                                  "level (the assessment's reason).")


class Years(_Strict):
    """When the mission ran."""

    start: Year = Field(description="Year the mission was established.")
    end: Year | None = Field(None, description="Year it ended; null while it runs.")

    @model_validator(mode="after")
    def _ordered(self) -> Years:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Mission(_Strict):
    """One past or current mission at one moment (its snapshot year)."""

    id: Slug = Field(description="Slug id of the record, e.g. unficyp.")
    name: str = Field(min_length=1, description="Full name of the mission.")
    organisation: str = Field(min_length=1, description="Who mandated and led it (UN, OSCE, EU, "
                                                        "NATO, MFO, CIS, bilateral ...).")
    years: Years = Field(description="When the mission ran.")
    mandate_class: MandateClass = Field(description="monitoring, observation, interposition or "
                                                    "robust (defined in models/history.yaml).")
    armed: Armed = Field(description="unarmed, lightly_armed, armed or heavily_armed (defined "
                                     "in models/history.yaml).")
    snapshot_year: Year = Field(description="The year the record's figures describe, as far "
                                            "as the sources allow (each figure has its own "
                                            "year).")
    strength: Strength = Field(default_factory=Strength, description="Personnel by component.")
    geometry: Geometry = Field(default_factory=Geometry, description="Line, area and "
                                                                     "population held.")
    threat: Threat | None = Field(None, description="The planner's assessment of the threat "
                                                    "at the snapshot (level 1..5 and its "
                                                    "reason); null: not assessed, taken as 1.")
    geometry_missing: str = Field("", description="Why no line, area or population is given; "
                                                  "required when the geometry is empty.")
    notes: str = Field("", description="Short free text: scope, caveats, what is missing.")

    @model_validator(mode="after")
    def _unsized_says_why(self) -> Mission:
        g = self.geometry
        if g.line_km is None and g.area_km2 is None and g.population is None \
                and not self.geometry_missing.strip():
            raise ValueError("no line, area or population: `geometry_missing` must say why")
        return self

    @model_validator(mode="after")
    def _snapshot_in_years(self) -> Mission:
        last = self.years.end if self.years.end is not None else LAST_YEAR
        if not self.years.start <= self.snapshot_year <= last:
            raise ValueError(f"snapshot_year {self.snapshot_year} is outside the mission's "
                             f"years {self.years.start}-{self.years.end or 'now'}")
        return self

    def figures(self) -> list[tuple[str, _Figure]]:
        """Every number given, as (dotted path below the mission, figure)."""
        out: list[tuple[str, _Figure]] = []
        for block in ("strength", "geometry"):
            part = getattr(self, block)
            for name in type(part).model_fields:
                f = getattr(part, name)
                if f is not None:
                    out.append((f"{block}.{name}", f))
        return out


class HistoryTable(_Strict):
    """The history table: the sources once, then the missions citing them by id."""

    sources: dict[Slug, Source] = Field(description="Source id -> the publication.")
    missions: list[Mission] = Field(min_length=1, description="The missions, one record each.")

    @model_validator(mode="wrap")
    @classmethod
    def _references(cls, data: Any,
                    handler: ModelWrapValidatorHandler[HistoryTable]) -> HistoryTable:
        table = handler(data)
        errors: list[InitErrorDetails] = []
        seen: set[str] = set()
        for i, m in enumerate(table.missions):
            if m.id in seen:
                errors.append(InitErrorDetails(type=PydanticCustomError(
                    "duplicate_id", "duplicate mission id '{id}'", {"id": m.id}),
                    loc=("missions", i, "id"), input=m.id))
            seen.add(m.id)
            for path, f in m.figures():
                if f.source not in table.sources:
                    errors.append(InitErrorDetails(type=PydanticCustomError(
                        "unknown_source", "unknown source id '{id}' (not in `sources:`)",
                        {"id": f.source}),
                        loc=("missions", i, *path.split("."), "source"), input=f.source))
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return table

    def mission(self, mission_id: str) -> Mission:
        return next(m for m in self.missions if m.id == mission_id)


def load_history(path: str | Path | None = None) -> HistoryTable:
    """The history table in PATH, by default the shipped models/history.yaml.

    A bad file raises InputError: one line per problem, naming the file, the dotted field
    path (missions named by id) and what is wrong."""
    if path is None:
        resource = files("pkplanner.models") / HISTORY_FILE
        label = str(resource)
        try:
            text = resource.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError.one(label, "", "file not found") from None
        data = parse_yaml(text, label)
    else:
        label = str(path)
        data = read_yaml(Path(path), label)
    try:
        return HistoryTable.model_validate(data)
    except ValidationError as e:
        raise InputError(pydantic_problems(e, data, label)) from None
