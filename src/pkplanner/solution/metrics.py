"""Solution-level figures, read from a solution document (the dict written as solution.json,
docs/solution-file.md): one small function per figure.

Why: the CLI's `options` table, the report's comparison (and so the app's compare view, which
shows it) and the batch store's run rows all show the same figures of a plan; each is defined
here once, so they agree. Formatting stays with each consumer.

Every function takes the document and returns None when it has no plan (`has_plan`), except
`has_plan` itself and `gap` (the solver's gap is reported with or without a plan). Reads the
document only: no model, no solver.
"""

from __future__ import annotations

from typing import Any

FEASIBLE = ("optimal", "feasible")

Doc = dict[str, Any]


def has_plan(doc: Doc) -> bool:
    """The document holds a plan: solved (optimal or feasible) with its zones listed."""
    return doc.get("status") in FEASIBLE and bool(doc.get("zones"))


def personnel(doc: Doc) -> int | None:
    """Personnel of the whole force."""
    return int(doc["totals"]["personnel"]) if has_plan(doc) else None


def benchmark(doc: Doc) -> dict[str, Any] | None:
    """The force actually deployed that the plan is set against, with the plan's ratio to it
    (the scenario's `benchmark`); None without a plan or a benchmark."""
    bm = doc.get("benchmark")
    return dict(bm) if has_plan(doc) and isinstance(bm, dict) else None


def cost_per_month(doc: Doc) -> float | None:
    """Cost of the whole force per month."""
    return float(doc["totals"]["cost_per_month"]) if has_plan(doc) else None


def n_contributors(doc: Doc) -> int | None:
    """How many states contribute personnel."""
    return int(doc["totals"]["contributors"]) if has_plan(doc) else None


def largest_share(doc: Doc) -> tuple[str, float] | None:
    """(contributor, share of the force) of the largest contributor (the first on a tie)."""
    if not has_plan(doc):
        return None
    cs = doc.get("contributors") or []
    if not cs:
        return None
    c = max(cs, key=lambda c: c["share"])
    return str(c["contributor"]), float(c["share"])


def acceptability(doc: Doc) -> dict[str, float] | None:
    """Party -> acceptability of the composition (0..1)."""
    if not has_plan(doc):
        return None
    return {p: float(v) for p, v in (doc.get("acceptability") or {}).items()}


def armament_acceptability(doc: Doc) -> dict[str, float] | None:
    """Party -> acceptability of the armament (0..1)."""
    if not has_plan(doc):
        return None
    return {p: float(v) for p, v in (doc.get("armament_acceptability") or {}).items()}


def least_acceptability(doc: Doc) -> tuple[str, float] | None:
    """(party, acceptability) of the party that accepts the composition least (the first on a
    tie); None also when no party is scored."""
    acc = acceptability(doc)
    if not acc:
        return None
    return min(acc.items(), key=lambda kv: kv[1])


def armament_profile(doc: Doc) -> dict[str, int] | None:
    """Armament level -> personnel deployed at it, levels in the order of the zones."""
    if not has_plan(doc):
        return None
    out: dict[str, int] = {}
    for z in doc.get("zones") or []:
        if z.get("deployed") and z.get("armament"):
            out[z["armament"]] = out.get(z["armament"], 0) + int(z["personnel"])
    return out


def zones_deployed(doc: Doc) -> int | None:
    """How many zones the force deploys to."""
    if not has_plan(doc):
        return None
    return sum(bool(z.get("deployed")) for z in doc["zones"])


def mandates(doc: Doc) -> list[str] | None:
    """The mandates of the deployed zones, sorted, each once."""
    if not has_plan(doc):
        return None
    return sorted({str(z["mandate"]) for z in doc["zones"]
                   if z.get("deployed") and z.get("mandate")})


def gap(doc: Doc) -> float | None:
    """The relative MIP gap the solver reported (None when it reported none)."""
    g = doc.get("mip_gap")
    return float(g) if g is not None else None
