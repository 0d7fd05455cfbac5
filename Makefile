# One command per job. Each target sets up .venv first (idempotent), from the lock:
# requirements.lock pins every package of the tree with hashes, so a fresh machine gets
# exactly what was tested. `make lock` regenerates it (uv); `make test-latest` runs the
# suite against the newest releases pyproject.toml allows, in a separate venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
UV_VERSION := 0.13.9
TOOLS := .venv-tools
LATEST := .venv-latest
# the lock's input: the package with its dev and batch extras, plus the build backend
# (installed from the lock too, so the editable install needs no download)
COMPILE = echo "setuptools>=69" | $(TOOLS)/bin/uv pip compile pyproject.toml - \
	--extra dev --extra batch --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock"

.PHONY: setup demo test lint typecheck app bench clean lock test-latest

setup: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: setup
	$(BIN)/pkplanner solve scenarios/karabakh_kcg_2014.yaml --option C --out out/demo

# ruff, then the import contracts in pyproject.toml [tool.importlinter] (--no-cache: no
# cache directory in the tree; the graph builds in a fraction of a second)
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo

typecheck: setup
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q

app: setup
	$(BIN)/pkplanner app

bench: setup
	$(BIN)/python benchmarks/run.py

$(TOOLS)/bin/uv:
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)

lock: $(TOOLS)/bin/uv
	$(COMPILE) --quiet --output-file $(LOCK)

# The newest versions pyproject.toml allows, resolved now, in their own venv; prints what
# differs from the lock, then runs lint, typecheck and the whole suite against them.
test-latest: $(TOOLS)/bin/uv
	rm -rf $(LATEST)
	$(PY) -m venv $(LATEST)
	$(COMPILE) --quiet --upgrade --no-header --output-file $(LATEST)/requirements.txt
	$(LATEST)/bin/python -m pip install --quiet --require-hashes --no-deps \
		-r $(LATEST)/requirements.txt
	$(LATEST)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(LATEST)/bin/python scripts/lock_diff.py $(LOCK) $(LATEST)/requirements.txt
	$(LATEST)/bin/ruff check .
	$(LATEST)/bin/lint-imports --no-cache --no-logo
	$(LATEST)/bin/mypy
	$(LATEST)/bin/python -m pytest -q

clean:
	rm -rf $(VENV) $(LATEST) $(TOOLS) out .pytest_cache .mypy_cache .ruff_cache
