"""Pure helpers of the planner app (no Streamlit here, so they are unit-tested directly).

Scenario documents (the plain mapping in the file's shape), uploads, the planner's rule
changes (kept like `--set rules.*` overrides), one-click relaxations, solving one variant
through the package, its download files, and per-session folders. Every model question is
answered by pkplanner; this module only moves documents between the app and the package.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pkplanner.errors import InputError, Problem, one_line
from pkplanner.files import write_atomic, write_solution
from pkplanner.pipeline import SolverSettings, progress_text, sensitivity_of, solve_checked
from pkplanner.report import build_report, write_xlsx
from pkplanner.resources import models_dir, scenarios_dir
from pkplanner.rules.edits import RuleEdit, VetoDrop, edit_from_dict
from pkplanner.scenario.resolve import (
    OPTION_FIELDS,
    LoadedScenario,
    ResolvedScenario,
    fill_defaults,
    load,
    load_text,
    per_party_budget,
    resolve,
    validate_document,
)
from pkplanner.scenario.resolve import option_rules as option_rules_of
from pkplanner.solution import metrics

SCENARIOS = scenarios_dir()
DEFAULT_SCENARIO = "karabakh_2020.yaml"
MAX_UPLOAD_BYTES = 1_000_000          # the reference scenarios are ~30 kB; merged ~60 kB
MAX_YAML_ALIASES = 200                # guards against "billion laughs" alias expansion
OBJECTIVES = ("cost", "acceptability", "coverage")
MAX_VARIANTS = 12

# One solve at a time in this process, whichever session asks: pkplanner.pipeline holds
# the process-wide solver lock (Pyomo's HiGHS interface redirects the process's output
# descriptors while it loads a model, so two solves in two threads break each other).


# --------------------------------------------------------------------------- scenarios


def reference_scenarios(root: Path = SCENARIOS) -> list[str]:
    """Shipped scenarios (paths relative to `scenarios/`), references first; no bases."""
    top = sorted(p.name for p in root.glob("*.yaml"))
    examples = sorted(f"examples/{p.name}" for p in (root / "examples").glob("*.yaml"))
    return top + examples


def scenario_stamp(folders: tuple[Path, ...] | None = None) -> str:
    """Changes whenever a shipped scenario or model file changes (a cache key)."""
    h = hashlib.sha256()
    for folder in folders or (scenarios_dir(), models_dir()):
        for p in sorted(folder.rglob("*.yaml")):
            h.update(f"{folder.name}/{p.relative_to(folder)}".encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def normalised(loaded: LoadedScenario) -> dict[str, Any]:
    """The session's document: the scenario in the file's shape, bases merged, defaults filled."""
    doc = loaded.scenario.to_document()
    doc["extends"] = None
    return doc


def load_reference(rel: str, root: Path = SCENARIOS) -> dict[str, Any]:
    """Load a shipped scenario by its name in `reference_scenarios()` (never a user path)."""
    if rel not in reference_scenarios(root):
        raise InputError.one(rel, "", "not a shipped scenario")
    return normalised(load(root / rel))


def display_name(name: str | None) -> str:
    """A user's file name, for display only: base name, safe characters, bounded length."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")[:80]
    return base or "upload.yaml"


def count_aliases(text: str) -> int:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return sum(isinstance(ev, yaml.AliasEvent) for ev in yaml.parse(text, Loader=loader))
    except yaml.YAMLError:
        return 0            # the loader reports the syntax error in its own words


def parse_upload(name: str | None, data: bytes) -> dict[str, Any]:
    """Check an uploaded scenario (size, encoding, aliases) and load it with the safe loader."""
    label = display_name(name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError.one(label, "", f"file is {len(data):,} bytes; uploads are limited to "
                             f"{MAX_UPLOAD_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError.one(label, "", "file is not UTF-8 text") from None
    n = count_aliases(text)
    if n > MAX_YAML_ALIASES:
        raise InputError.one(label, "", f"file uses {n} YAML aliases (at most "
                             f"{MAX_YAML_ALIASES} are allowed)")
    return normalised(load_text(text, label))


def structure_ids(doc: dict[str, Any]) -> tuple[Any, ...]:
    """The ids other tables refer to: when one changes, dependent editors are rebuilt."""
    def ids(key: str) -> tuple[Any, ...]:
        return tuple(x.get("id") for x in doc.get(key) or [] if isinstance(x, dict))
    contribs = [c for c in doc.get("contributors") or [] if isinstance(c, dict)]
    groups = tuple(sorted({str(g) for c in contribs for g in c.get("groups") or []}))
    langs = tuple(sorted({str(g) for c in contribs for g in c.get("languages") or []}))
    return (ids("parties"), ids("zones"), ids("hubs"), ids("contributors"), groups, langs,
            ids("unit_types"), tuple(doc.get("armament_levels") or ()))


# --------------------------------------------------------------------------- rules


def option_ids(doc: dict[str, Any]) -> list[str]:
    return [str(o.get("id")) for o in doc.get("planning_options") or [] if isinstance(o, dict)]


def default_option(doc: dict[str, Any]) -> str | None:
    ids = option_ids(doc)
    chosen = doc.get("planning_option")
    return chosen if chosen in ids else (ids[0] if ids else None)


def find_option(doc: dict[str, Any], option_id: str | None) -> dict[str, Any]:
    for o in doc.get("planning_options") or []:
        if isinstance(o, dict) and o.get("id") == option_id:
            return o
    return {}


def option_rules(doc: dict[str, Any], option_id: str | None) -> dict[str, Any]:
    """The rules a planning option gives before the planner's changes: the loader's own
    `option_rules`, on the document the app edits."""
    rules = option_rules_of(doc.get("rules") or {}, find_option(doc, option_id))
    return per_party_budget(rules, [str(p.get("id")) for p in doc.get("parties") or []])


def rule_key(path: str) -> str:
    """'rules.max_share' -> 'max_share' (the planner's changes are whole top-level rules)."""
    return path.split(".", 1)[1].split(".", 1)[0]


def effective_rules(doc: dict[str, Any], option_id: str | None,
                    overrides: dict[str, Any]) -> dict[str, Any]:
    rules = option_rules(doc, option_id)
    for path, value in overrides.items():
        rules[rule_key(path)] = copy.deepcopy(value)
    return per_party_budget(rules, [str(p.get("id")) for p in doc.get("parties") or []])


def bake(doc: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The document with the planner's rule changes written in, so that every planning option
    resolves to the same effective rules as in the session: into the scenario's rules, and
    into each option that sets the rule itself (an option's rules override the scenario's)."""
    out = copy.deepcopy(doc)
    for path, value in overrides.items():
        key = rule_key(path)
        out.setdefault("rules", {})[key] = copy.deepcopy(value)
        for o in out.get("planning_options") or []:
            own = o.get("rules") or {}
            if (key in OPTION_FIELDS and o.get(key) is not None) or own.get(key) is not None:
                o["rules"] = {**own, key: copy.deepcopy(value)}
    return out


def scenario_yaml(doc: dict[str, Any], overrides: dict[str, Any]) -> str:
    """The edited scenario as a file that loads back to the same document."""
    body = yaml.safe_dump(bake(doc, overrides), sort_keys=False, allow_unicode=True, width=100)
    return "# Edited in the pkplanner app; planner's rule changes written in.\n" + body


def describe_overrides(overrides: dict[str, Any]) -> str:
    return ", ".join(f"{rule_key(k)}={json.dumps(v)}" for k, v in overrides.items())


# --------------------------------------------------------------------------- checking


SECTIONS = {"zones": "zones", "hubs": "routes", "routes": "routes",
            "contributors": "contributors", "parties": "acceptability",
            "acceptability": "acceptability", "vetoes": "vetoes", "rules": "rules",
            "planning_options": "rules", "planning_option": "rules"}


def section_of(problem: Problem) -> str:
    """Which editor a problem belongs to (by the first segment of its field path)."""
    return SECTIONS.get(problem.path.split(".", 1)[0], "general")


def check(doc: dict[str, Any], overrides: dict[str, Any], option_id: str | None,
          label: str) -> list[Problem]:
    """Every problem the loader finds in the edited scenario and the chosen option."""
    try:
        sc = validate_document(fill_defaults(copy.deepcopy(doc)), label)
        resolve(LoadedScenario(sc, label, "", dict(overrides)), option_id)
    except InputError as e:
        return list(e.problems)
    return []


def problem_text(p: Problem) -> str:
    """The loader's own line, without the leading 'error: '."""
    text = str(p)
    return text[len("error: "):] if text.startswith("error: ") else text


# --------------------------------------------------------------------------- relaxations


def conflict_edit(conflict: dict[str, Any]) -> RuleEdit | VetoDrop | None:
    """The relaxation of a conflict record as the change to apply (its `edit`); None for
    written advice, and for a file without the key or with one that is malformed."""
    d = conflict.get("edit")
    if d is None:
        return None
    try:
        return edit_from_dict(d)
    except ValueError:
        return None


def drop_veto(doc: dict[str, Any], edit: VetoDrop) -> dict[str, Any]:
    """The scenario document without that veto (a relaxation the explanation found)."""
    out = copy.deepcopy(doc)
    out["vetoes"] = [v for v in out.get("vetoes") or [] if not (
        v.get("party") == edit.party and v.get("contributor") == edit.contributor
        and v.get("group") == edit.group and tuple(v.get("zones") or ()) == edit.zones)]
    return out


def edit_text(edit: RuleEdit | VetoDrop) -> str:
    """What applying the edit does to the session's scenario, in the app's words."""
    if isinstance(edit, VetoDrop):
        target = edit.contributor or f"group {edit.group}"
        where = f" in {', '.join(edit.zones)}" if edit.zones else ""
        return f"remove the veto of {edit.party} on {target}{where}"
    return f"set {edit.key} to {json.dumps(edit.value)}"


# --------------------------------------------------------------------------- variants


@dataclass
class Variant:
    """One solved case kept in the session: what was solved, the result and its files."""

    number: int
    option: str
    option_name: str
    objective: str
    note: str                      # the planner's changes, for the label
    scenario_yaml: str             # exactly what was solved (rule changes written in)
    rs: ResolvedScenario
    solution: dict[str, Any]
    verdict: list[str]
    seconds: float                 # wall time in the app: load, solve, explain, verify
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.rs.scenario.name

    @property
    def status(self) -> str:
        return str(self.solution.get("status"))

    @property
    def feasible(self) -> bool:
        return metrics.has_plan(self.solution)

    @property
    def label(self) -> str:
        text = f"#{self.number} {self.name} · {self.option} · {self.objective}"
        return one_line(text + (f" · {self.note}" if self.note else ""))


# One HiGHS run per solve: with the units-first start, racing two seeds was slower here
# (karabakh_2020 C: 3.5 s against 1.2-2.0 s; benchmarks/results.md, racers table); the
# cause is not isolated (suspect: highspy's Python interrupt callbacks, which racing
# needs). PKPLANNER_RACERS=2 to try it.
RACERS = max(1, int(os.environ.get("PKPLANNER_RACERS", "1")))


def settings(time_limit: float | None, gap: float,
             live: dict[str, str] | None = None) -> SolverSettings:
    """`live`: its "text" is kept at the solve's incumbent, bound and gap as they move."""
    return SolverSettings(time_limit=time_limit, gap=gap, racers=RACERS, on_progress=None
                          if live is None else lambda i, b: live.update(
                              text=progress_text(i, b)))


def run_solve(text: str, label: str, option: str | None, objective: str | None,
              time_limit: float | None, gap: float, live: dict[str, str] | None = None
              ) -> tuple[ResolvedScenario, dict[str, Any], list[str], float]:
    """Load the scenario text, resolve the option, solve in the package, verify the plan.
    `live` (a cost solve only: the other objectives run many minimisations) follows the
    incumbent, bound and gap for the progress bar."""
    t0 = time.perf_counter()
    rs = resolve(load_text(text, label), option)
    end = time.monotonic() + time_limit if time_limit else None    # the explanation too
    cost = (objective or rs.scenario.objective) == "cost"
    done = solve_checked(rs, objective, settings(time_limit, gap, live if cost else None),
                         deadline=end, with_companion=True)
    solution = json.loads(json.dumps(done.doc))                     # plain JSON types
    return rs, solution, done.verdict or [], time.perf_counter() - t0


def run_sensitivity(v: Variant, time_limit: float | None, gap: float) -> list[dict[str, Any]]:
    records = sensitivity_of(v.rs, v.solution, v.objective, settings(time_limit, gap))
    return list(json.loads(json.dumps(records)))


class SessionFolder:
    """A temporary folder for one browser session; removed when the session goes away."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="pkplanner-app-")).resolve()
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def sub(self, *parts: str) -> Path:
        """A path inside the folder; app-chosen names only, and never outside it."""
        p = self.path.joinpath(*parts).resolve()
        if p != self.path and self.path not in p.parents:
            raise ValueError(f"{p} is outside the session folder")
        return p


def write_files(folder: SessionFolder, v: Variant) -> dict[str, Path]:
    """scenario YAML, solution.json, report.html and solution.xlsx of a variant."""
    out = folder.sub(f"variant-{v.number}")
    out.mkdir(parents=True, exist_ok=True)
    files = {"yaml": out / "scenario.yaml", "json": out / "solution.json",
             "html": out / "report.html", "xlsx": out / "solution.xlsx"}
    write_atomic(files["yaml"], v.scenario_yaml)
    write_solution(files["json"], v.solution)
    write_atomic(files["html"], build_report(v.rs, v.solution, v.verdict).html())
    write_xlsx(files["xlsx"], v.rs, v.solution)
    return files


def download_name(v: Variant, kind: str) -> str:
    """The name offered to the browser (scenario names are slugs, options [A-Za-z0-9_])."""
    if kind == "yaml":
        return f"{v.name}.yaml"       # the name solution.json refers to (scenario.path)
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", f"{v.name}-{v.option}")
    return {"json": f"{stem}-solution.json", "html": f"{stem}-report.html",
            "xlsx": f"{stem}-solution.xlsx"}[kind]


# --------------------------------------------------------------------------- comparing


def zone_cell(z: dict[str, Any]) -> str:
    if not z.get("deployed"):
        return "-"
    lead = f", lead {z['lead']}" if z.get("lead") else ""
    return f"{int(z.get('personnel', 0)):,} {z.get('armament')} {z.get('mandate')}{lead}"


def compare_zones(variants: list[Variant]) -> dict[str, dict[str, str]]:
    """zone -> variant label -> 'personnel armament mandate, lead X'."""
    table: dict[str, dict[str, str]] = {}
    for v in variants:
        for z in v.solution.get("zones") or []:
            table.setdefault(str(z["zone"]), {})[v.label] = zone_cell(z) if v.feasible else ""
    return table


def compare_contributors(variants: list[Variant]) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for v in variants:
        for c in v.solution.get("contributors") or []:
            table.setdefault(str(c["contributor"]), {})[v.label] = (
                f"{int(c['personnel']):,} ({c['share']:.1%})")
    return table


def compare_rules(variants: list[Variant]) -> dict[str, dict[str, str]]:
    """Only the rules that differ between the variants."""
    table: dict[str, dict[str, str]] = {}
    keys: list[str] = []
    for v in variants:
        keys += [k for k in v.solution.get("rules") or {} if k not in keys]
    for k in keys:
        vals = {v.label: json.dumps((v.solution.get("rules") or {}).get(k)) for v in variants}
        if len(set(vals.values())) > 1:
            table[k] = vals
    return table


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])")


def md(text: object) -> str:
    """Scenario text for st.markdown: one line, every Markdown/HTML character escaped (a
    zone called `![x](http://...)` or `<img onerror=...>` stays text)."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(str(text)))
