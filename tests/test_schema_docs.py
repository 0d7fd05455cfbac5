"""The public interfaces as published: JSON schemas (`pkplanner schema ...`) and docs/.

A planner's editor checks a scenario file against `pkplanner schema scenario`, so every
shipped file must pass that schema as written; the solution schema must accept what
`solve` writes; every field must say what it means; and the docs must stand on their own
(links resolve inside the repository, nothing points outside it).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from pkplanner.batch.plan import make_plan
from pkplanner.batch.spec import BatchSpec, load_spec
from pkplanner.engine.highs import SolverSettings
from pkplanner.engine.solve import document, solve
from pkplanner.files import write_solution
from pkplanner.scenario.resolve import DOCTRINE_KEYS, fill_defaults, load, read_with_bases, resolve
from pkplanner.scenario.schema import FROM_MODELS, Scenario
from pkplanner.solution.schema import SolutionFile

ROOT = Path(__file__).resolve().parents[1]
MODELS: dict[str, type[BaseModel]] = {"scenario": Scenario, "batch": BatchSpec,
                                      "solution": SolutionFile}
SCENARIO_FILES = sorted([*ROOT.glob("scenarios/*.yaml"), *ROOT.glob("scenarios/examples/*.yaml"),
                         *ROOT.glob("scenarios/base/*.yaml")])
BATCH_SPECS = sorted(ROOT.glob("scenarios/batches/*.yaml"))
DOCS = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


def as_json(data: Any) -> Any:
    """What an editor validates: the YAML as JSON (mapping keys become strings)."""
    return json.loads(json.dumps(data))


def validator(name: str) -> Draft202012Validator:
    schema = MODELS[name].model_json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def problems(v: Draft202012Validator, data: Any) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in v.iter_errors(as_json(data))]


def bases() -> set[Path]:
    """Files other shipped scenarios extend: partial scenarios, not meant to load alone."""
    out = set()
    for p in SCENARIO_FILES:
        ref = yaml.safe_load(p.read_text(encoding="utf-8")).get("extends")
        if ref:
            out.add((p.parent / ref).resolve())
    return out


BASES = bases()
FULL = [p for p in SCENARIO_FILES if p.resolve() not in BASES]


# --------------------------------------------------------------------------- descriptions


def object_schemas(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema node that lists properties, wherever it sits ($defs, anyOf, items...);
    not inside an `if`, which is a condition on fields described elsewhere."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            yield where, node
        for k, v in node.items():
            if k != "if":
                yield from object_schemas(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from object_schemas(v, f"{where}/{i}")


@pytest.mark.parametrize("name", MODELS)
def test_every_field_and_model_is_described(name: str) -> None:
    schema = MODELS[name].model_json_schema()
    missing = [f"{where}/properties/{key}"
               for where, obj in object_schemas(schema)
               for key, prop in obj["properties"].items()
               if not str(prop.get("description", "")).strip()]
    assert missing == []
    assert schema.get("description", "").strip()
    undescribed = [d for d, s in schema.get("$defs", {}).items()
                   if not str(s.get("description", "")).strip()]
    assert undescribed == []


def test_schema_defaults_follow_the_loader() -> None:
    """The keys the schema lets a file leave out are the keys the loader fills."""
    assert set(FROM_MODELS) == {*DOCTRINE_KEYS, "planning_options"}


# --------------------------------------------------------------------------- shipped files


@pytest.mark.parametrize("path", FULL, ids=rel)
def test_shipped_scenario_validates_as_written(path: Path) -> None:
    """The raw file, as an editor sees it (`extends:` and models/ defaults unresolved)."""
    assert problems(validator("scenario"), yaml.safe_load(path.read_text())) == []


@pytest.mark.parametrize("path", FULL, ids=rel)
def test_shipped_scenario_validates_merged_and_completed(path: Path) -> None:
    """Base merged in and models/ defaults filled, as the loader hands it to the model. A
    base file is partial by design (no name, no zones), so this is where it is checked,
    together with models/doctrine.yaml and models/planning_options.yaml."""
    merged = read_with_bases(path, rel(path))
    assert problems(validator("scenario"), merged) == []
    completed = fill_defaults(merged)
    assert problems(validator("scenario"), completed) == []
    assert not set(FROM_MODELS) - set(completed)
    load(path)                  # and the loader agrees


def test_base_files_are_extended() -> None:
    """Every base/ file is reached by the merged check above."""
    assert {p.resolve() for p in ROOT.glob("scenarios/base/*.yaml")} <= BASES


def test_scenario_schema_rejects_what_the_loader_rejects() -> None:
    v = validator("scenario")
    doc = yaml.safe_load((ROOT / "scenarios/examples/two_zones.yaml").read_text())
    assert problems(v, doc) == []
    assert problems(v, {**doc, "rulez": {}})                  # unknown key
    assert problems(v, {k: x for k, x in doc.items() if k != "zones"})     # no extends
    assert problems(v, {**doc, "rules": {**doc["rules"], "max_share": 1.5}})
    no_doctrine = {k: x for k, x in doc.items() if k not in FROM_MODELS}
    assert problems(v, no_doctrine) == []                     # filled from models/
    assert problems(v, {"schema_version": 1, "extends": "base.yaml"}) == []


@pytest.mark.parametrize("path", BATCH_SPECS, ids=rel)
def test_shipped_batch_spec_validates_and_plans(path: Path) -> None:
    assert problems(validator("batch"), yaml.safe_load(path.read_text())) == []
    spec = load_spec(path)
    plan = make_plan(spec, path)
    assert plan.runs and all(r.error is None for r in plan.runs.values())


def test_a_batch_spec_is_shipped_outside_the_scenario_folders() -> None:
    """Tests and the app treat every scenarios/*.yaml and scenarios/examples/*.yaml as a
    scenario, so batch specs live in scenarios/batches/."""
    assert BATCH_SPECS
    for p in SCENARIO_FILES:
        assert "monte_carlo" not in yaml.safe_load(p.read_text())


# --------------------------------------------------------------------------- solution files


@pytest.mark.parametrize(("sets", "status"), [([], "optimal"),
                                              (["rules.max_share=0.3"], "infeasible")])
def test_written_solution_validates(tmp_path: Path, sets: list[str], status: str) -> None:
    rs = resolve(load(ROOT / "scenarios/examples/two_zones.yaml", sets))
    outcome = solve(rs, None, SolverSettings(time_limit=30, gap=0.0))
    assert outcome.status == status
    write_solution(tmp_path / "solution.json", document(rs, outcome))
    text = (tmp_path / "solution.json").read_text(encoding="utf-8")
    assert problems(validator("solution"), json.loads(text)) == []
    SolutionFile.model_validate_json(text)


def test_solution_schema_statuses_and_open_blocks(tmp_path: Path) -> None:
    rs = resolve(load(ROOT / "scenarios/examples/two_zones.yaml"))
    outcome = solve(rs, "acceptability", SolverSettings(time_limit=30, gap=0.0))
    doc = as_json(document(rs, outcome))
    v = validator("solution")
    assert doc["iterations"] and problems(v, doc) == []
    doc["solver"]["future_key"] = 1
    doc["iterations"][0]["future_key"] = 1
    doc["future_block"] = {"any": "thing"}
    assert problems(v, doc) == []
    for status in ("optimal", "feasible", "infeasible", "no_solution", "error"):
        assert problems(v, {**doc, "status": status}) == []
    assert problems(v, {**doc, "status": "solved"})
    bad = as_json(doc)
    bad["allocations"][0]["units"] = 1.5
    assert problems(v, bad)
    bad = as_json(doc)
    bad["zones"][0]["surprise"] = True
    assert problems(v, bad)


# --------------------------------------------------------------------------- command line


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pkplanner", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", MODELS)
def test_schema_command_prints_the_json_schema(name: str) -> None:
    res = cli("schema", name)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == MODELS[name].model_json_schema()


def test_schema_command_unknown_name_is_one_input_error() -> None:
    res = cli("schema", "nope")
    assert res.returncode == 2
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "nope" in lines[0] and "scenario" in lines[0]


# --------------------------------------------------------------------------- docs


def test_docs_exist() -> None:
    names = {p.name for p in DOCS}
    assert {"README.md", "scenario-format.md", "planning-options.md", "solution-file.md",
            "batch-spec.md", "results-store.md"} <= names


def anchors(md: Path) -> set[str]:
    """The heading anchors GitHub makes: lower case, punctuation but - and _ dropped, spaces
    to hyphens (code blocks skipped, so a `# comment` in one is no heading)."""
    text = re.sub(r"^```.*?^```", "", md.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#+ (.*)$", text, flags=re.M)}


@pytest.mark.parametrize("path", [*DOCS, ROOT / "README.md"], ids=rel)
def test_doc_links_resolve_inside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue
        name, _, anchor = target.partition("#")
        file = (path.parent / name).resolve() if name else path
        missing = not file.exists() or not file.is_relative_to(ROOT)
        if missing or (anchor and file.suffix == ".md" and anchor not in anchors(file)):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("path", [*DOCS, ROOT / "README.md"], ids=rel)
def test_docs_stand_alone(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text
    assert "contracts.md" not in text


@pytest.mark.parametrize("path", DOCS, ids=rel)
def test_docs_name_the_schema_command(path: Path) -> None:
    assert "pkplanner schema" in path.read_text(encoding="utf-8")
