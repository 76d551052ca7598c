# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest install clean bench bench-env bench-quick bench-serve golden mermaid-env

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

DRIFTED := .mlgitops/demo/churn_drifted.csv

# The loop on a laptop: train and register, check drift (none, then some), read the
# promotion a drift would open, and where to go next. Exit 1 of a drift found is the point.
demo: $(STAMP)
	$(BIN)/python data/generate.py --drifted $(DRIFTED)
	$(BIN)/mlgitops validate
	$(BIN)/mlgitops snapshot   # resolve the events source's windows into mlops.lock
	$(BIN)/mlgitops run
	$(BIN)/mlgitops drift churn-classifier
	$(BIN)/mlgitops drift events-churn   # the newest week of the daily partitions
	$(BIN)/mlgitops drift churn-classifier --current $(DRIFTED) --plots .mlgitops/demo/plots \
	  ; test $$? -eq 1   # 1: drift found, as it should be
	$(BIN)/mlgitops status
	$(BIN)/mlgitops promote churn-classifier --dry-run
	$(BIN)/mlgitops release --no-publish
	@echo ""
	@echo "Serve the production models (Open Inference Protocol and /invocations on 127.0.0.1:8080):"
	@echo "  $(BIN)/mlgitops serve --watch"
	@echo "Score one row, from another shell:"
	@echo "  curl -s 'http://127.0.0.1:8080/invocations?model=churn-classifier' -H 'Content-Type: application/json' -d '{\"dataframe_records\": [{\"tenure_months\": 3, \"monthly_charges\": 99.19, \"total_charges\": 297.57, \"contract\": \"month-to-month\", \"payment_method\": \"electronic-check\", \"senior_citizen\": false, \"support_calls\": 0}]}'"
	@echo
	@echo "next, try (mlgitops is $(BIN)/mlgitops):"
	@echo "  mlgitops predict churn-classifier data/churn_current.csv --keep customer_id"
	@echo "  mlgitops init --from data/YOURS.csv --target COLUMN   (in a new repository)"
	@echo "  mlgitops compile --check   (the workflows GitHub Actions runs, from mlops.yaml)"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks data
	$(BIN)/ruff format --check src tests benchmarks data

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) mermaid-env
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

# Writes docs/benchmarks.md, ends with `goals met: N/M` and fails when a goal is missed.
bench: $(STAMP) bench-env
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .mlgitops .pytest_cache .mypy_cache .ruff_cache
