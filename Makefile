# The two commands: `make run` and `make test`, and `make test-fast` for the inner loop.
# Everything they need is installed into .venv from the package's own metadata
# (pyproject.toml).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080

# How far ahead `make test-later` sets the clock: over a year, so that a date that is
# "next week" today is in the past there, and falls on another weekday.
LATER  ?= +400d
FAKETIME ?= faketime

# Python keeps its compiled modules, whatever the environment says: with
# PYTHONDONTWRITEBYTECODE set, each of the hundred-odd Python processes of a test run
# (pytest and its workers, `meetroom` commands, servers) compiles MeetRoom again, and
# pytest rewrites the test modules and its plugins' again (7 s before the first test
# instead of 3). The caches are in __pycache__/, ignored by git and by the image.
unexport PYTHONDONTWRITEBYTECODE

# The tests on every core (pytest-xdist): a worker takes a whole file at a time (its
# module-scoped fixtures, a server or a browser, are made once), and the files come
# longest first (tests/tiers.py). The tests wait about half of their time (timers,
# PostgreSQL, the processes they start), so the unit and functional tiers run on half
# as many workers again as there are cores (3 on 2); the browser and cluster tiers,
# whose browsers and nodes keep a core busy while they work, on one per core.
# `make test-fast PARALLEL=` runs in one process, `make test PARALLEL= SLOW_PARALLEL=` too.
CORES    := $(shell nproc 2>/dev/null || echo 2)
PARALLEL ?= -n $(shell echo $$(( ($(CORES) * 3 + 1) / 2 ))) --dist loadfile --no-loadscope-reorder
SLOW_PARALLEL ?= -n $(CORES) --dist loadfile --no-loadscope-reorder

.PHONY: run test test-fast test-later check install install-test i18n i18n-extract clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("MeetRoom needs Python 3.11 or newer (found %s); set PYTHON=python3.11" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/meetroom serve --demo --host $(HOST) --port $(PORT)

check: install-test
	$(BIN)/ruff check meetroom tests bench scripts docs
	$(BIN)/ruff format --check meetroom tests bench scripts docs
	$(BIN)/mypy

# The whole suite in two runs, each on every core: the tiers unit and functional, then
# the slow ones, browser and cluster (apart, so that no browser shares the cores with
# the many short tests). The second runs even if the first failed; then the dated tests
# again, 400 days later.
test: check
	$(BIN)/pytest -q $(PARALLEL) -m "not browser and not cluster"; \
	fast=$$?; \
	$(BIN)/pytest -q $(SLOW_PARALLEL) -m "browser or cluster"; \
	slow=$$?; \
	[ $$fast -eq 0 ] && [ $$slow -eq 0 ]
	$(MAKE) --no-print-directory test-later

# The inner loop: the checks, then the tiers unit and functional (tests/tiers.py): the
# whole suite but the browser and cluster tests, with schemathesis generating one example
# per operation instead of three (tests/server/test_openapi_functional.py).
test-fast: check
	MEETROOM_TEST_OPENAPI_EXAMPLES=1 $(BIN)/pytest -q $(PARALLEL) -m "not browser and not cluster"

# The tests that date meetings (marked `dates`) once more with the system clock
# $(LATER) (libfaketime; the processes they start inherit it), on SQLite: their PostgreSQL
# variants compute the same dates (and the database server's clock is not moved anyway).
# MEETROOM_TEST_TODAY lets the suite check that the clock did move.
test-later: install-test
	@if command -v $(FAKETIME) >/dev/null 2>&1; then \
		echo "The tests marked 'dates' (SQLite) with the clock $(LATER):"; \
		MEETROOM_TEST_TODAY=$$(date -u +%F) $(FAKETIME) -f "$(LATER)" $(BIN)/pytest -q $(PARALLEL) -m dates -k "not postgresql"; \
	elif [ "$$MEETROOM_REQUIRE_SERVICES" = "1" ]; then \
		echo "make test-later: faketime is not installed (Debian: apt-get install faketime);" \
			"MEETROOM_REQUIRE_SERVICES=1 makes this a failure" >&2; \
		exit 1; \
	else \
		echo "make test-later: SKIPPED, faketime is not installed (Debian: apt-get install" \
			"faketime): the tests marked 'dates' did not run with the clock $(LATER)" >&2; \
	fi

# Translations: extract the msgids from code and templates, merge into the catalogs.
i18n-extract: install-test
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ -k _ -o meetroom/locale/messages.pot --no-location --omit-header --sort-output .
	$(BIN)/pybabel -q update -i meetroom/locale/messages.pot -d meetroom/locale -D messages --no-fuzzy-matching --ignore-obsolete --omit-header

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
