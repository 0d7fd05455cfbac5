"""Load, merge, override, check and resolve scenario files.

Order of precedence (Calliope-style, recorded in the solution): doctrine defaults
< base scenario (`extends:`) < the file < planning option < `--set` overrides.
Every problem found is reported at once, one line each, with the dotted path of the
field, so a planner fixes a file in one pass.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pkplanner.errors import InputError, Problem
from pkplanner.resources import (
    SHIPPED,
    models_dir,
    scenarios_dir,
    shipped,
    shipped_scenarios,
)
from pkplanner.scenario import network
from pkplanner.scenario.schema import ID_LISTS, PlanningOption, Rules, Scenario

DOCTRINE_KEYS = ("armament_levels", "threat_multipliers", "unit_types", "mandates", "network")
MAX_EXTENDS_DEPTH = 8
ROUTE_SLACK = 0.025     # how far a route may fall short of the straight line (rounding)


@dataclass
class LoadedScenario:
    """A checked scenario plus what it came from, before a planning option is applied."""

    scenario: Scenario
    path: str
    sha256: str
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class ResolvedScenario:
    """A scenario with one planning option applied: `scenario.rules` are the effective rules."""

    scenario: Scenario
    option: PlanningOption
    path: str
    sha256: str
    overrides: dict[str, Any] = field(default_factory=dict)
    # seconds spent reading, merging and resolving the file (load_resolved); the solve
    # records it as its `load` stage
    load_seconds: float | None = field(default=None, compare=False)

    def to_document(self) -> dict[str, Any]:
        return self.scenario.to_document()


# --------------------------------------------------------------------------- reading


def read_yaml(path: Path, label: str | None = None) -> dict[str, Any]:
    label = label or str(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key in _PARSED:           # batches and sweeps read the same files again and again
            return copy.deepcopy(_PARSED[key])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.one(label, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError.one(label, "", f"cannot read file ({e.__class__.__name__})") from None
    data = parse_yaml(text, label)
    if len(_PARSED) >= 64:
        _PARSED.clear()
    _PARSED[key] = copy.deepcopy(data)
    return data


# parsed files by (path, mtime, size): a changed file is read again
_PARSED: dict[tuple[str, int, int], dict[str, Any]] = {}


class DuplicateKey(Exception):
    """A key given twice in one mapping. YAML keeps the last one without a word, so an edit
    to the first copy would be silently ignored."""

    def __init__(self, mapping: yaml.MappingNode, first: yaml.Node, again: yaml.Node):
        super().__init__(again.value)
        self.mapping, self.first, self.again = mapping, first, again
        self.path = ""

    @property
    def message(self) -> str:
        a, b = self.first.start_mark.line + 1, self.again.start_mark.line + 1
        where = f"twice on line {a}" if a == b else f"on lines {a} and {b}"
        return f"duplicate key: given {where} (YAML would silently keep the last)"


class _UniqueKeys:
    """Loader mixin: a key given twice in one mapping raises DuplicateKey.

    Keys come in through `<<` merges too; those may be overridden by a key of the mapping
    itself (that is what merges are for), so only the mapping's own keys are compared."""

    def construct_document(self, node: yaml.Node) -> Any:
        try:
            return super().construct_document(node)  # type: ignore[misc]
        except DuplicateKey as e:
            e.path = ".".join([*(_node_path(node, e.mapping) or []), str(e.again.value)])
            raise

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
                    continue
                key = self.construct_object(key_node)  # type: ignore[attr-defined]
                first = seen.setdefault(key, key_node)
                if first is not key_node:
                    raise DuplicateKey(node, first, key_node)
        return super().construct_mapping(node, deep)  # type: ignore[misc]


_MERGE = "tag:yaml.org,2002:merge"


def _node_path(node: yaml.Node, target: yaml.Node, seen: set[int] | None = None
               ) -> list[str] | None:
    """The dotted path to TARGET, list entries named by id as in every other error."""
    if node is target:
        return []
    seen = set() if seen is None else seen
    if id(node) in seen:         # aliases can make cycles
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        steps = [(str(k.value), v) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        steps = [(_entry_name(item, i), item) for i, item in enumerate(node.value)]
    else:
        return None
    for name, child in steps:
        rest = _node_path(child, target, seen)
        if rest is not None:
            return [name, *rest]
    return None


def _entry_name(item: yaml.Node, index: int) -> str:
    if isinstance(item, yaml.MappingNode):
        keys = {k.value: v.value for k, v in item.value
                if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)}
        if "id" in keys:
            return str(keys["id"])
        if "from" in keys:
            return f"{keys['from']}-{keys.get('to')}"
    return str(index)


class _PureLoader(_UniqueKeys, yaml.SafeLoader):
    pass


_FAST_LOADER: type | None = None
if hasattr(yaml, "CSafeLoader"):
    class _FastLoader(_UniqueKeys, yaml.CSafeLoader):
        pass

    _FAST_LOADER = _FastLoader


def _safe_load(text: str) -> Any:
    """libyaml when it is there (about 10x faster); the pure-Python loader words every
    error, so a failure is parsed again by it for the message."""
    if _FAST_LOADER is not None:
        try:
            return yaml.load(text, Loader=_FAST_LOADER)
        except (yaml.YAMLError, UnicodeError, ValueError):
            pass
    return yaml.load(text, Loader=_PureLoader)


def parse_yaml(text: str, label: str) -> dict[str, Any]:
    try:
        data = _safe_load(text)
    except DuplicateKey as e:
        raise InputError.one(label, e.path, e.message) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputError.one(label, "", f"YAML syntax error: {where}{problem}") from None
    if data is None:
        raise InputError.one(label, "", "file is empty")
    bad = _lone_surrogate(data)
    if bad is not None:
        raise InputError.one(label, bad, "text holds an invalid character (lone surrogate)")
    if not isinstance(data, dict):
        raise InputError.one(label, "", "top level must be a mapping of keys to values")
    return data


def _lone_surrogate(node: Any, path: str = "", seen: set[int] | None = None) -> str | None:
    seen = set() if seen is None else seen
    if isinstance(node, str):
        return path if any("\ud800" <= ch <= "\udfff" for ch in node) else None
    if not isinstance(node, dict | list) or id(node) in seen:
        return None      # YAML anchors can make cycles: visit each container once
    seen.add(id(node))
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        sub = f"{path}.{k}" if path else str(k)
        hit = _lone_surrogate(k, sub, seen) if isinstance(k, str) else None
        hit = hit or _lone_surrogate(v, sub, seen)
        if hit is not None:
            return hit
    return None


def merge(base: Any, over: Any, key: str | None = None) -> Any:
    """Merge `over` onto `base`: mappings recursively, id'd lists by id, anything else replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v, k) if k in base else copy.deepcopy(v)
        return out
    if key in ID_LISTS and _is_id_list(base) and _is_id_list(over):
        out_list = [copy.deepcopy(x) for x in base]
        index = {x["id"]: i for i, x in enumerate(out_list)}
        for item in over:
            if item["id"] in index:
                i = index[item["id"]]
                out_list[i] = merge(out_list[i], item)
            else:
                out_list.append(copy.deepcopy(item))
        return out_list
    return copy.deepcopy(over)


def _is_id_list(x: Any) -> bool:
    return isinstance(x, list) and all(
        isinstance(i, dict) and isinstance(i.get("id"), str | int) for i in x)


def read_with_bases(path: Path, label: str, depth: int = 0) -> dict[str, Any]:
    data = read_yaml(path, label)
    base_ref = data.get("extends")
    if base_ref is None:
        return data
    if not isinstance(base_ref, str):
        raise InputError.one(label, "extends", "must be a path to a base scenario file")
    if depth >= MAX_EXTENDS_DEPTH:
        raise InputError.one(label, "extends", f"more than {MAX_EXTENDS_DEPTH} levels (a cycle?)")
    base_path = base_file(base_ref, path.parent, label)
    base = read_with_bases(base_path, str(base_path), depth + 1)
    merged: dict[str, Any] = merge(base, data)
    return merged


def base_file(ref: str, folder: Path, label: str) -> Path:
    """`extends:` names a shipped base (`pkplanner:osce_pool`) or a path from the file."""
    if ref.startswith(SHIPPED):
        found = shipped(ref)
        if found is None:
            names = ", ".join(SHIPPED + s.name for s in shipped_scenarios())
            raise InputError.one(label, "extends", f"no shipped scenario '{ref}' ({names})")
        return found
    base_path = (folder / ref).resolve()
    if not base_path.exists():
        raise InputError.one(label, "extends", f"base scenario '{ref}' not found")
    return base_path


def scenario_file(ref: str | Path) -> Path:
    """A scenario argument: a path, or the name of a shipped scenario (`pkplanner:two_zones`,
    or `two_zones` when no such file exists here)."""
    text = str(ref)
    if text.startswith(SHIPPED) or (not Path(text).exists() and "/" not in text):
        found = shipped(text)
        if found is not None:
            return found
        if text.startswith(SHIPPED):
            raise InputError.one(text, "", "no shipped scenario of that name "
                                 "(`pkplanner scenarios` lists them)")
    return Path(ref)


def doctrine() -> dict[str, Any]:
    return read_yaml(models_dir() / "doctrine.yaml")


def default_planning_options() -> list[Any]:
    opts = read_yaml(models_dir() / "planning_options.yaml").get("planning_options", [])
    return list(opts)


def fill_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Fill doctrine defaults for what the scenario leaves out; a given list replaces them."""
    out = dict(data)
    missing = [k for k in DOCTRINE_KEYS if out.get(k) is None]
    if missing:
        doc = doctrine()
        for k in missing:
            if k in doc:
                out[k] = doc[k]
    if out.get("planning_options") is None:
        out["planning_options"] = default_planning_options()
    return fill_logistics(out)


def fill_logistics(data: dict[str, Any]) -> dict[str, Any]:
    """`logistics: {}` turns family 16 on with the doctrine's figures; a key the scenario
    (or a --set) gives wins. Run again after --set, which may write the block whole."""
    if isinstance(data.get("logistics"), dict):
        data["logistics"] = {**(doctrine().get("logistics") or {}), **data["logistics"]}
    return data


# --------------------------------------------------------------------------- --set


def parse_set(expr: str, label: str = "--set") -> tuple[str, Any]:
    if "=" not in expr:
        raise InputError.one(label, expr, "expected PATH=VALUE, e.g. rules.max_share=0.4")
    path, raw = expr.split("=", 1)
    path = path.strip()
    if not path or any(not p for p in path.split(".")):
        raise InputError.one(label, path or expr, "empty path segment")
    try:
        value = _safe_load(raw) if raw.strip() else None
    except DuplicateKey as e:
        raise InputError.one(label, f"{path}.{e.path}", e.message) from None
    except yaml.YAMLError:
        value = raw
    return path, value


def entry_id(x: dict[str, Any]) -> str:
    """A list entry's id as --set addresses it; a route without one is `<from>-<to>`."""
    if x.get("id") is None and "from" in x and "to" in x:
        return f"{x['from']}-{x['to']}"
    return str(x.get("id"))


def apply_override(data: dict[str, Any], path: str, value: Any, label: str = "--set") -> None:
    """Set a dotted path; list entries with ids are addressed by id (zones.shusha.threat),
    routes by id or `<from>-<to>` (routes.goris-lachin.closed=true)."""
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        here = ".".join(parts[: i + 1])
        if isinstance(node, list):
            match = [x for x in node if isinstance(x, dict) and entry_id(x) == part]
            if not match:
                raise InputError.one(label, here, f"no entry with id '{part}'")
            if last:
                raise InputError.one(label, here, "cannot replace a whole list entry; set a field")
            node = match[0]
            continue
        if not isinstance(node, dict):
            raise InputError.one(label, here, "is not a mapping or list; cannot descend into it")
        if last:
            node[part] = value
        else:
            if node.get(part) is None:
                node[part] = {}
            node = node[part]


# --------------------------------------------------------------------------- checks


def _pretty_loc(loc: tuple[Any, ...], data: Any) -> str:
    out: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            item = node[part]
            ident = item.get("id") if isinstance(item, dict) else None
            if ident is None and isinstance(item, dict) and "from" in item:
                ident = f"{item.get('from')}-{item.get('to')}"
            out.append(str(ident) if ident is not None else str(part))
            node = item
        else:
            out.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(out)


def pydantic_problems(e: ValidationError, data: dict[str, Any], label: str) -> list[Problem]:
    problems = []
    for err in e.errors():
        loc = tuple(p for p in err["loc"] if p not in ("function-after",))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check spelling; unknown keys are not allowed)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        problems.append(Problem(label, _pretty_loc(loc, data), msg))
    return problems


def check_references(sc: Scenario, label: str) -> list[Problem]:
    """Everything pydantic cannot see: duplicate ids, dangling references, reachability."""
    p: list[Problem] = []

    def bad(path: str, msg: str) -> None:
        p.append(Problem(label, path, msg))

    def dups(kind: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                bad(f"{kind}.{i}", f"duplicate id '{i}'")
            seen.add(i)

    for kind in ("parties", "unit_types", "mandates", "contributors", "planning_options"):
        dups(kind, [x.id for x in getattr(sc, kind)])
    dups("zones", [z.id for z in sc.zones])
    dups("hubs", [h.id for h in sc.hubs])
    zone_ids = {z.id for z in sc.zones}
    for h in sc.hubs:
        if h.id in zone_ids:
            bad(f"hubs.{h.id}", f"id '{h.id}' is already a zone (zones and hubs share one network)")

    if sc.bounds is not None:
        bx = sc.bounds
        for kind, items in (("zones", sc.zones), ("hubs", sc.hubs)):
            for item in items:
                loc = item.location
                if not (bx.lat_min <= loc.lat <= bx.lat_max
                        and bx.lon_min <= loc.lon <= bx.lon_max):
                    bad(f"{kind}.{item.id}.location", f"{loc.lat:g}, {loc.lon:g} is outside "
                        f"the scenario's bounds (lat {bx.lat_min:g}..{bx.lat_max:g}, lon "
                        f"{bx.lon_min:g}..{bx.lon_max:g})")

    levels = sc.armament_levels
    dups("armament_levels", levels)
    parties = {x.id for x in sc.parties}
    units = {u.id: u for u in sc.unit_types}
    mandates = {m.id for m in sc.mandates}
    contributors = {c.id for c in sc.contributors}
    groups = {g for c in sc.contributors for g in c.groups}
    nodes = zone_ids | {h.id for h in sc.hubs}

    def level(path: str, value: str | None) -> None:
        if value is not None and value not in levels:
            bad(path, f"unknown armament level '{value}' (levels: {', '.join(levels)})")

    if not sc.parties:
        bad("parties", "at least one party is needed")
    if not sc.zones:
        bad("zones", "at least one zone is needed")
    if not sc.contributors:
        bad("contributors", "the contributor pool is empty")
    for u in sc.unit_types:
        level(f"unit_types.{u.id}.armament", u.armament)
    for m in sc.mandates:
        level(f"mandates.{m.id}.min_armament", m.min_armament)
        level(f"mandates.{m.id}.max_armament", m.max_armament)
        if (m.min_armament in levels and m.max_armament in levels
                and levels.index(m.min_armament) > levels.index(m.max_armament)):
            bad(f"mandates.{m.id}", "min_armament is above max_armament")
        for cap, names in m.eligible.items():
            if cap not in m.requirements:
                bad(f"mandates.{m.id}.eligible.{cap}", f"'{cap}' is not among the mandate's "
                    f"requirements ({', '.join(m.requirements) or 'none'})")
            for name in names:
                if name not in levels and name not in units:
                    bad(f"mandates.{m.id}.eligible.{cap}", f"'{name}' is neither an armament "
                        "level nor a unit type")
    for z in sc.zones:
        for k in z.allowed_mandates or []:
            if k not in mandates:
                bad(f"zones.{z.id}.allowed_mandates", f"unknown mandate '{k}'")
        level(f"zones.{z.id}.min_armament", z.min_armament)
        level(f"zones.{z.id}.max_armament", z.max_armament)
        if (z.min_armament in levels and z.max_armament in levels
                and levels.index(z.min_armament) > levels.index(z.max_armament)):
            bad(f"zones.{z.id}", "min_armament is above max_armament")
    where = {z.id: z.location for z in sc.zones} | {h.id: h.location for h in sc.hubs}
    for r in sc.routes:
        rid = f"routes.{r.name}"
        for end, key in ((r.from_, "from"), (r.to, "to")):
            if end not in nodes:
                bad(f"{rid}.{key}", f"route to unknown node '{end}' (not a zone or hub)")
        if r.from_ in where and r.to in where:
            a, b = where[r.from_], where[r.to]
            line = network.straight_km(a.lat, a.lon, b.lat, b.lon)
            # coordinates are rounded to about a km and mark a zone's centre, not where
            # its road ends: a route may fall short of the line by 2.5%, no more
            if r.km < (1 - ROUTE_SLACK) * line:
                bad(f"{rid}.km", f"{r.km:g} km is shorter than the straight line between "
                    f"{r.from_} and {r.to} ({line:.1f} km): no road is; check the length "
                    "or the locations")
        if r.road not in sc.network.road_speeds_kmh:
            bad(f"{rid}.road", f"unknown road class '{r.road}' "
                f"(known: {', '.join(sc.network.road_speeds_kmh)})")
        elif (sc.logistics is not None and r.capacity_tpd is None
              and r.road not in sc.logistics.road_capacity_tpd):
            bad(f"{rid}.road", f"road class '{r.road}' has no capacity in "
                "logistics.road_capacity_tpd (or give the route capacity_tpd)")
    seen_routes: set[str] = set()
    for r in sc.routes:
        if r.name in seen_routes:
            bad(f"routes.{r.name}", f"two routes named '{r.name}' (give parallel routes "
                "an `id` each)")
        seen_routes.add(r.name)
    for contrib in sc.contributors:
        for key in ("joined", "left"):
            for g in getattr(contrib, key):
                if g not in contrib.groups:
                    bad(f"contributors.{contrib.id}.{key}.{g}",
                        f"'{g}' is not one of its groups")
        for g, year in contrib.left.items():
            if g in contrib.joined and contrib.joined[g] >= year:
                bad(f"contributors.{contrib.id}.left.{g}", f"left in {year}, not after it "
                    f"joined ({contrib.joined[g]})")
        for uid in contrib.units:
            if uid not in units:
                bad(f"contributors.{contrib.id}.units.{uid}", f"unknown unit type '{uid}'")
        for uid in contrib.readiness_days:
            if uid not in units:
                bad(f"contributors.{contrib.id}.readiness_days.{uid}",
                    f"unknown unit type '{uid}'")
    acc = sc.acceptability
    for party, row in acc.contributors.items():
        if party not in parties:
            bad(f"acceptability.contributors.{party}", f"unknown party '{party}'")
        for cid in row:
            if cid not in contributors:
                bad(f"acceptability.contributors.{party}.{cid}", f"unknown contributor '{cid}'")
    for zid, by_party in acc.zones.items():
        if zid not in zone_ids:
            bad(f"acceptability.zones.{zid}", f"unknown zone '{zid}'")
        for party, row in by_party.items():
            if party not in parties:
                bad(f"acceptability.zones.{zid}.{party}", f"unknown party '{party}'")
            for cid in row:
                if cid not in contributors:
                    bad(f"acceptability.zones.{zid}.{party}.{cid}",
                        f"unknown contributor '{cid}'")
    for party, row in acc.armament.items():
        if party not in parties:
            bad(f"acceptability.armament.{party}", f"unknown party '{party}'")
        for lv in row:
            level(f"acceptability.armament.{party}.{lv}", lv)
    for i, v in enumerate(sc.vetoes):
        vid = f"vetoes.{i}"
        if v.party not in parties:
            bad(f"{vid}.party", f"unknown party '{v.party}'")
        if v.contributor is not None and v.contributor not in contributors:
            bad(f"{vid}.contributor", f"unknown contributor '{v.contributor}'")
        if v.group is not None and v.group not in groups:
            bad(f"{vid}.group", f"no contributor belongs to group '{v.group}'")
        for zid in v.zones or []:
            if zid not in zone_ids:
                bad(f"{vid}.zones", f"unknown zone '{zid}'")
    p.extend(check_rules(sc.rules, "rules", sc, label))
    for o in sc.planning_options:
        oid = f"planning_options.{o.id}"
        for k in o.mandates or []:
            if k not in mandates:
                bad(f"{oid}.mandates", f"unknown mandate '{k}'")
        level(f"{oid}.max_armament", o.max_armament)
        patch = o.rules.model_dump(exclude_none=True)
        p.extend(check_rules(Rules.model_validate(patch), f"{oid}.rules", sc, label, set(patch)))
    p.extend(check_phases(sc, label))
    if sc.planning_option is not None and sc.planning_option not in {
            o.id for o in sc.planning_options}:
        bad("planning_option", f"unknown planning option '{sc.planning_option}' "
            f"(options: {', '.join(o.id for o in sc.planning_options)})")
    if not p:
        g = network.build_graph(sc)
        required = [z.id for z in sc.zones if z.required]
        entries = [h.id for h in sc.hubs if h.entry or sc.logistics is None]
        season = sc.network.season
        shut = [r.name for r in sc.routes if season is not None and season in r.closed_in]
        for zid in network.unreachable_from_hubs(g, required, entries):
            bad(f"zones.{zid}", "required zone that no hub can reach over open routes"
                + (" (with logistics on only hubs with entry: true supply the area)"
                   if sc.logistics is not None and len(entries) < len(sc.hubs) else "")
                + (f" (network.season {season} closes {', '.join(shut)})" if shut else ""))
    return p


def check_phases(sc: Scenario, label: str) -> list[Problem]:
    """A phase may name only the scenario's zones, mandates, capabilities and levels, and a
    transition needs phases; a strict drawdown under a final ceiling above the largest force
    the rules allow is a ceiling that cannot bind (most likely a typo)."""
    p: list[Problem] = []

    def bad(path: str, msg: str) -> None:
        p.append(Problem(label, path, msg))

    if sc.phases is None:
        if sc.transition is not None:
            bad("transition", "a transition links phases, but the scenario has no `phases`")
        return p
    if not sc.phases:
        bad("phases", "at least one phase is needed (or leave `phases` out)")
    if sc.objective != "cost":
        bad("objective", f"'{sc.objective}': a phased scenario is solved for the least cost "
            "of the whole plan (the acceptability and coverage objectives are single-period)")
    zone_ids = {z.id for z in sc.zones}
    mandates = {m.id for m in sc.mandates}
    caps = {c for u in sc.unit_types for c in u.capabilities} | {
        c for m in sc.mandates for c in m.requirements}
    seen: set[str] = set()
    for ph in sc.phases:
        pid = f"phases.{ph.id}"
        if ph.id in seen:
            bad(pid, f"duplicate id '{ph.id}'")
        seen.add(ph.id)
        for zid in ph.handed_over:
            if zid not in zone_ids:
                bad(f"{pid}.handed_over", f"unknown zone '{zid}'")
        for key in ("returnees", "local_police"):
            for zid in getattr(ph, key):
                if zid not in zone_ids:
                    bad(f"{pid}.{key}.{zid}", f"unknown zone '{zid}'")
        for cap in ph.requirement_factor:
            if cap != "default" and cap not in caps:
                bad(f"{pid}.requirement_factor.{cap}",
                    f"unknown capability '{cap}' (known: default, {', '.join(sorted(caps))})")
        for k in ph.mandates or []:
            if k not in mandates:
                bad(f"{pid}.mandates", f"unknown mandate '{k}'")
        if ph.max_armament is not None and ph.max_armament not in sc.armament_levels:
            bad(f"{pid}.max_armament", f"unknown armament level '{ph.max_armament}' "
                f"(levels: {', '.join(sc.armament_levels)})")
    return p


def check_ceiling(sc: Scenario, label: str) -> list[Problem]:
    """Under the effective rules (the option's personnel_max): a final ceiling above the
    largest first phase allowed, while the force may not grow, can never bind."""
    tr, cap = sc.transition, sc.rules.personnel_max
    if (tr is not None and tr.max_growth == 0 and tr.final_ceiling is not None
            and cap is not None and tr.final_ceiling > cap):
        return [Problem(label, "transition.final_ceiling", f"{tr.final_ceiling} is above the "
                        f"largest first phase the rules allow (personnel_max {cap}) while the "
                        "force may not grow (max_growth 0): the ceiling can never bind")]
    return []


def check_rules(r: Rules, where: str, sc: Scenario, label: str,
                only: set[str] | None = None) -> list[Problem]:
    p: list[Problem] = []
    parties = {x.id for x in sc.parties}
    groups = {g for c in sc.contributors for g in c.groups}

    def want(key: str) -> bool:
        return only is None or key in only

    def bad(path: str, msg: str) -> None:
        p.append(Problem(label, f"{where}.{path}", msg))

    mandates = {m.id for m in sc.mandates}
    if want("mandates"):
        for k in r.mandates or []:
            if k not in mandates:
                bad("mandates", f"unknown mandate '{k}'")
    if want("max_armament") and r.max_armament is not None \
            and r.max_armament not in sc.armament_levels:
        bad("max_armament", f"unknown armament level '{r.max_armament}'")
    if want("group_caps"):
        for g in r.group_caps:
            if g not in groups:
                bad(f"group_caps.{g}", f"no contributor belongs to group '{g}'")
    for key in ("acceptability_floor", "armament_floor", "robust_budget",
                "zone_acceptability_floor"):
        if want(key) and isinstance(getattr(r, key), dict):
            for party in getattr(r, key):
                if party not in parties:
                    bad(f"{key}.{party}", f"unknown party '{party}'")
    if want("qrf_unit_types"):
        units = {u.id for u in sc.unit_types}
        for u in r.qrf_unit_types:
            if u not in units:
                bad("qrf_unit_types", f"unknown unit type '{u}'")
    if want("qrf_mandates"):
        for k in r.qrf_mandates:
            if k not in mandates:
                bad("qrf_mandates", f"unknown mandate '{k}'")
    if (want("personnel_max") and r.personnel_max is not None
            and r.personnel_max < r.personnel_min and only is None):
        bad("personnel_max", f"{r.personnel_max} is below personnel_min {r.personnel_min}")
    return p


# --------------------------------------------------------------------------- entry points


def load(path: str | Path, overrides: list[str] | None = None) -> LoadedScenario:
    """Read, merge bases, fill defaults, apply --set, validate and check references."""
    p = scenario_file(path)
    label = str(path)
    data = read_with_bases(p, label)
    sets = [parse_set(s) for s in overrides or []]
    data = fill_defaults(data)
    for key, value in sets:
        apply_override(data, key, value)
    sc = validate_document(fill_logistics(data), label)
    raw = p.read_bytes()
    if sets:
        raw += "".join(f"\n# --set {k}={json.dumps(v)}" for k, v in sets).encode()
    return LoadedScenario(sc, label, hashlib.sha256(raw).hexdigest(), dict(sets))


def load_text(text: str, label: str = "<upload>") -> LoadedScenario:
    """Load a scenario from a string (app uploads). An upload has no folder of its own, so
    `extends:` must name a shipped base: `pkplanner:osce_pool`, or a path as the shipped
    scenarios write it (`base/osce_pool.yaml`)."""
    data = parse_yaml(text, label)
    ref = data.get("extends")
    if ref:
        if not isinstance(ref, str):
            raise InputError.one(label, "extends", "must be a path to a base scenario file")
        path = shipped(ref) if ref.startswith(SHIPPED) else scenarios_dir() / ref
        if path is None or not path.resolve().is_relative_to(scenarios_dir()) \
                or not path.is_file():
            raise InputError.one(label, "extends", f"'{ref}' is not a shipped base; an upload "
                                 "can extend one (e.g. extends: pkplanner:osce_pool), or upload "
                                 "the merged file (pkplanner validate FILE --resolved)")
        data = merge(read_with_bases(path, str(path)), {k: v for k, v in data.items()
                                                         if k != "extends"})
    sc = validate_document(fill_defaults(data), label)
    return LoadedScenario(sc, label, hashlib.sha256(text.encode()).hexdigest(), {})


def validate_document(data: dict[str, Any], label: str) -> Scenario:
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as e:
        raise InputError(pydantic_problems(e, data, label)) from None
    problems = check_references(sc, label)
    if problems:
        raise InputError(problems)
    return sc


OPTION_FIELDS = ("mandates", "max_armament", "personnel_min", "personnel_max")


def option_rules(rules: dict[str, Any], option: dict[str, Any]) -> dict[str, Any]:
    """The rules a planning option gives, in the loader's order: the scenario's rules, then
    the option's own fields (OPTION_FIELDS), then its rules block (null keys leave the
    value). Plain dicts, so the app applies an option to the document it edits the same
    way."""
    out = copy.deepcopy(rules)
    for key in OPTION_FIELDS:
        if option.get(key) is not None:
            out[key] = copy.deepcopy(option[key])
    for key, value in (option.get("rules") or {}).items():
        if value is not None:
            out[key] = copy.deepcopy(value)
    return out


def per_party_budget(rules: dict[str, Any], parties: list[str]) -> dict[str, Any]:
    """Effective rules with a positive `robust_budget` number written out for every party,
    so a relaxation or a sensitivity step can move one party's budget alone (0 stays 0)."""
    gamma = rules.get("robust_budget")
    if isinstance(gamma, int | float) and not isinstance(gamma, bool) and gamma > 0:
        return {**rules, "robust_budget": dict.fromkeys(parties, gamma)}
    return rules


def resolve(loaded: LoadedScenario, option_id: str | None = None) -> ResolvedScenario:
    """Apply a planning option: its mandates/armament/size band, its rules, then --set rules."""
    sc = loaded.scenario
    options = {o.id: o for o in sc.planning_options}
    oid = option_id or sc.planning_option or (sc.planning_options[0].id
                                               if sc.planning_options else None)
    if oid is None or oid not in options:
        raise InputError.one(loaded.path, "planning_option",
                             f"unknown planning option '{oid}' (options: {', '.join(options)})")
    opt = options[oid]
    rules = option_rules(sc.rules.model_dump(), opt.model_dump())
    for key, value in loaded.overrides.items():
        if key.startswith("rules."):
            tmp = {"rules": rules}
            apply_override(tmp, key, value)
            rules = tmp["rules"]
    rules = per_party_budget(rules, [x.id for x in sc.parties])
    doc = sc.to_document()
    doc["rules"] = rules
    doc["planning_option"] = oid
    for c, cd in zip(sc.contributors, doc["contributors"], strict=True):
        # the year's memberships: the resolved document keeps only those
        cd["groups"] = [g for g in c.groups if c.member(g, sc.year)]
        for key in ("joined", "left"):
            cd[key] = {g: y for g, y in cd[key].items() if g in cd["groups"]}
    season = sc.network.season
    for rt in doc["routes"]:            # the season's closures, written out
        if season is not None and season in (rt.get("closed_in") or []):
            rt["closed"] = True
    doc["extends"] = None       # the base is merged in: the resolved document stands alone
    # --set rules.* must survive re-resolving this document: keep them in the option too
    rules_sets = {k.split(".", 1)[1].split(".")[0] for k in loaded.overrides
                  if k.startswith("rules.")}
    for o in doc["planning_options"]:
        if o["id"] == oid and rules_sets:
            o["rules"] = {**(o.get("rules") or {}), **{k: rules[k] for k in rules_sets}}
    resolved = validate_document(doc, loaded.path)
    problems = (check_rules(resolved.rules, "rules", resolved, loaded.path)
                + check_ceiling(resolved, loaded.path))
    pool = [c for c in resolved.contributors
            if not set(c.groups) & set(resolved.rules.exclude_groups) and c.units]
    if not pool:
        problems.append(Problem(loaded.path, "rules.exclude_groups",
                                f"option {oid} excludes every contributor: the pool is empty"))
    if problems:
        raise InputError(problems)
    return ResolvedScenario(resolved, opt, loaded.path, loaded.sha256, loaded.overrides)


def load_resolved(path: str | Path, option_id: str | None = None,
                  overrides: list[str] | None = None) -> ResolvedScenario:
    t0 = time.perf_counter()
    rs = resolve(load(path, overrides), option_id)
    rs.load_seconds = time.perf_counter() - t0
    return rs
