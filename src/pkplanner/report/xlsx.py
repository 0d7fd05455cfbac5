"""The solution as an Excel workbook, for planners who carry the numbers into their own
sheets: one sheet per table (allocation, zones, contributors, acceptability, rules)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pkplanner import __version__
from pkplanner.files import temp_beside
from pkplanner.report.view import View
from pkplanner.scenario.resolve import ResolvedScenario


def solution_frames(rs: ResolvedScenario, solution: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The solution as tables: allocation, zones, contributors, acceptability, rules."""
    v = View(rs, solution)
    sc = rs.scenario
    alloc = pd.DataFrame([
        {"contributor": c, "contributor_name": v.cname(c), "zone": z, "zone_name": v.zname(z),
         "unit_type": u, "unit_name": v.uname(u), "units": int(n), "personnel": int(p)}
        for c, z, u, n, p in v.alloc[["contributor", "zone", "unit_type", "units",
                                      "personnel"]].itertuples(index=False)],
        columns=["contributor", "contributor_name", "zone", "zone_name", "unit_type",
                 "unit_name", "units", "personnel"])
    dist, paths = v.hub_paths()
    caps = sorted({cap for z in v.zones for cap in (z.get("requirements") or {})})
    zrows = []
    for z in v.zones:
        zz = v.zone.get(z["zone"])
        row: dict[str, Any] = {
            "zone": z["zone"], "name": v.zname(z["zone"]),
            "required": bool(zz.required) if zz else True,
            "deployed": bool(z.get("deployed")), "mandate": z.get("mandate") or "",
            "armament": z.get("armament") or "", "personnel": int(z.get("personnel", 0)),
            "lead": z.get("lead") or "",
            "nearest_hub": paths[z["zone"]][0] if z["zone"] in paths else "",
            "hours_to_hub": round(dist[z["zone"]], 3) if z["zone"] in dist else None,
            "lat": zz.location.lat if zz else None, "lon": zz.location.lon if zz else None,
        }
        for cap in caps:
            q = (z.get("requirements") or {}).get(cap)
            row[f"required_{cap}"] = q["required"] if q else None
            row[f"provided_{cap}"] = q["provided"] if q else None
        zrows.append(row)
    zones = pd.DataFrame(zrows, columns=[
        "zone", "name", "required", "deployed", "mandate", "armament", "personnel", "lead",
        "nearest_hub", "hours_to_hub", "lat", "lon",
        *[f"{k}_{cap}" for cap in caps for k in ("required", "provided")]])
    crow = []
    for c in v.contributors:
        cid = c["contributor"]
        mine = v.alloc[v.alloc["contributor"] == cid]
        cc = v.contrib.get(cid)
        crow.append({
            "contributor": cid, "name": v.cname(cid), "personnel": int(c["personnel"]),
            "share": float(c["share"]), "cost_per_month": float(c["cost_per_month"]),
            "cost_per_person_month": cc.cost_per_person_month if cc else None,
            "max_personnel": cc.max_personnel if cc else None,
            "zones": ", ".join(sorted(set(mine["zone"]))),
            "units": int(mine["units"].sum()),
        })
    contributors = pd.DataFrame(crow, columns=[
        "contributor", "name", "personnel", "share", "cost_per_month",
        "cost_per_person_month", "max_personnel", "zones", "units"])
    r = sc.rules
    acc = pd.DataFrame([{
        "party": p.id, "name": p.name,
        "composition": (solution.get("acceptability") or {}).get(p.id),
        "composition_floor": r.acceptability_floor.get(p.id),
        "armament": (solution.get("armament_acceptability") or {}).get(p.id),
        "armament_floor": r.armament_floor.get(p.id)} for p in sc.parties],
        columns=["party", "name", "composition", "composition_floor", "armament",
                 "armament_floor"])
    rules_doc = solution.get("rules") or r.model_dump(mode="json")
    rules = pd.DataFrame([{"rule": k, "value": json.dumps(val, ensure_ascii=False)}
                          for k, val in rules_doc.items()], columns=["rule", "value"])
    scen = solution.get("scenario") or {}
    summary = pd.DataFrame([
        {"item": k, "value": str(val)} for k, val in (
            ("scenario", scen.get("name", sc.name)), ("path", scen.get("path", rs.path)),
            ("sha256", scen.get("sha256", rs.sha256)), ("option", rs.option.id),
            ("option_name", rs.option.name), ("status", solution.get("status")),
            ("objective", (solution.get("objective") or {}).get("kind")),
            ("objective_value", (solution.get("objective") or {}).get("value")),
            ("mip_gap", solution.get("mip_gap")),
            ("personnel", v.total), ("cost_per_month", v.cost),
            ("pkplanner", __version__))], columns=["item", "value"])
    frames = {"summary": summary, "allocation": alloc, "zones": zones,
              "contributors": contributors, "acceptability": acc, "rules": rules}
    if solution.get("conflicts"):
        frames["conflicts"] = pd.DataFrame(solution["conflicts"],
                                           columns=["rule", "detail", "relaxation"])
    return frames


def _xlsx_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Control characters are not allowed in an xlsx cell (openpyxl refuses them): drop them."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda x: ILLEGAL_CHARACTERS_RE.sub("", x)
                                    if isinstance(x, str) else x)
    return out


def write_xlsx(path: Path, rs: ResolvedScenario, solution: dict[str, Any]) -> Path:
    """Write the solution as an Excel workbook, atomically (temp file in the folder, rename).

    Sheets: summary, allocation, zones, contributors, acceptability, rules (and conflicts
    for an infeasible solution). Text that looks like a formula stays text."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = {name: _xlsx_safe(df) for name, df in solution_frames(rs, solution).items()}
    fd, tmp = temp_beside(path, ".xlsx")
    os.close(fd)
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, df in frames.items():
                df.to_excel(writer, sheet_name=name, index=False)
            for ws in writer.book.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        if cell.data_type == "f":      # "=..." from a scenario string
                            cell.data_type = "s"
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
