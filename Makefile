# One command each: `make lab` opens the dashboards on the sample store, `make test` runs
# the whole suite. Both set up everything they need on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STORE  := data/crm.duckdb
SAMPLE := data/sample_contacts.csv data/sample_deals.csv data/sample_history.csv data/sample_dates.csv

.PHONY: venv lab app chromium java test test-fast lint bench clean-store cli-docs

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test,spark]'
	touch $(STAMP)

# The store is built only when it is missing. It is also the CLI's default --db, so it may hold
# real contacts: no change of pins or sample files ever deletes or replaces it (the
# prerequisites are order-only). `make clean-store` removes it on purpose.
$(STORE): | $(STAMP) $(SAMPLE)
	@test ! -e $(STORE).wal || { echo "$(STORE).wal exists without $(STORE); move it aside first" >&2; exit 1; }
	$(BIN)/crmdata --db $(STORE) sample load data

lab: venv $(STORE)
	cd notebooks && ../$(BIN)/jupyter lab --allow-root --ServerApp.root_dir=. --LabApp.extension_manager=readonly

# The contacts dashboard as a web page (Voila) on http://127.0.0.1:8866/.
app: venv $(STORE)
	$(BIN)/crmdata --db $(STORE) app

# The browser tests drive Debian's chromium (Playwright's own browser download is blocked here).
chromium:
	command -v chromium || (apt-get update && apt-get install -y chromium)

# The Spark engine's tests (pytest -m spark) run Spark in local mode on a Java runtime.
java:
	command -v java || (apt-get update && apt-get install -y openjdk-17-jre-headless)

test: $(STAMP) chromium java
	$(BIN)/ruff check crmdata tests benchmarks notebooks
	$(BIN)/mypy crmdata benchmarks tests/onlyoffice_double.py
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# lint-imports checks the layer contracts in pyproject.toml ([tool.importlinter]; docs/design.md)
lint: $(STAMP)
	$(BIN)/ruff check crmdata tests benchmarks notebooks
	$(BIN)/mypy crmdata benchmarks tests/onlyoffice_double.py
	$(BIN)/lint-imports

# docs/cli.md: every command's --help, regenerated from the code (a test checks it is current)
cli-docs: $(STAMP)
	$(BIN)/cog -r docs/cli.md

# The benchmarks' baselines: Splink (the `bench` extra) and pseudopeople's labelled sample data.
# pseudopeople and vivarium come without dependencies: their metapackage `vivarium_dependencies`
# pins pandas-stubs <= 2.2.3 as a run-time need, which would break `make lint`; what they import
# at run time is in the `bench` extra, and every version is pinned in constraints.txt.
BENCH_STAMP := $(VENV)/.installed-bench
PSEUDOPEOPLE := pseudopeople vivarium-engine vivarium-config-tree vivarium-artifact \
	vivarium-build-utils vivarium_dependencies

$(BENCH_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test,spark,bench]'
	$(BIN)/python -m pip install -q -c constraints.txt --no-deps $(PSEUDOPEOPLE)
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run

clean-store:
	rm -f $(STORE) $(STORE).wal $(STORE).lock $(STORE).queue
	rm -rf $(STORE).search
