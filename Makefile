# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest install clean bench bench-env bench-quick golden

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python data/generate.py
	$(BIN)/mlgitops validate
	$(BIN)/mlgitops run
	$(BIN)/mlgitops drift churn-classifier
	$(BIN)/mlgitops status

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks data
	$(BIN)/ruff format --check src tests benchmarks data

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup

# --quick: every benchmark runs on small data (behaviour only; timings are not judged)
bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick --skip-evidently

test: lint typecheck pytest bench-quick

# Regenerate golden files after an intended change; review the diff before committing.
golden: $(STAMP)
	MLGITOPS_UPDATE_GOLDEN=1 $(BIN)/pytest -n 2 --dist loadgroup

EVIDENTLY_VENV := benchmarks/.venv-evidently

# Evidently 0.7 needs pandas < 3, so it gets its own environment.
$(EVIDENTLY_VENV)/.installed: benchmarks/requirements-evidently.txt
	$(PYTHON) -m venv $(EVIDENTLY_VENV)
	$(EVIDENTLY_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-evidently.txt
	touch $@

bench-env: $(EVIDENTLY_VENV)/.installed

# Writes docs/benchmarks.md, ends with `goals met: N/M` and fails when a goal is missed.
bench: $(STAMP) bench-env
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .mlgitops .pytest_cache .mypy_cache .ruff_cache
