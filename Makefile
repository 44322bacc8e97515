# Two commands on a fresh machine:  `make demo`  and  `make test`.
# Both create .venv (Python >= 3.11) and install the project into it first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

browser:
	scripts/ensure-browser

# The demo still runs without a browser: JavaScript-only menus are then reported as not seen.
demo: $(STAMP)
	-scripts/ensure-browser
	$(BIN)/portal-audit demo --out portal-audit-demo

lint: $(STAMP)
	$(BIN)/ruff check portal_audit spiders tests benchmarks checklists reports

test: $(STAMP) lint browser
	$(BIN)/python -m pytest
	scripts/check-wheel

clean:
	rm -rf $(VENV) build dist *.egg-info portal-audit-demo .pytest_cache .ruff_cache
