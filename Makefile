# Two commands on a fresh machine: `make run` (set up, start the bot; without a token: the demo in the browser)
# and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run test setup lint typecheck pytest test-clock bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

run: setup
	@test -f config.toml || { cp config.example.toml config.toml; echo "created config.toml from config.example.toml"; }
	$(VENV)/bin/actionbot run --demo-without-token

lint: setup
	$(VENV)/bin/ruff check .

typecheck: setup
	$(VENV)/bin/mypy

# The suite on SQLite; again on PostgreSQL when ACTIONBOT_TEST_DATABASE_URL is set. With ACTIONBOT_TEST_CLOCK set
# (an ISO instant; CI sets an evening in Berlin) the SQLite pass runs under libfaketime at that instant, the
# PostgreSQL pass at the machine's own time: every run tries two hours of the day without a third pass.
TEST_CLOCK := $(if $(ACTIONBOT_TEST_CLOCK),faketime "$(ACTIONBOT_TEST_CLOCK)",)
pytest: setup
	@if [ -n "$(ACTIONBOT_TEST_CLOCK)" ]; then \
		command -v faketime >/dev/null || { echo "ACTIONBOT_TEST_CLOCK needs faketime (apt-get install faketime)"; exit 1; }; \
		echo "== the SQLite suite at $(ACTIONBOT_TEST_CLOCK) (libfaketime) =="; \
	fi
	env -u ACTIONBOT_TEST_DATABASE_URL $(TEST_CLOCK) $(PY) -m pytest -q -n 2 -p no:cacheprovider
	@if [ -n "$$ACTIONBOT_TEST_DATABASE_URL" ]; then \
		echo "== the same suite on PostgreSQL =="; \
		ACTIONBOT_REQUIRE_POSTGRES=1 $(PY) -m pytest -q -n 2; \
	fi

test: lint typecheck pytest

# The SQLite suite under libfaketime (Debian `faketime`) at instants that once broke it: a weekday morning,
# evening and late night in Berlin, and the night the clocks go back. Nothing may depend on the wall clock.
CLOCK_INSTANTS ?= 2026-12-09T07:30:00+01:00 2026-12-09T17:30:00+01:00 2026-12-09T23:45:00+01:00 \
	2026-10-25T02:45:00+02:00
test-clock: setup
	@command -v faketime >/dev/null || { echo "test-clock needs faketime (apt-get install faketime)"; exit 1; }
	@for instant in $(CLOCK_INSTANTS); do \
		echo "== the suite at $$instant =="; \
		env -u ACTIONBOT_TEST_DATABASE_URL faketime "$$instant" $(PY) -m pytest -q -n 2 -p no:cacheprovider || exit 1; \
	done

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) *.egg-info
