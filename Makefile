# reviewpack — run `make help` for the list of targets.
# Everything is installed into a local virtual environment (.venv) on first use;
# the stamp file means a second run installs nothing unless pyproject.toml changed.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-test
PDF_STAMP := $(VENV)/.installed-pdf
PACK_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help pack pdf test check browser browser-if-possible lab bench clean clean-venv

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dask,browser]'
	@touch $(STAMP)

$(PDF_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[pdf]'
	@touch $(PDF_STAMP)

browser: $(STAMP) $(PDF_STAMP) ## Install headless Chromium (Debian package), pdftoppm and axe-core for the browser and PDF tests
	bash scripts/setup-browser.sh

# `make test`'s set-up of the browser checks: where Chromium cannot be apt-installed (no root, no
# passwordless sudo) the tests go on and the browser tests skip, saying why -- except under CI=true,
# where the set-up must succeed (tests/conftest.py makes a missing browser fail there too).
browser-if-possible: $(STAMP) $(PDF_STAMP)
	@if bash scripts/setup-browser.sh; then :; \
	elif [ "$$(echo "$${CI:-}" | tr A-Z a-z)" = true ] || [ "$${CI:-}" = 1 ]; then \
		echo "error: CI=true and the browser checks could not be set up (see above); they must run in CI" >&2; exit 1; \
	else \
		echo "" >&2; \
		echo "*** make test: headless Chromium could not be set up (see the lines above; apt-get needs root or passwordless sudo)." >&2; \
		echo "*** The browser and PDF tests will be SKIPPED. Run 'sudo make browser' once to include them." >&2; \
		echo "" >&2; \
	fi

pack: $(STAMP) ## Set up .venv if needed and build every pack into reports/latest
	$(BIN)/reviewpack build $(PACK_ARGS)

pdf: $(PDF_STAMP) ## Install the PDF renderer if needed (headless Chromium, playwright, pypdf), build every pack with an A4 PDF
	bash scripts/setup-browser.sh --pdf
	$(BIN)/reviewpack build --pdf $(PACK_ARGS)

test: $(STAMP) browser-if-possible check ## Set up .venv and the browser checks if possible, run the quality gates, then the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP) ## Quality gates: ruff, mypy (src), import-linter (layers point down only)
	$(BIN)/ruff check src tests benchmarks notebooks data/examples
	$(BIN)/mypy
	$(BIN)/lint-imports

lab: $(STAMP) ## Install JupyterLab (optional extra) and open the notebooks
	$(BIN)/python -m pip install --quiet -e '.[test,dask,browser,lab]'
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP) $(PDF_STAMP) ## Run the build, scale and PDF benchmarks (not part of make test; about 9 minutes)
	$(BIN)/python benchmarks/build_bench.py --repeat 3
	$(BIN)/python benchmarks/scale_bench.py
	bash scripts/setup-browser.sh --pdf
	$(BIN)/python benchmarks/pdf_bench.py

clean: ## Remove generated reports and caches (keeps .venv)
	rm -rf reports .cache .pytest_cache .hypothesis tests/artifacts
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

clean-venv: clean ## Also remove the virtual environment
	rm -rf $(VENV)
