# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest install clean bench bench-env bench-serve golden mermaid-env

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
	$(BIN)/mlgitops release --no-publish
	@echo ""
	@echo "Serve the production models (Open Inference Protocol and /invocations on 127.0.0.1:8080):"
	@echo "  $(BIN)/mlgitops serve --watch"
	@echo "Score one row, from another shell:"
	@echo "  curl -s 'http://127.0.0.1:8080/invocations?model=churn-classifier' -H 'Content-Type: application/json' -d '{\"dataframe_records\": [{\"tenure_months\": 3, \"monthly_charges\": 99.19, \"total_charges\": 297.57, \"contract\": \"month-to-month\", \"payment_method\": \"electronic-check\", \"senior_citizen\": false, \"support_calls\": 0}]}'"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks data
	$(BIN)/ruff format --check src tests benchmarks data

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) mermaid-env
	$(BIN)/pytest -n 2 --dist loadgroup

test: lint typecheck pytest

# Regenerate golden files after an intended change; review the diff before committing.
golden: $(STAMP)
	MLGITOPS_UPDATE_GOLDEN=1 $(BIN)/pytest -n 2 --dist loadgroup

EVIDENTLY_VENV := benchmarks/.venv-evidently

# Evidently 0.7 needs pandas < 3, so it gets its own environment.
$(EVIDENTLY_VENV)/.installed: benchmarks/requirements-evidently.txt
	$(PYTHON) -m venv $(EVIDENTLY_VENV)
	$(EVIDENTLY_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-evidently.txt
	touch $@

MLFLOW_VENV := benchmarks/.venv-mlflow

# MLflow's scoring server is the serving benchmark's baseline, never a runtime dependency.
$(MLFLOW_VENV)/.installed: benchmarks/requirements-mlflow.txt
	$(PYTHON) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-mlflow.txt
	touch $@

bench-env: $(EVIDENTLY_VENV)/.installed $(MLFLOW_VENV)/.installed

bench-serve: $(STAMP) $(MLFLOW_VENV)/.installed
	$(BIN)/python benchmarks/bench_serve.py

# Mermaid's own parser (node + npm), so tests check the charts with Mermaid itself.
tests/mermaid/node_modules/.package-lock.json: tests/mermaid/package.json tests/mermaid/package-lock.json
	cd tests/mermaid && npm ci --no-audit --no-fund

mermaid-env: tests/mermaid/node_modules/.package-lock.json

bench: $(STAMP) bench-env
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .mlgitops .pytest_cache .mypy_cache .ruff_cache
