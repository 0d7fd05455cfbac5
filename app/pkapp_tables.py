"""Scenario sections as tables for `st.data_editor`, and edited tables back to sections.

Each list section (zones, hubs, routes, contributors, parties, vetoes) becomes one row per
entry; an edited table is merged back onto the entries it came from by row position, so
fields the table does not show (`source`, ...) survive. Mappings (acceptability, units)
become matrices. An unedited table converts back to exactly the section it came from.
Empty cells become "not given": the loader then applies its default or names the field.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from pkplanner.scenario.schema import Rules


@dataclass(frozen=True)
class Col:
    name: str                 # column in the table
    path: tuple[str, ...]     # field in the entry
    kind: str                 # id | str | float | int | bool | list | opt_list | opt_str
    #                           | opt_int | opt_float


ZONE_COLS = [
    Col("id", ("id",), "id"), Col("name", ("name",), "str"),
    Col("lat", ("location", "lat"), "float"), Col("lon", ("location", "lon"), "float"),
    Col("population", ("population",), "float"), Col("returnees", ("returnees",), "float"),
    Col("line_km", ("line_km",), "float"), Col("area_km2", ("area_km2",), "float"),
    Col("threat", ("threat",), "int"), Col("mines", ("mines",), "float"),
    Col("weight", ("weight",), "float"), Col("required", ("required",), "bool"),
    Col("allowed_mandates", ("allowed_mandates",), "opt_list"),
    Col("min_armament", ("min_armament",), "opt_str"),
    Col("max_armament", ("max_armament",), "opt_str"), Col("notes", ("notes",), "str"),
]
HUB_COLS = [
    Col("id", ("id",), "id"), Col("name", ("name",), "str"),
    Col("lat", ("location", "lat"), "float"), Col("lon", ("location", "lon"), "float"),
    Col("capacity_personnel", ("capacity_personnel",), "opt_int"),
    Col("entry", ("entry",), "bool"), Col("notes", ("notes",), "str"),
]
ROUTE_COLS = [
    Col("id", ("id",), "opt_str"),
    Col("from", ("from",), "id"), Col("to", ("to",), "id"), Col("km", ("km",), "float"),
    Col("road", ("road",), "id"), Col("mine_risk", ("mine_risk",), "float"),
    Col("closed", ("closed",), "bool"), Col("capacity_tpd", ("capacity_tpd",), "opt_float"),
    Col("notes", ("notes",), "str"),
]
CONTRIBUTOR_COLS = [
    Col("id", ("id",), "id"), Col("name", ("name",), "str"),
    Col("groups", ("groups",), "list"), Col("languages", ("languages",), "list"),
    Col("cost_per_person_month", ("cost_per_person_month",), "float"),
    Col("max_personnel", ("max_personnel",), "int"), Col("notes", ("notes",), "str"),
]
PARTY_COLS = [Col("id", ("id",), "id"), Col("name", ("name",), "str")]
VETO_COLS = [
    Col("party", ("party",), "id"), Col("contributor", ("contributor",), "opt_str"),
    Col("group", ("group",), "opt_str"), Col("zones", ("zones",), "opt_list"),
    Col("notes", ("notes",), "str"),
]


# --------------------------------------------------------------------------- labels


def _field(model: type[BaseModel], path: tuple[str, ...]) -> FieldInfo:
    """The schema's field at `path` (file keys, so `from` finds Route.from_), nested models
    followed: the wording of a column or widget is the field's own."""
    info: FieldInfo | None = None
    for key in path:
        if info is not None:
            assert isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
            model = info.annotation
        info = next(f for name, f in model.model_fields.items() if key in (name, f.alias))
    assert info is not None
    return info


def label(model: type[BaseModel], path: tuple[str, ...]) -> str:
    """The field's title, or its key in the file where the schema gives none."""
    return _field(model, path).title or path[-1]


def help_text(model: type[BaseModel], path: tuple[str, ...]) -> str:
    return _field(model, path).description or ""


def rule_label(key: str) -> str:
    return label(Rules, (key,))


def rule_help(key: str) -> str:
    return help_text(Rules, (key,))


COMPOSITION_FLOOR = rule_label("acceptability_floor")
ARMAMENT_FLOOR = rule_label("armament_floor")
ZONE_FLOOR = rule_label("zone_acceptability_floor")
# the per-party floors, one column each in the floors editor: (column, rules key)
FLOORS = ((COMPOSITION_FLOOR, "acceptability_floor"), (ZONE_FLOOR, "zone_acceptability_floor"),
          (ARMAMENT_FLOOR, "armament_floor"))


# --------------------------------------------------------------------------- cells


def clean(v: Any) -> Any:
    """A table cell as a plain Python value; empty cells (NaN, NA, blank text) are None."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, list | dict | str):
        v = v.item()                           # numpy scalar
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def _number(v: Any, integer: bool) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, float) and integer and v.is_integer():
        return int(v)
    if isinstance(v, int) and not integer:
        return float(v)
    return v


def _split(text: Any) -> list[str]:
    if isinstance(text, list | tuple):
        return [str(x).strip() for x in text if str(x).strip()]
    return [s.strip() for s in str(text).split(",") if s.strip()]


def to_cell(value: Any, kind: str) -> Any:
    if kind in ("list", "opt_list"):
        return ", ".join(str(x) for x in value) if value else ""
    if kind == "str":
        return value or ""
    return value


def from_cell(cell: Any, kind: str) -> tuple[bool, Any]:
    """(keep the key, value): False drops the key so the loader's default applies."""
    v = clean(cell)
    if kind == "str":
        return True, "" if v is None else str(v)
    if kind == "id":
        return True, None if v is None else str(v)
    if kind == "opt_str":
        return True, None if v is None else str(v)
    if kind == "list":
        return True, [] if v is None else _split(v)
    if kind == "opt_list":
        return True, None if v is None else _split(v)
    if kind in ("opt_int", "opt_float"):
        return True, None if v is None else _number(v, kind == "opt_int")
    if v is None:
        return False, None
    if kind == "bool":
        return True, bool(v)
    return True, _number(v, kind == "int")


def _get(entry: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = entry
    for p in path:
        node = node.get(p) if isinstance(node, dict) else None
    return node


def _set(entry: dict[str, Any], path: tuple[str, ...], keep: bool, value: Any) -> None:
    node = entry
    for p in path[:-1]:
        if not isinstance(node.get(p), dict):
            node[p] = {}
        node = node[p]
    if keep:
        node[path[-1]] = value
    else:
        node.pop(path[-1], None)


# --------------------------------------------------------------------------- list sections


def list_frame(entries: list[dict[str, Any]], cols: list[Col]) -> pd.DataFrame:
    rows = [{c.name: to_cell(_get(e, c.path), c.kind) for c in cols} for e in entries]
    df = pd.DataFrame(rows, columns=[c.name for c in cols])
    for c in cols:
        if c.kind in ("str", "id", "list", "opt_list", "opt_str"):
            df[c.name] = df[c.name].astype(object)
        elif c.kind == "bool":
            df[c.name] = df[c.name].astype("boolean")
    return df


def list_from_frame(df: pd.DataFrame, cols: list[Col],
                    originals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows back to entries; a row keeps the fields of the entry at its original position."""
    out = []
    for idx, row in df.iterrows():
        pos = idx if isinstance(idx, int) else -1
        entry = copy.deepcopy(originals[pos]) if 0 <= pos < len(originals) else {}
        for c in cols:
            keep, value = from_cell(row.get(c.name), c.kind)
            _set(entry, c.path, keep, value)
        if all(from_cell(row.get(c.name), c.kind)[1] in (None, "", []) for c in cols
               if c.kind != "bool") and pos < 0:
            continue                        # an added row left empty
        out.append(entry)
    return out


# --------------------------------------------------------------------------- matrices


def _ids(entries: list[dict[str, Any]] | None) -> list[str]:
    return [str(e.get("id")) for e in entries or [] if isinstance(e, dict)]


def units_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """Contributors x unit types: units offered (empty = none)."""
    units = _ids(doc.get("unit_types"))
    contribs = [c for c in doc.get("contributors") or [] if isinstance(c, dict)]
    extra = [u for c in contribs for u in (c.get("units") or {}) if u not in units]
    cols = units + list(dict.fromkeys(extra))
    data = [[(c.get("units") or {}).get(u) for u in cols] for c in contribs]
    df = pd.DataFrame(data, columns=cols, index=[str(c.get("id")) for c in contribs],
                      dtype="float64")
    df.index.name = "contributor"
    return df


def apply_units(contributors: list[dict[str, Any]], df: pd.DataFrame) -> None:
    for c in contributors:
        cid = str(c.get("id"))
        if cid not in df.index:
            continue
        row = df.loc[cid]
        c["units"] = {str(u): _number(v, True) for u, v in
                      ((u, clean(row[u])) for u in df.columns) if v is not None}


def acceptability_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """Contributors x parties: acceptability of each contributor to each party."""
    acc = (doc.get("acceptability") or {}).get("contributors") or {}
    parties = _ids(doc.get("parties"))
    parties += [p for p in acc if p not in parties]
    contribs = [c for c in doc.get("contributors") or [] if isinstance(c, dict)]
    df = pd.DataFrame({p: [(acc.get(p) or {}).get(str(c.get("id"))) for c in contribs]
                       for p in parties}, index=[str(c.get("id")) for c in contribs],
                      dtype="float64")
    df.insert(0, "contributor name", [str(c.get("name") or "") for c in contribs])
    df.index.name = "contributor"
    return df


def acceptability_from_frame(df: pd.DataFrame, base: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in df.columns:
        if p == "contributor name":
            continue
        row = {str(c): float(v) for c, v in ((c, clean(df.at[c, p])) for c in df.index)
               if v is not None}
        if row or p in base:
            out[str(p)] = row
    for p, row in base.items():           # rows of contributors the table does not show
        kept = {c: v for c, v in (row or {}).items() if c not in df.index}
        if kept:
            out.setdefault(p, {}).update(kept)
    return out


def zone_acceptability_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """Zone overrides in long form: zone, party, contributor, score."""
    zones = (doc.get("acceptability") or {}).get("zones") or {}
    rows = [{"zone": z, "party": p, "contributor": c, "score": s}
            for z, by_party in zones.items() for p, row in (by_party or {}).items()
            for c, s in (row or {}).items()]
    df = pd.DataFrame(rows, columns=["zone", "party", "contributor", "score"])
    for c in ("zone", "party", "contributor"):
        df[c] = df[c].astype(object)
    df["score"] = df["score"].astype("float64")
    return df


def zone_acceptability_from_frame(df: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for _, row in df.iterrows():
        z, p, c, s = (clean(row.get(k)) for k in ("zone", "party", "contributor", "score"))
        if z is None and p is None and c is None and s is None:
            continue
        out.setdefault(str(z), {}).setdefault(str(p), {})[str(c)] = s
    return out


def armament_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """Parties x armament levels: acceptability of each level to each party."""
    arm = (doc.get("acceptability") or {}).get("armament") or {}
    levels = [str(x) for x in doc.get("armament_levels") or []]
    parties = _ids(doc.get("parties"))
    parties += [p for p in arm if p not in parties]
    df = pd.DataFrame([[(arm.get(p) or {}).get(lv) for lv in levels] for p in parties],
                      columns=levels, index=parties, dtype="float64")
    df.index.name = "party"
    return df


def armament_from_frame(df: pd.DataFrame, base: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in df.index:
        row = {str(lv): float(v) for lv, v in ((lv, clean(df.at[p, lv])) for lv in df.columns)
               if v is not None}
        if row or p in base:
            out[str(p)] = row
    return out


# --------------------------------------------------------------------------- rules


def floors_frame(rules: dict[str, Any], parties: list[str]) -> pd.DataFrame:
    """Parties x (composition floor, zone composition floor, armament floor); empty = no
    floor."""
    maps = {col: rules.get(key) or {} for col, key in FLOORS}
    names = parties + list(dict.fromkeys(p for m in maps.values() for p in m
                                         if p not in parties))
    df = pd.DataFrame({col: [m.get(p) for p in names] for col, m in maps.items()},
                      index=names, dtype="float64")
    df.index.name = "party"
    return df


def floors_from_frame(df: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Rules key -> party -> floor, for each floor column (an empty cell: no floor)."""
    def col(name: str) -> dict[str, float]:
        return {str(p): float(v) for p, v in ((p, clean(df.at[p, name])) for p in df.index)
                if v is not None}
    return {key: col(name) for name, key in FLOORS}


def group_caps_frame(rules: dict[str, Any], groups: list[str]) -> pd.DataFrame:
    caps = rules.get("group_caps") or {}
    names = groups + [g for g in caps if g not in groups]
    df = pd.DataFrame({"cap": [caps.get(g) for g in names]}, index=names, dtype="float64")
    df.index.name = "group"
    return df


def group_caps_from_frame(df: pd.DataFrame) -> dict[str, float]:
    return {str(g): float(v) for g, v in ((g, clean(df.at[g, "cap"])) for g in df.index)
            if v is not None}
