# reviewpack — run `make help` for the list of targets.
# Everything is installed into a local virtual environment (.venv) on first use;
# the stamp file means a second run installs nothing unless pyproject.toml changed.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-test
PACK_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help pack test check browser lab bench clean clean-venv

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dask,browser]'
	@touch $(STAMP)

browser: $(STAMP) ## Install headless Chromium (Debian package) and axe-core for the browser tests
	bash scripts/setup-browser.sh

pack: $(STAMP) ## Set up .venv if needed and build every pack into reports/latest
	$(BIN)/reviewpack build $(PACK_ARGS)

test: $(STAMP) browser check ## Set up .venv and the browser checks if needed, run the quality gates, then the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP) ## Quality gates: ruff, mypy (src), import-linter (layers point down only)
	$(BIN)/ruff check src tests benchmarks notebooks data/examples
	$(BIN)/mypy
	$(BIN)/lint-imports

lab: $(STAMP) ## Install JupyterLab (optional extra) and open the notebooks
	$(BIN)/python -m pip install --quiet -e '.[test,dask,browser,lab]'
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP) ## Run the build and scale benchmarks (not part of make test; about 5 minutes)
	$(BIN)/python benchmarks/build_bench.py
	$(BIN)/python benchmarks/scale_bench.py

clean: ## Remove generated reports and caches (keeps .venv)
	rm -rf reports .cache .pytest_cache .hypothesis tests/artifacts
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

clean-venv: clean ## Also remove the virtual environment
	rm -rf $(VENV)
