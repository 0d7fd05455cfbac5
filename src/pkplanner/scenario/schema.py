"""The scenario file format (docs/scenario-format.md) as pydantic models.

Declared once: field descriptions serve the JSON schema, the app's labels and the
report. Every model forbids unknown keys, because a typo in a rule name must not be
silently ignored and solved as "no restriction".
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Literal,
    TypedDict,
    Union,
    get_args,
    get_origin,
)

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

Slug = Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
ContributorId = Annotated[str, Field(pattern=r"^([a-z0-9_]+|[A-Z]{3})$")]
PartyId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
NonNegInt = Annotated[int, Field(ge=0)]


Found = tuple[tuple[tuple[int | str, ...], str], ...]    # (path below the field, "value"/"key")
Check = Callable[[Any], Found]


def no_bool_numbers(cls: type[BaseModel], data: Any,
                    handler: ModelWrapValidatorHandler[Any]) -> Any:
    """YAML reads yes/no/on/off/true/false as booleans and pydantic takes a boolean as 1 or 0
    where a number is expected, so `line_km: yes` would be planned as 1 km.

    A `model_validator(mode='wrap')` of every model of the input formats (a field
    validator on '*' is not allowed next to a discriminated union). It looks into dict
    values, keys and list items, so the error names the exact entry, and it still reports
    the block's other problems, so a file is fixed in one pass."""
    found = _bools_in_fields(cls, data) if isinstance(data, dict) else ()
    if not found:
        return handler(data)
    errors = [InitErrorDetails(type=PydanticCustomError(
        "bool_not_number", f"yes/no (true/false) {what} where a number is expected"),
        loc=loc, input=None) for loc, what in found]
    try:
        handler(data)
    except ValidationError as e:
        bad = {loc for loc, _ in found}
        errors += [InitErrorDetails(type=PydanticCustomError(err["type"], err["msg"]),
                                    loc=err["loc"], input=err["input"])
                   for err in e.errors() if err["loc"] not in bad]
    raise ValidationError.from_exception_data(cls.__name__, errors)


def _bools_in_fields(cls: type[BaseModel], data: dict[Any, Any]) -> Found:
    found: Found = ()
    for keys, check in _field_checks(cls):
        for key in keys:
            if key in data:
                here = check(data[key])
                if here:
                    found += tuple(((key, *loc), what) for loc, what in here)
                break
    return found


@functools.cache
def _field_checks(cls: type[BaseModel]) -> tuple[tuple[tuple[str, ...], Check], ...]:
    """Built once per model: the keys a field may be given under and its check, for the
    fields with a number in them (most are text or nested blocks)."""
    out = []
    for name, field in cls.model_fields.items():
        check = _check_for(field.annotation)
        if check is not None:
            out.append(((field.alias, name) if field.alias else (name,), check))
    return tuple(out)


def _takes_number(tp: Any) -> bool:
    """Would pydantic turn a bool given here into a number?"""
    origin = get_origin(tp)
    if origin is Annotated:
        return _takes_number(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        arms = get_args(tp)
        return bool not in arms and any(_takes_number(a) for a in arms)
    if origin is Literal:
        values = get_args(tp)
        return (not any(isinstance(a, bool) for a in values)
                and any(isinstance(a, int | float) for a in values))
    return tp is int or tp is float


def _check_for(tp: Any) -> Check | None:
    """A function finding the booleans a value of type TP holds where numbers belong (None
    when TP holds no number outside nested models, which check their own fields)."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        return _check_for(args[0])
    if origin in (Union, types.UnionType):
        arms = [c for c in map(_check_for, args) if c is not None]
        if not arms:
            return None
        reject = _takes_number(tp)

        def union(v: Any) -> Found:
            if v.__class__ is bool:
                return (((), "value"),) if reject else ()
            for arm in arms:          # a container: the arm of its kind reports
                found = arm(v)
                if found:
                    return found
            return ()
        return union
    if _takes_number(tp):
        return lambda v: (((), "value"),) if v.__class__ is bool else ()
    if origin is dict:
        keys, values = _takes_number(args[0]), _check_for(args[1])
        if not keys and values is None:
            return None

        def mapping(v: Any) -> Found:
            if not isinstance(v, dict):
                return ()
            out: list[tuple[tuple[int | str, ...], str]] = []
            for k, x in v.items():
                here = k if isinstance(k, str | int) and not isinstance(k, bool) else str(k)
                if keys and isinstance(k, bool):
                    out.append(((here,), "key"))
                for loc, what in values(x) if values is not None else ():
                    out.append(((here, *loc), what))
            return tuple(out)
        return mapping
    if origin in (list, tuple):
        same = origin is list or (len(args) == 2 and args[1] is Ellipsis)
        per_item = [_check_for(args[0])] if same else [_check_for(a) for a in args]
        if all(c is None for c in per_item):
            return None

        def sequence(v: Any) -> Found:
            if not isinstance(v, list | tuple):
                return ()
            checks = per_item * len(v) if same else per_item
            return tuple(((i, *loc), what)
                         for i, (c, x) in enumerate(zip(checks, v, strict=False))
                         if c is not None for loc, what in c(x))
        return sequence
    return None


class Strict(BaseModel):
    """Base of every block: an unknown key is an error, so a misspelt rule is never ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    _no_bool_numbers = model_validator(mode="wrap")(no_bool_numbers)


class Bounds(Strict):
    """The area a scenario is about: every zone and hub must lie inside (a coordinate typed
    with its sign or digits wrong is caught at load)."""

    lat_min: Annotated[float, Field(ge=-90, le=90)] = Field(description="Southern edge (°N).")
    lat_max: Annotated[float, Field(ge=-90, le=90)] = Field(description="Northern edge (°N).")
    lon_min: Annotated[float, Field(ge=-180, le=180)] = Field(description="Western edge (°E).")
    lon_max: Annotated[float, Field(ge=-180, le=180)] = Field(description="Eastern edge (°E).")


class Benchmark(Strict):
    """A force actually fielded for the same situation: the plan is set against it in the
    report and in `options`, so a reviewer sees at once how far the doctrine's size is from
    what was deployed. A calibration point, never an input: the model does not read it."""

    name: str = Field(description="What the benchmark force was, e.g. \"Russian peacekeeping "
                                  "contingent, November 2020\".")
    personnel: Annotated[int, Field(gt=0)] = Field(
        description="Its strength in personnel (a whole number above 0).")
    year: int | None = Field(None, ge=1945, le=2100,
                             description="The year of the figure; null (default): not given.")
    source: str = Field(min_length=1, description="Where the figure comes from (required).")
    tolerance: Annotated[float, Field(ge=0, le=1)] = Field(
        0.3, description="How far from the benchmark a plan may be and still be called close "
                         "(0.3 = within ±30%); default 0.3.")
    notes: str = Field("", description="Free text for readers, e.g. how the benchmark's "
                                       "mandate differs from the plan's.")


class Location(Strict):
    """Where a zone or hub is drawn on maps; travel times come from `routes`, not from here."""

    lat: Annotated[float, Field(ge=-90, le=90)] = Field(
        description="Latitude in decimal degrees (-90 to 90).")
    lon: Annotated[float, Field(ge=-180, le=180)] = Field(
        description="Longitude in decimal degrees (-180 to 180).")


class Party(Strict):
    """A party to the conflict: its consent counts, so it scores contributors and may veto."""

    id: PartyId = Field(description="Short id of the party, e.g. AZ (letters, digits, _).")
    name: str = Field("", description="Display name; empty by default.")


class UnitType(Strict):
    """A unit contributors send whole: the model counts units, so sizes stay realistic."""

    id: Slug = Field(description="Slug id of the unit type, e.g. infantry_company.")
    name: str = Field("", description="Display name; empty by default.")
    personnel: Annotated[int, Field(gt=0, description="People in one unit (a whole number "
                                                      "above 0).")]
    armament: str = Field(description="Armament level of the unit, one of `armament_levels`; "
                                      "it may serve only in zones armed at least this heavily.")
    capabilities: dict[Slug, NonNeg] = Field(
        default_factory=dict,
        description="Capability name -> amount one unit provides (e.g. presence: 150, "
                    "observation_km: 10); a capability left out is 0.")
    readiness_days: NonNegInt = Field(
        0, description="Days from the start of the deployment until a unit of this type can "
                       "arrive, unless its contributor's `readiness_days` says otherwise "
                       "(phased scenarios only). Default 0.")
    notes: str = Field("", description="Free text for readers; not used by the model.")
    source: str = Field("", description="Where the numbers come from (free text).")


class RequirementRule(Strict):
    """Requirement of one capability, before the threat multiplier: the sum of the terms,
    or `min` when the sum is below it."""

    min: NonNeg = Field(0.0, description="Least amount needed in any zone with this mandate, "
                                         "when the terms below sum to less (a floor, not "
                                         "added to them: a density measured on whole "
                                         "missions already includes their headquarters and "
                                         "support); default 0.")
    base: NonNeg = Field(0.0, description="Fixed amount needed in any zone with this "
                                          "mandate, added to the other terms; default 0.")
    per_line_km: NonNeg = Field(0.0, description="Amount per km of the zone's `line_km`; "
                                                 "default 0.")
    per_1000_pop: NonNeg = Field(0.0, description="Amount per 1,000 residents (`population`); "
                                                  "default 0.")
    per_1000_returnees: NonNeg = Field(0.0, description="Amount per 1,000 `returnees`; "
                                                        "default 0.")
    per_km2: NonNeg = Field(0.0, description="Amount per km2 of the zone's `area_km2`; "
                                             "default 0.")
    per_1000_mines: NonNeg = Field(0.0, description="Amount per 1,000 estimated `mines`; "
                                                    "default 0.")


class Mandate(Strict):
    """What a zone's force is there to do; it sets the armament band and what the zone needs."""

    id: Slug = Field(description="Slug id of the mandate, e.g. interposition.")
    name: str = Field("", description="Display name; empty by default.")
    description: str = Field("", description="Free text: what the force does under it.")
    min_armament: str = Field(description="Lowest armament level a zone with this mandate may "
                                          "run at (one of `armament_levels`).")
    max_armament: str = Field(description="Highest armament level a zone with this mandate may "
                                          "run at (one of `armament_levels`).")
    requirements: dict[Slug, RequirementRule] = Field(
        default_factory=dict,
        description="Capability -> rule giving how much of it a zone with this mandate needs "
                    "(before the threat multiplier); none by default.")
    eligible: dict[Slug, list[Slug]] = Field(
        default_factory=dict,
        description="Capability -> the armament levels and/or unit type ids whose units count "
                    "toward it under this mandate (e.g. interposition: {presence: [light, "
                    "armed]}: unarmed teams make no inter-positioning line). A unit counts "
                    "when its type or its armament level is listed. A capability left out: "
                    "every unit counts (default).")
    notes: str = Field("", description="Free text for readers; not used by the model.")
    source: str = Field("", description="Where the numbers come from (free text).")

    def counts(self, capability: str, unit: UnitType) -> bool:
        """Does a unit of this type count toward `capability` under this mandate?"""
        allowed = self.eligible.get(capability)
        return allowed is None or unit.id in allowed or unit.armament in allowed


class Zone(Strict):
    """A deployment zone: its figures drive the requirements, its bounds what may serve there."""

    id: Slug = Field(description="Slug id of the zone, e.g. shusha; also a node of the route "
                                 "network.")
    name: str = Field("", description="Display name; empty by default.")
    location: Location = Field(description="Map position of the zone (for maps only).")
    population: NonNeg = Field(0, description="Residents expected during the deployment "
                                              "(people); default 0.")
    returnees: NonNeg = Field(0, description="Displaced people expected to return (people); "
                                             "default 0.")
    line_km: NonNeg = Field(0, description="Length of contact line, boundary or corridor to "
                                           "watch (km); default 0.")
    area_km2: NonNeg = Field(0, description="Area of the zone (km2); default 0.")
    threat: Annotated[int, Field(ge=1, le=5)] = Field(
        1, description="Threat level, 1 (benign) to 5 (severe); requirements are scaled by "
                       "`threat_multipliers` of this level. Default 1.")
    mines: NonNeg = Field(0, description="Estimated mines and explosive remnants of war "
                                         "(items); default 0.")
    weight: NonNeg = Field(1.0, description="Importance of the zone: weighs its armament "
                                            "acceptability and its unmet requirements "
                                            "(coverage, soft requirements); default 1.")
    required: bool = Field(True, description="Must the zone be covered? If false the plan may "
                                             "leave it out. Default true.")
    allowed_mandates: list[Slug] | None = Field(
        None, description="Mandates allowed in this zone; null (default) allows any.")
    min_armament: str | None = Field(
        None, description="Lowest armament level safe here (e.g. no unarmed monitors at "
                          "threat 5); null (default) means any.")
    max_armament: str | None = Field(
        None, description="Highest armament level the zone tolerates; null (default) means "
                          "any.")
    local_police: NonNegInt = Field(
        0, description="Local police officers serving in the zone (people); each counts as "
                       "one unit of the `policing` capability toward the zone's need. "
                       "Default 0.")
    notes: str = Field("", description="Free text for readers; not used by the model.")
    source: str = Field("", description="Where the numbers come from (free text).")


class Hub(Strict):
    """A logistics entry point: every required zone must be reachable from one over routes."""

    id: Slug = Field(description="Slug id of the hub (must differ from every zone id).")
    name: str = Field("", description="Display name; empty by default.")
    location: Location = Field(description="Map position of the hub (for maps only).")
    capacity_personnel: NonNegInt | None = Field(
        None, title="capacity",
        description="People the hub can sustain: with `logistics` on, the supplies leaving "
                    "it are at most this x logistics.supply_t_per_person_day. Null "
                    "(default): not stated (no limit).")
    entry: bool = Field(
        True, title="supply entry",
        description="Supplies enter the network here (a border crossing, a working airport or "
                    "railhead, a depot supplied from outside). False: a staging point inside "
                    "the area, itself supplied over routes (with `logistics` on it only "
                    "passes supplies on, and does not count as a hub that reaches a zone). "
                    "Default true.")
    notes: str = Field("", description="Free text for readers; not used by the model.")
    source: str = Field("", description="Where the numbers come from (free text).")


class Route(Strict):
    """An undirected road between two zones or hubs: reachability and QRF times come from it,
    and with `logistics` on the supplies that sustain the force travel over it."""

    id: Slug | None = Field(None, description="Slug naming the route in flows, binding "
                                             "rules and `--set routes.<id>...`; null "
                                             "(default): `<from>-<to>`.")
    from_: Slug = Field(alias="from", description="Id of a zone or hub at one end.")
    to: Slug = Field(description="Id of a zone or hub at the other end.")
    km: Annotated[float, Field(gt=0)] = Field(description="Road length (km, above 0).")
    road: str = Field("primary", description="Road class, a key of "
                                             "`network.road_speeds_kmh`; default primary.")
    mine_risk: Share = Field(0.0, title="mine risk",
                             description="Mine risk 0..1; travel time is multiplied by "
                                         "1 + network.mine_risk_factor x mine_risk. Default 0.")
    closed: bool = Field(False, description="A closed route is left out of the network; "
                                            "default false.")
    closed_in: list[Slug] = Field(
        default_factory=list, title="closed in",
        description="Seasons in which the route is closed (a mountain pass in winter); "
                    "network.season picks one. None by default.")
    capacity_tpd: NonNeg | None = Field(
        None, title="capacity (t/day)",
        description="Tonnes of supplies a day the route carries, both directions together "
                    "(with `logistics` on). Null (default): logistics.road_capacity_tpd of "
                    "its road class, reduced by its mine risk.")

    @property
    def name(self) -> str:
        return self.id or f"{self.from_}-{self.to}"
    notes: str = Field("", description="Free text for readers; not used by the model.")


class Contributor(Strict):
    """A state or organisation that may send units: what it offers and what a person costs."""

    id: ContributorId = Field(description="Slug or ISO-3166 alpha-3 code, e.g. SWE.")
    name: str = Field("", description="Display name; empty by default.")
    groups: list[Slug] = Field(
        default_factory=list,
        description="Groups it belongs to (e.g. osce, nato, csto, neighbour), used by vetoes, "
                    "group caps and exclusions; none by default. A group with a `left` year "
                    "is a former membership.")
    joined: dict[Slug, int] = Field(
        default_factory=dict,
        description="Group -> year it joined; a scenario's `year` before it leaves the group "
                    "out. A group without a year: a member throughout.")
    left: dict[Slug, int] = Field(
        default_factory=dict,
        description="Group -> year it left; from that year on (and with no scenario `year`, "
                    "today) it is no member.")
    languages: list[Slug] = Field(
        default_factory=list,
        description="Working languages of its forces (ISO 639-1 codes, e.g. en, ru); none by "
                    "default.")
    cost_per_person_month: NonNeg = Field(
        title="cost per person-month",
        description="Cost of one person for one month, in the scenario's one currency.")
    max_personnel: NonNegInt = Field(
        description="Most people it can send in total (people).")
    units: dict[Slug, NonNegInt] = Field(
        default_factory=dict,
        description="Unit type id -> number of units it can offer; none by default.")
    readiness_days: dict[Slug, NonNegInt] = Field(
        default_factory=dict,
        description="Unit type id -> days from the start of the deployment until such a unit "
                    "can arrive (the UN's Peacekeeping Capability Readiness System grades "
                    "pledges this way); a unit serves only in phases that begin at least "
                    "this long after the start. A type left out: the unit type's "
                    "`readiness_days`. Used by phased scenarios only.")

    def readiness(self, unit: UnitType) -> int:
        """Days until its units of this type can arrive: its own figure, else the type's."""
        return self.readiness_days.get(unit.id, unit.readiness_days)
    notes: str = Field("", description="Free text for readers; not used by the model.")
    source: str = Field("", description="Where the numbers come from (free text).")

    def member(self, group: str, year: int | None) -> bool:
        """Is it in `group` in `year` (None: today)?"""
        if group not in self.groups:
            return False
        joined, left = self.joined.get(group), self.left.get(group)
        if year is None:
            return left is None
        return (joined is None or joined <= year) and (left is None or year < left)


_SCORE_IN = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 1},
        {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1},
         "minItems": 2, "maxItems": 2},
        {"type": "object", "additionalProperties": False, "required": ["value", "spread"],
         "properties": {"value": {"type": "number", "minimum": 0, "maximum": 1,
                                  "description": "The score the model uses."},
                        "spread": {"type": "number", "minimum": 0, "maximum": 0.5,
                                   "description": "How far the score may be off either way "
                                                  "(value - spread is its low end)."}}},
    ],
}
# a score as written: a number, a range [low, high], or {value, spread}; the loader keeps
# the value (the middle of a range) here and the spread in the matching *_spread block
Score = Annotated[Share, WithJsonSchema(_SCORE_IN)]


def _score(where: str, raw: Any) -> tuple[Any, float | None]:
    """(value, spread) of a score as written; spread None for a plain number."""
    if isinstance(raw, list | tuple):
        if len(raw) != 2 or not all(isinstance(x, int | float) and not isinstance(x, bool)
                                    for x in raw):
            raise ValueError(f"{where}: a range is [low, high], two numbers, not {raw!r}")
        lo, hi = float(raw[0]), float(raw[1])
        if not 0.0 <= lo <= hi <= 1.0:
            raise ValueError(f"{where}: range [{lo:g}, {hi:g}] must satisfy "
                             "0 <= low <= high <= 1")
        return round((lo + hi) / 2, 12), round((hi - lo) / 2, 12)
    if isinstance(raw, dict):
        if set(raw) != {"value", "spread"} or not all(
                isinstance(x, int | float) and not isinstance(x, bool) for x in raw.values()):
            raise ValueError(f"{where}: an uncertain score is {{value, spread}}, two numbers, "
                             f"not {raw!r}")
        v, s = float(raw["value"]), float(raw["spread"])
        if s < 0 or v - s < -1e-12 or v + s > 1 + 1e-12:
            raise ValueError(f"{where}: value {v:g} ± spread {s:g} must stay within 0..1")
        return v, s
    return raw, None


class Acceptability(Strict):
    """How acceptable each contributor and armament level is to each party (0 = unacceptable,
    1 = fully acceptable): the political judgements, kept in the file so they can be argued.
    A score may be uncertain: a range [low, high] or {value, spread} (value ± spread); the
    model uses the value, and the robust rule (`rules.robust_budget`) the low end."""

    default: Share = Field(0.5, title="default acceptability",
                           description="Score 0..1 for any party/contributor or "
                                       "party/armament pair not listed; default 0.5.")
    contributors: dict[PartyId, dict[ContributorId, Score]] = Field(
        default_factory=dict,
        description="Party -> contributor -> score 0..1 (e.g. AZ: {TUR: 0.9}), or a range "
                    "[low, high] (AZ: {RUS: [0.2, 0.5]}) or {value, spread} when uncertain.")
    zones: dict[Slug, dict[PartyId, dict[ContributorId, Share]]] = Field(
        default_factory=dict,
        description="Zone -> party -> contributor -> score 0..1 that overrides the party's "
                    "score in that zone only (a number: zone overrides are exact).")
    armament: dict[PartyId, dict[Slug, Score]] = Field(
        default_factory=dict,
        description="Party -> armament level -> score 0..1 of a zone run at that level, or a "
                    "range [low, high] or {value, spread} when uncertain.")
    contributor_spread: dict[PartyId, dict[ContributorId, Share]] = Field(
        default_factory=dict,
        description="Party -> contributor -> how far the score may fall below its value "
                    "(value - spread is the pessimistic end). Filled from the ranges written "
                    "in `contributors`; may also be written directly.")
    armament_spread: dict[PartyId, dict[Slug, Share]] = Field(
        default_factory=dict,
        description="Party -> armament level -> how far the score may fall below its value. "
                    "Filled from the ranges written in `armament`; may also be written "
                    "directly.")
    assumptions: list[str] = Field(
        default_factory=list,
        description="Free-text labels stating the judgements behind the scores (shown in "
                    "reports).")

    @model_validator(mode="before")
    @classmethod
    def _ranges(cls, data: Any) -> Any:
        """Split uncertain scores into their value and their spread."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, spread_key in (("contributors", "contributor_spread"),
                                ("armament", "armament_spread")):
            block = data.get(key)
            if not isinstance(block, dict):
                continue
            values: dict[Any, Any] = {}
            spreads: dict[Any, Any] = {p: dict(v) for p, v in
                                       (data.get(spread_key) or {}).items()
                                       if isinstance(v, dict)}
            for party, row in block.items():
                if not isinstance(row, dict):
                    values[party] = row
                    continue
                values[party] = {}
                for k, raw in row.items():
                    v, s = _score(f"{key}.{party}.{k}", raw)
                    values[party][k] = v
                    if s is not None:
                        spreads.setdefault(party, {})[k] = s
            data[key] = values
            if spreads:
                data[spread_key] = spreads
        return data


class Veto(Strict):
    """A hard refusal by one party: the vetoed contributor or group never deploys there."""

    party: PartyId = Field(description="Id of the party that holds the veto.")
    contributor: ContributorId | None = Field(
        None, description="Contributor vetoed; give exactly one of contributor or group.")
    group: Slug | None = Field(
        None, description="Group whose every member is vetoed; give exactly one of "
                          "contributor or group.")
    zones: list[Slug] | None = Field(
        None, description="Zones where the veto applies; null (default) means everywhere.")
    notes: str = Field("", description="Free text for readers; not used by the model.")

    @model_validator(mode="after")
    def _one_target(self) -> Veto:
        if (self.contributor is None) == (self.group is None):
            raise ValueError("a veto names exactly one of 'contributor' or 'group'")
        return self


# rule key -> (title, meaning, what the scenario's default means): Rules and RulesPatch
# describe the same keys, and a planner reading either must see the same words. The title is
# the rule's short label wherever it is named (the app's rules editor, report table heads).
_RULE_TEXT: dict[str, tuple[str, str, str]] = {
    "mandates": ("allowed mandates",
                 "Mandates allowed in any zone (usually set by the planning option)",
                 "null (all allowed)"),
    "max_armament": ("highest armament level",
                     "Highest armament level allowed anywhere (usually set by the planning "
                     "option)", "null (any level)"),
    "max_share": ("largest share of one contributor",
                  "Largest share 0..1 of the whole force's personnel one contributor may "
                  "hold", "1 (no cap)"),
    "max_share_zone": ("largest share in a zone",
                       "Largest share 0..1 of a zone's personnel one contributor may hold",
                       "1 (no cap)"),
    "group_caps": ("group caps",
                   "Group -> largest share 0..1 of the force its members may hold together",
                   "no caps"),
    "exclude_groups": ("excluded groups",
                       "Groups whose members may not take part at all (e.g. minsk_cochair, "
                       "neighbour)", "none"),
    "min_contributors": ("fewest contributing states",
                         "Fewest contributors (with personnel) the force must have", "0"),
    "min_contributors_zone": ("fewest contributors per zone",
                              "Fewest contributors each deployed zone must have", "0"),
    "min_contingent": ("smallest national contingent",
                       "Fewest people a contributor that takes part sends in total, not per "
                       "zone", "0"),
    "min_contingent_zone": ("smallest national contingent in a zone",
                            "Fewest people a contributor present in a zone has there (its "
                            "units in that zone together), so contingents are not scattered "
                            "in fragments", "0"),
    "max_zones_per_contributor": ("most zones per contributor",
                                  "Most zones one contributor may be present in",
                                  "null (no limit)"),
    "acceptability_floor": ("composition floor",
                            "Party -> lowest personnel-weighted acceptability 0..1 of the "
                            "force to that party", "no floors"),
    "zone_acceptability_floor": ("zone composition floor",
                                 "Party -> lowest personnel-weighted acceptability 0..1 to "
                                 "that party of the force in every deployed zone (zone "
                                 "overrides of scores apply; uncertain scores at their "
                                 "value)", "no floors"),
    "low_acceptability_threshold": ("low-acceptability threshold",
                                    "A contributor a party scores below this (zone "
                                    "overrides apply; uncertain scores at their value) is "
                                    "of low acceptability to that party",
                                    "0 (nobody)"),
    "low_acceptability_max_share": ("largest low-acceptability share",
                                    "Largest share 0..1 of the force's personnel that the "
                                    "contributors of low acceptability to one party may hold "
                                    "together (for each party)", "1 (no cap)"),
    "armament_floor": ("armament floor",
                       "Party -> lowest zone-weighted acceptability 0..1 of the armament "
                       "levels chosen", "no floors"),
    "working_language": ("working language",
                         "Working language of the force (ISO 639-1 code, e.g. ru)",
                         "null (no language rule)"),
    "language_share": ("share speaking the working language",
                       "Least share 0..1 of each zone's personnel from contributors speaking "
                       "`working_language` (only when one is set)", "1"),
    "personnel_min": ("smallest force (personnel)", "Smallest total force (people)", "0"),
    "personnel_max": ("largest force (personnel)", "Largest total force (people)",
                      "null (no cap)"),
    "budget_per_month": ("budget per month",
                         "Most the force may cost per month, in the scenario's currency",
                         "null (no budget cap)"),
    "lead_min_share": ("lead nation: least share of its zone",
                       "Least share 0..1 of its zone's personnel a lead nation provides; at 0 "
                       "the lead is the acceptable contributor with most people there", "0"),
    "lead_min_acceptability": ("lead nation: least acceptability",
                               "Least acceptability 0..1 to every party (zone overrides "
                               "apply) that a zone's lead nation needs", "0"),
    "qrf_hours": ("quick reaction within (hours)",
                  "Most travel hours from quick-reaction units to every zone with a mandate "
                  "in `qrf_mandates`", "null (no quick-reaction rule)"),
    "qrf_unit_types": ("QRF unit types", "Unit types that count as quick-reaction force",
                       "none"),
    "qrf_mandates": ("QRF mandates",
                     "Mandates whose zones need quick-reaction cover within `qrf_hours`",
                     "none"),
    "robust_budget": ("robust budget",
                      "How many of a party's acceptability scores given as ranges may sit at "
                      "their pessimistic end at once (Bertsimas-Sim budget Γ) while the "
                      "party's floors must still hold: a number for every party, or party -> "
                      "number; fractions allowed", "0 (scores at their stated values)"),
    "soft_requirements": ("soft requirements",
                          "If true, an unmet requirement is allowed at a steep cost penalty "
                          "and reported as a shortfall, instead of making the case "
                          "infeasible", "false"),
}


class _Text(TypedDict):
    title: str
    description: str


def _robust_budget(v: Any) -> Any:
    """One message for the one mistake, instead of one per branch of the union."""
    def number(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool) and 0 <= x < float("inf")
    if number(v) or (isinstance(v, dict) and all(number(x) for x in v.values())):
        return v
    raise ValueError(f"a number >= 0 for every party, or party -> number >= 0; not {v!r}")


# Γ for every party, or per party (rules.robust_budget)
RobustBudget = Annotated[NonNeg | dict[PartyId, NonNeg], BeforeValidator(_robust_budget)]


def _rule(key: str) -> _Text:
    title, meaning, default = _RULE_TEXT[key]
    return {"title": title, "description": f"{meaning}. Default: {default}."}


def _patch(key: str) -> _Text:
    title, meaning, _ = _RULE_TEXT[key]
    return {"title": title,
            "description": f"{meaning}. Left out or null: the scenario's value stays."}


class Rules(Strict):
    """Effective rules. An omitted key means no restriction."""

    mandates: list[Slug] | None = Field(None, **_rule("mandates"))
    max_armament: str | None = Field(None, **_rule("max_armament"))
    max_share: Share = Field(1.0, **_rule("max_share"))
    max_share_zone: Share = Field(1.0, **_rule("max_share_zone"))
    group_caps: dict[Slug, Share] = Field(default_factory=dict, **_rule("group_caps"))
    exclude_groups: list[Slug] = Field(default_factory=list,
                                       **_rule("exclude_groups"))
    min_contributors: NonNegInt = Field(0, **_rule("min_contributors"))
    min_contributors_zone: NonNegInt = Field(0, **_rule("min_contributors_zone"))
    min_contingent: NonNegInt = Field(0, **_rule("min_contingent"))
    min_contingent_zone: NonNegInt = Field(0, **_rule("min_contingent_zone"))
    max_zones_per_contributor: NonNegInt | None = Field(
        None, **_rule("max_zones_per_contributor"))
    acceptability_floor: dict[PartyId, Share] = Field(
        default_factory=dict, **_rule("acceptability_floor"))
    zone_acceptability_floor: dict[PartyId, Share] = Field(
        default_factory=dict, **_rule("zone_acceptability_floor"))
    low_acceptability_threshold: Share = Field(0.0, **_rule("low_acceptability_threshold"))
    low_acceptability_max_share: Share = Field(1.0, **_rule("low_acceptability_max_share"))
    armament_floor: dict[PartyId, Share] = Field(default_factory=dict,
                                                 **_rule("armament_floor"))
    working_language: Slug | None = Field(None, **_rule("working_language"))
    language_share: Share = Field(1.0, **_rule("language_share"))
    personnel_min: NonNegInt = Field(0, **_rule("personnel_min"))
    personnel_max: NonNegInt | None = Field(None, **_rule("personnel_max"))
    budget_per_month: NonNeg | None = Field(None, **_rule("budget_per_month"))
    lead_min_share: Share = Field(0.0, **_rule("lead_min_share"))
    lead_min_acceptability: Share = Field(0.0, **_rule("lead_min_acceptability"))
    qrf_hours: NonNeg | None = Field(None, **_rule("qrf_hours"))
    qrf_unit_types: list[Slug] = Field(default_factory=list,
                                       **_rule("qrf_unit_types"))
    qrf_mandates: list[Slug] = Field(default_factory=list, **_rule("qrf_mandates"))
    robust_budget: RobustBudget = Field(0.0, **_rule("robust_budget"))
    soft_requirements: bool = Field(False, **_rule("soft_requirements"))


def _patch_of(rules: type[Strict]) -> type[Strict]:
    """`rules` with every key optional and null by default: a planning option overrides only
    what it names. Derived, not restated, so a new rule key is one field in `Rules`."""
    def optional(info: Any) -> Any:
        kind: Any = (Annotated[(info.annotation, *info.metadata)] if info.metadata
                     else info.annotation)
        return kind | None

    fields: dict[str, Any] = {key: (optional(info), Field(None, **_patch(key)))
                              for key, info in rules.model_fields.items()}
    return create_model("RulesPatch", __base__=Strict, __module__=__name__,
                        __doc__="A partial rules block (planning options override only what "
                                "they name).", **fields)


if TYPE_CHECKING:
    RulesPatch = Strict
else:
    RulesPatch = _patch_of(Rules)


class PlanningOption(Strict):
    """A named set of choices (HLPG-style) the planner compares: mandates, armament, size and
    rule overrides, applied on top of the scenario's own rules."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")] = Field(
        description="Id of the option, e.g. C (letters, digits, _); `--option` takes it.")
    name: str = Field("", description="Display name; empty by default.")
    description: str = Field("", description="Free text: what the option stands for.")
    mandates: list[Slug] | None = Field(
        None, description="Mandates the option allows; written into the effective "
                          "rules.mandates. Null (default): the scenario's value stays.")
    max_armament: str | None = Field(
        None, description="Highest armament level the option allows; written into "
                          "rules.max_armament. Null (default): the scenario's value stays.")
    personnel_min: NonNegInt | None = Field(
        None, description="Smallest total force (people); written into rules.personnel_min. "
                          "Null (default): the scenario's value stays.")
    personnel_max: NonNegInt | None = Field(
        None, description="Largest total force (people); written into rules.personnel_max. "
                          "Null (default): the scenario's value stays.")
    rules: RulesPatch = Field(
        default_factory=RulesPatch,
        description="Rules the option overrides, applied after the four keys above; a key "
                    "left out keeps the scenario's value.")
    notes: str = Field("", description="Free text for readers; not used by the model.")
    source: str = Field("", description="Where the choices come from (free text).")


class NetworkSettings(Strict):
    """How travel times over routes are reckoned (they decide quick-reaction reach)."""

    road_speeds_kmh: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: {"motorway": 80.0, "primary": 60.0, "secondary": 40.0,
                                 "track": 20.0},
        description="Road class -> travel speed (km/h, above 0). Default: motorway 80, "
                    "primary 60, secondary 40, track 20.",
    )
    mine_risk_factor: NonNeg = Field(
        2.0, description="Travel time on a route is multiplied by 1 + this x the route's "
                         "mine_risk. Default 2.")
    season: Slug | None = Field(
        None, description="The season the plan is for (e.g. winter): a route whose "
                          "`closed_in` lists it is closed. Null (default): no season, every "
                          "route as written.")


class Logistics(Strict):
    """Sustainment over the zone network (formulation family 16): supplies flow from the hubs
    over open routes to every deployed zone, within route and hub capacities. A scenario
    without this block has no logistics rule; `logistics: {}` turns it on with the figures
    of models/doctrine.yaml (each key given here replaces the doctrine's)."""

    supply_t_per_person_day: Annotated[float, Field(gt=0)] = Field(
        title="supply per person (t/day)",
        description="Tonnes of supplies a deployed person needs a day (above 0).")
    road_capacity_tpd: dict[str, NonNeg] = Field(
        title="road capacity (t/day)",
        description="Road class -> tonnes a day a route of that class carries when free of "
                    "mines; a route's `capacity_tpd` overrides it.")
    mine_risk_capacity_factor: Share = Field(
        title="mine-risk capacity factor",
        description="A route's capacity is multiplied by 1 - this x its mine_risk (0..1).")
    cost_per_tonne_km: NonNeg = Field(
        0.0, title="cost per tonne-km",
        description="Cost of moving one tonne one km, in the contributors' currency; the "
                    "cost objective adds it for a month of flows (365/12 days). Default 0.")
    source: str = Field("", description="Where the figures come from (free text).")


class Phase(Strict):
    """One period of a phased plan: how long it lasts and how it changes the zones' needs
    and the options open to the force. The plan chooses allocations, mandates, armament and
    lead nations afresh in each phase; `transition` links them."""

    id: Slug = Field(description="Slug id of the phase, e.g. hard.")
    name: str = Field("", description="Display name; empty by default.")
    months: Annotated[float, Field(gt=0)] = Field(description="Length of the phase in months "
                                                              "(above 0).")
    requirement_factor: dict[Slug, NonNeg] = Field(
        default_factory=dict,
        description="Capability (or `default`, for every capability not named) -> factor "
                    ">= 0 on the zones' requirements in this phase. Left out: 1.")
    returnees: dict[Slug, NonNeg] = Field(
        default_factory=dict,
        description="Zone -> returnees expected in this phase (people); replaces the zone's "
                    "`returnees` figure. A zone left out keeps its figure.")
    local_police: dict[Slug, NonNegInt] = Field(
        default_factory=dict,
        description="Zone -> local police officers in this phase (people), counting toward "
                    "`policing`; replaces the zone's `local_police`. A zone left out keeps "
                    "its figure.")
    handed_over: list[Slug] = Field(
        default_factory=list,
        description="Zones the force hands over to local authorities in this phase: it is "
                    "not deployed there from this phase on. None by default.")
    mandates: list[Slug] | None = Field(
        None, description="Mandates allowed in this phase, on top of the rules' and the "
                          "zones'. Null (default): no further limit.")
    max_armament: str | None = Field(
        None, description="Highest armament level allowed in this phase, on top of the "
                          "rules'. Null (default): no further limit.")
    notes: str = Field("", description="Free text for readers; not used by the model.")
    source: str = Field("", description="Where the numbers come from (free text).")


class Transition(Strict):
    """Rules that link consecutive phases (formulation family 17). Each key left out or null
    is no rule."""

    max_growth: NonNeg | None = Field(
        None, description="Most the force's total personnel may grow from one phase to the "
                          "next, as a fraction (0: it may only shrink). Null (default): no "
                          "limit.")
    armament_may_rise: bool = Field(
        True, description="If false, a zone deployed in two consecutive phases may not run "
                          "at a heavier armament level in the later one. Default true.")
    lead_changes_per_zone: NonNegInt | None = Field(
        None, description="Most times a zone's lead nation may change over the plan (a "
                          "zone's first lead is no change). Null (default): no limit.")
    reentry_cost_per_person: NonNeg = Field(
        0.0, description="One-off cost per person when a contributor comes back to a zone it "
                         "left in an earlier phase, in the contributors' currency. Default 0.")
    final_ceiling: NonNegInt | None = Field(
        None, description="Most international personnel in the last phase (0: the force has "
                          "handed over entirely). Null (default): no ceiling.")
    rotation_months: Annotated[float, Field(gt=0)] | None = Field(
        None, description="Months a unit serves before another unit of its type relieves it "
                          "(troops rotate every 6-12 months): a post held longer, counted "
                          "over consecutive phases, takes one more unit of the type from the "
                          "contributor's holdings for each further rotation. Null (default): "
                          "no rotation rule.")
    source: str = Field("", description="Where the choices come from (free text).")


Objective = Literal["cost", "acceptability", "coverage"]

# lists whose entries `extends:` merges by id (docs/scenario-format.md#extends-base-scenarios)
ID_LISTS = ("parties", "zones", "hubs", "contributors", "unit_types", "mandates",
            "planning_options", "phases")

# keys the loader fills from models/ when a file leaves them out or sets them to null
# (scenario.DOCTRINE_KEYS plus planning_options; a test keeps the two in step)
FROM_MODELS = ("armament_levels", "threat_multipliers", "unit_types", "mandates", "network",
               "planning_options")


def _file_schema(schema: dict[str, Any]) -> None:
    """Make the JSON schema describe the file a planner writes, not the completed document
    this model checks: the loader fills FROM_MODELS from models/ and merges an `extends:`
    base before validating, so an editor checking a raw file against the model's own schema
    would reject every shipped scenario. Validation by the model itself is unchanged."""
    props = schema["properties"]
    for key in FROM_MODELS:
        prop = props[key]
        keep = {k: prop.pop(k) for k in ("title", "description") if k in prop}
        props[key] = {"anyOf": [prop, {"type": "null"}], **keep}
    required = [k for k in schema.pop("required") if k not in FROM_MODELS]
    # a file that extends a base may leave any key to the base
    schema["if"] = {"properties": {"extends": {"type": "string"}}, "required": ["extends"]}
    schema["else"] = {"required": required}


def _merged_items(schema: dict[str, Any]) -> dict[str, Any]:
    """Under `extends:` an entry of a list merged by id may name only its id and the keys it
    changes (karabakh_2020_mirror's zones), so an item's other required keys are asked for
    only in a file without `extends` (the `else` branch _file_schema sets up). Done on the
    finished schema: the items' definitions are collected into `$defs` last."""
    items: dict[str, Any] = {}
    for key in ID_LISTS:
        prop = schema["properties"][key]
        ref = (prop["anyOf"][0] if "anyOf" in prop else prop)["items"]["$ref"]
        item = schema["$defs"][ref.rsplit("/", 1)[1]]
        rest = [k for k in item.get("required", []) if k != "id"]
        if rest:
            item["required"] = ["id"]
            items[key] = {"description": f"Without `extends`, each entry gives "
                                         f"{', '.join(rest)} too.",
                          "items": {"required": rest}}
    schema["else"]["properties"] = items
    return schema


class Scenario(Strict):
    """One planning situation (`schema_version: 1`): who the parties are, where the force
    goes, who may contribute, and the rules every plan must keep. Keys marked as coming from
    models/ may be left out; a file with `extends:` may leave any key to its base."""

    model_config = ConfigDict(json_schema_extra=_file_schema)

    schema_version: Literal[1] = Field(description="Version of the file format; must be 1.")
    name: Slug = Field(description="Slug naming the scenario; used in output folder and file "
                                   "names.")
    title: str = Field("", description="One-line title for reports and the app.")
    description: str = Field("", description="Free text describing the situation.")
    sources: list[str] = Field(default_factory=list,
                               description="Free-text citations for the numbers in the file.")
    extends: str | None = Field(
        None, description="Path of a base scenario, relative to this file (or pkplanner:NAME, "
                          "a shipped one); this file is merged over it. Null (default): no "
                          "base.")
    parties: list[Party] = Field(description="Parties whose consent counts; each may score "
                                             "contributors and hold vetoes.")
    armament_levels: list[Slug] = Field(
        description="Armament levels, lightest first (e.g. civilian, observer, light, armed). "
                    "Left out or null: from models/doctrine.yaml.")
    unit_types: list[UnitType] = Field(
        description="Unit types contributors offer. Left out or null: from "
                    "models/doctrine.yaml.")
    threat_multipliers: dict[int, Annotated[float, Field(gt=0)]] = Field(
        description="Threat level (exactly 1..5) -> factor above 0 that scales requirements. "
                    "Left out or null: from models/doctrine.yaml.")
    mandates: list[Mandate] = Field(
        description="Mandate types with their armament bands and requirement rules. Left "
                    "out or null: from models/doctrine.yaml.")
    network: NetworkSettings = Field(
        default_factory=NetworkSettings,
        description="Road speeds and mine-risk penalty for travel times. Left out or null: "
                    "from models/doctrine.yaml.")
    bounds: Bounds | None = Field(
        None, description="The area the scenario is about; every zone and hub location must "
                          "lie inside. Null (default): not checked.")
    year: int | None = Field(
        None, ge=1945, le=2100,
        description="The year the plan is for: contributors' group memberships are those of "
                    "that year (`joined`, `left`). Null (default): today's memberships.")
    zones: list[Zone] = Field(description="Deployment zones (at least one).")
    hubs: list[Hub] = Field(
        default_factory=list,
        description="Logistics entry points; every required zone must reach one over open "
                    "routes.")
    routes: list[Route] = Field(default_factory=list,
                                description="Roads between zones and hubs; none by default.")
    logistics: Logistics | None = Field(
        None, description="Supply flows from the hubs over the routes (formulation family "
                          "16). Null (default): not modelled; `{}`: on, with the figures "
                          "of models/doctrine.yaml.")
    contributors: list[Contributor] = Field(
        description="The pool of states or organisations that may contribute (at least one).")
    acceptability: Acceptability = Field(
        default_factory=Acceptability,
        description="Scores 0..1 of contributors and armament levels for each party; every "
                    "score 0.5 by default.")
    vetoes: list[Veto] = Field(default_factory=list,
                               description="Hard vetoes by the parties; none by default.")
    rules: Rules = Field(default_factory=Rules,
                         description="The scenario's rules; a planning option and `--set` "
                                     "override them. A key left out means no restriction.")
    planning_options: list[PlanningOption] = Field(
        description="Planning options to choose from. Left out or null: the four of "
                    "models/planning_options.yaml (A, B, C, D).")
    phases: list[Phase] | None = Field(
        None, description="Phases of a phased plan, in order (at least one). Null (default): "
                          "one plan for one period, as without phases.")
    transition: Transition | None = Field(
        None, description="Rules linking consecutive phases; only with `phases`. Null "
                          "(default): none.")
    benchmark: Benchmark | None = Field(
        None, description="A force actually deployed for the same situation, which the "
                          "report and `options` compare each plan's personnel against. Null "
                          "(default): none.")
    planning_option: str | None = Field(
        None, description="Id of the option `solve` uses without `--option`; null (default): "
                          "the first option.")
    objective: Objective = Field(
        "cost", description="What the solve optimises: cost (least cost per month, default), "
                            "acceptability (the least-satisfied party's acceptability, then "
                            "cost) or coverage (least weighted requirement shortfall, then "
                            "cost).")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return _merged_items(super().model_json_schema(*args, **kwargs))

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
        """The scenario as a plain mapping in the file's own shape (aliases, no Nones dropped).
        The keys phased plans (and the benchmark) added are written only when set, so the
        document of a scenario without them (and a batch's run keys, its hashes) is what it
        was before them."""
        doc = self.model_dump(mode="json", by_alias=True)
        for key in OPTIONAL_KEYS:
            if doc.get(key) is None:
                doc.pop(key, None)
        for entry, key, unset in PHASE_FIELDS:
            for item in doc.get(entry) or []:
                if item.get(key) == unset or (key in PHASE_ONLY and self.phases is None):
                    item.pop(key)
        return doc


# added with phased plans (docs/scenario-format.md#phases) and the benchmark: left out of
# documents when unset
OPTIONAL_KEYS = ("phases", "transition", "benchmark")
PHASE_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("zones", "local_police", 0), ("contributors", "readiness_days", {}),
    ("unit_types", "readiness_days", 0))
PHASE_ONLY = ("readiness_days",)       # read by phased plans alone
