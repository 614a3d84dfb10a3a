# One command each: `make lab` opens the dashboards on the sample store, `make test` runs
# the whole suite. Both set up everything they need on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STORE  := data/crm.duckdb
SAMPLE := data/sample_contacts.csv data/sample_deals.csv data/sample_history.csv

.PHONY: venv lab app chromium test test-fast lint bench clean-store

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

$(STORE): $(STAMP) $(SAMPLE)
	rm -f $(STORE) $(STORE).wal
	$(BIN)/crmdata --db $(STORE) sample load data

lab: $(STORE)
	cd notebooks && ../$(BIN)/jupyter lab --allow-root --ServerApp.root_dir=. --LabApp.extension_manager=readonly

# The contacts dashboard as a web page (Voila) on http://127.0.0.1:8866/.
app: $(STORE)
	$(BIN)/crmdata --db $(STORE) app

# The browser tests drive Debian's chromium (Playwright's own browser download is blocked here).
chromium:
	command -v chromium || (apt-get update && apt-get install -y chromium)

test: $(STAMP) chromium
	$(BIN)/ruff check crmdata tests benchmarks notebooks
	$(BIN)/mypy crmdata
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# lint-imports checks the layer contracts in pyproject.toml ([tool.importlinter]; docs/design.md)
lint: $(STAMP)
	$(BIN)/ruff check crmdata tests benchmarks notebooks
	$(BIN)/mypy crmdata
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean-store:
	rm -f $(STORE) $(STORE).wal
