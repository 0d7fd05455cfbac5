"""Reading a solution file back: the document, and the resolved scenario it was solved
from. One re-resolver for `report`, `verify` and the app, so a `--set` value is written
back the same way everywhere (a float like 1e-05 once resolved differently in two places).

It reads files and the scenario loader only (never the model or the solver), so the
independent verifier can use it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from pkplanner.errors import InputError
from pkplanner.scenario.resolve import ResolvedScenario, load_resolved


def load_solution(path: str | Path) -> dict[str, Any]:
    """Read solution.json; bad input raises InputError naming the file."""
    label = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.one(label, "", "file not found") from None
    except IsADirectoryError:
        raise InputError.one(label, "", "is a folder, not a solution.json") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError.one(label, "", f"cannot read file ({e.__class__.__name__})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError.one(label, "", f"not valid JSON: line {e.lineno}, column {e.colno}: "
                             f"{e.msg}") from None
    if not isinstance(doc, dict):
        raise InputError.one(label, "", "a solution file holds a JSON object")
    if "status" not in doc:     # every solution has one; a spec or a scenario has not
        raise InputError.one(label, "", "not a solution file: missing key 'status'")
    return doc


def set_literal(value: Any) -> str:
    """The value as `--set` text that parses back to the same value.

    json.dumps in general (the loader hashes json.dumps of the parsed value, so any text
    that parses back to it gives the same sha256); a float like 1e-05 is written
    1.0e-05, which YAML 1.1 reads as a number rather than a string.
    """
    text = json.dumps(value)
    if isinstance(value, float) and yaml.safe_load(text) != value:
        mant, _, exp = text.partition("e")
        if "." not in mant:
            mant += ".0"
        if exp and exp[0] not in "+-":
            exp = "+" + exp
        text = f"{mant}e{exp}" if exp else mant
    return text


def resolved_from_solution(solution: dict[str, Any], label: str = "solution",
                           scenario_path: str | Path | None = None,
                           root: Path | None = None) -> tuple[ResolvedScenario, str | Path]:
    """The resolved scenario a solution was computed from (its path, or `scenario_path`;
    its option and `--set` overrides), and the path used. A relative path is taken from
    `root` (default: the current directory). A document that names no scenario ({}, a
    batch spec) is bad input named by `label`."""
    raw_meta = solution.get("scenario")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    path = scenario_path if scenario_path is not None else meta.get("path")
    if not isinstance(path, str | Path) or not str(path):
        raise InputError.one(label, "scenario.path",
                             "not a solution file: it names no scenario file")
    overrides = solution.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise InputError.one(label, "overrides", "must map dotted paths to values")
    option = solution.get("option")
    if option is not None and not isinstance(option, str):
        raise InputError.one(label, "option", "must be a planning option id")
    if root is not None and not Path(path).is_absolute():
        path = Path(root) / path
    sets = [f"{k}={set_literal(v)}" for k, v in overrides.items()]
    return load_resolved(path, option, sets or None), path
