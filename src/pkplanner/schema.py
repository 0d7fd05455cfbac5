"""The scenario file format (contracts.md §1) as pydantic models.

Declared once: field descriptions serve the JSON schema, the app's labels and the
report. Every model forbids unknown keys, because a typo in a rule name must not be
silently ignored and solved as "no restriction".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
ContributorId = Annotated[str, Field(pattern=r"^([a-z0-9_]+|[A-Z]{3})$")]
PartyId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
NonNegInt = Annotated[int, Field(ge=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Location(Strict):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


class Party(Strict):
    id: PartyId
    name: str = ""


class UnitType(Strict):
    id: Slug
    name: str = ""
    personnel: Annotated[int, Field(gt=0, description="people in one unit")]
    armament: str = Field(description="armament level of the unit")
    capabilities: dict[Slug, NonNeg] = Field(default_factory=dict)
    notes: str = ""
    source: str = ""


class RequirementRule(Strict):
    """Linear requirement of one capability, before the threat multiplier."""

    base: NonNeg = 0.0
    per_line_km: NonNeg = 0.0
    per_1000_pop: NonNeg = 0.0
    per_1000_returnees: NonNeg = 0.0
    per_km2: NonNeg = 0.0
    per_1000_mines: NonNeg = 0.0


class Mandate(Strict):
    id: Slug
    name: str = ""
    description: str = ""
    min_armament: str
    max_armament: str
    requirements: dict[Slug, RequirementRule] = Field(default_factory=dict)
    notes: str = ""
    source: str = ""


class Zone(Strict):
    id: Slug
    name: str = ""
    location: Location
    population: NonNeg = 0
    returnees: NonNeg = 0
    line_km: NonNeg = 0
    area_km2: NonNeg = 0
    threat: Annotated[int, Field(ge=1, le=5)] = 1
    mines: NonNeg = 0
    weight: NonNeg = 1.0
    required: bool = True
    allowed_mandates: list[Slug] | None = None
    min_armament: str | None = None
    max_armament: str | None = None
    notes: str = ""
    source: str = ""


class Hub(Strict):
    id: Slug
    name: str = ""
    location: Location
    capacity_personnel: NonNegInt | None = None
    notes: str = ""
    source: str = ""


class Route(Strict):
    from_: Slug = Field(alias="from")
    to: Slug
    km: Annotated[float, Field(gt=0)]
    road: str = "primary"
    mine_risk: Share = 0.0
    closed: bool = False
    notes: str = ""


class Contributor(Strict):
    id: ContributorId
    name: str = ""
    groups: list[Slug] = Field(default_factory=list)
    languages: list[Slug] = Field(default_factory=list)
    cost_per_person_month: NonNeg
    max_personnel: NonNegInt
    units: dict[Slug, NonNegInt] = Field(default_factory=dict)
    notes: str = ""
    source: str = ""


class Acceptability(Strict):
    default: Share = 0.5
    contributors: dict[PartyId, dict[ContributorId, Share]] = Field(default_factory=dict)
    zones: dict[Slug, dict[PartyId, dict[ContributorId, Share]]] = Field(default_factory=dict)
    armament: dict[PartyId, dict[Slug, Share]] = Field(default_factory=dict)
    assumptions: list[str] = Field(default_factory=list)


class Veto(Strict):
    party: PartyId
    contributor: ContributorId | None = None
    group: Slug | None = None
    zones: list[Slug] | None = None
    notes: str = ""

    @model_validator(mode="after")
    def _one_target(self) -> Veto:
        if (self.contributor is None) == (self.group is None):
            raise ValueError("a veto names exactly one of 'contributor' or 'group'")
        return self


class Rules(Strict):
    """Effective rules. An omitted key means no restriction."""

    mandates: list[Slug] | None = None
    max_armament: str | None = None
    max_share: Share = 1.0
    max_share_zone: Share = 1.0
    group_caps: dict[Slug, Share] = Field(default_factory=dict)
    exclude_groups: list[Slug] = Field(default_factory=list)
    min_contributors: NonNegInt = 0
    min_contributors_zone: NonNegInt = 0
    min_contingent: NonNegInt = 0
    acceptability_floor: dict[PartyId, Share] = Field(default_factory=dict)
    armament_floor: dict[PartyId, Share] = Field(default_factory=dict)
    working_language: Slug | None = None
    language_share: Share = 1.0
    personnel_min: NonNegInt = 0
    personnel_max: NonNegInt | None = None
    budget_per_month: NonNeg | None = None
    lead_min_share: Share = 0.0
    lead_min_acceptability: Share = 0.0
    qrf_hours: NonNeg | None = None
    qrf_unit_types: list[Slug] = Field(default_factory=list)
    qrf_mandates: list[Slug] = Field(default_factory=list)
    soft_requirements: bool = False


class RulesPatch(Strict):
    """A partial rules block (planning options override only what they name)."""

    mandates: list[Slug] | None = None
    max_armament: str | None = None
    max_share: Share | None = None
    max_share_zone: Share | None = None
    group_caps: dict[Slug, Share] | None = None
    exclude_groups: list[Slug] | None = None
    min_contributors: NonNegInt | None = None
    min_contributors_zone: NonNegInt | None = None
    min_contingent: NonNegInt | None = None
    acceptability_floor: dict[PartyId, Share] | None = None
    armament_floor: dict[PartyId, Share] | None = None
    working_language: Slug | None = None
    language_share: Share | None = None
    personnel_min: NonNegInt | None = None
    personnel_max: NonNegInt | None = None
    budget_per_month: NonNeg | None = None
    lead_min_share: Share | None = None
    lead_min_acceptability: Share | None = None
    qrf_hours: NonNeg | None = None
    qrf_unit_types: list[Slug] | None = None
    qrf_mandates: list[Slug] | None = None
    soft_requirements: bool | None = None


class PlanningOption(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")]
    name: str = ""
    description: str = ""
    mandates: list[Slug] | None = None
    max_armament: str | None = None
    personnel_min: NonNegInt | None = None
    personnel_max: NonNegInt | None = None
    rules: RulesPatch = Field(default_factory=RulesPatch)
    notes: str = ""
    source: str = ""


class NetworkSettings(Strict):
    road_speeds_kmh: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: {"motorway": 80.0, "primary": 60.0, "secondary": 40.0,
                                 "track": 20.0}
    )
    mine_risk_factor: NonNeg = 2.0


Objective = Literal["cost", "acceptability", "coverage"]


class Scenario(Strict):
    schema_version: Literal[1]
    name: Slug
    title: str = ""
    description: str = ""
    sources: list[str] = Field(default_factory=list)
    extends: str | None = None
    parties: list[Party]
    armament_levels: list[Slug]
    unit_types: list[UnitType]
    threat_multipliers: dict[int, Annotated[float, Field(gt=0)]]
    mandates: list[Mandate]
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    zones: list[Zone]
    hubs: list[Hub] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    contributors: list[Contributor]
    acceptability: Acceptability = Field(default_factory=Acceptability)
    vetoes: list[Veto] = Field(default_factory=list)
    rules: Rules = Field(default_factory=Rules)
    planning_options: list[PlanningOption]
    planning_option: str | None = None
    objective: Objective = "cost"

    @field_validator("threat_multipliers")
    @classmethod
    def _all_threat_levels(cls, v: dict[int, float]) -> dict[int, float]:
        missing = sorted(set(range(1, 6)) - set(v))
        extra = sorted(set(v) - set(range(1, 6)))
        if missing or extra:
            raise ValueError(
                f"needs exactly the threat levels 1..5 (missing {missing}, unexpected {extra})"
            )
        return v

    def to_document(self) -> dict[str, Any]:
        """The scenario as a plain mapping in the file's own shape (aliases, no Nones dropped)."""
        return self.model_dump(mode="json", by_alias=True)
