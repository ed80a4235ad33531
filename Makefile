# Two commands on a fresh machine: `make run` (set up, start the bot; without a token: the demo in the browser)
# and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run test setup lint typecheck pytest bench clean

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

# The suite on SQLite; again on PostgreSQL when ACTIONBOT_TEST_DATABASE_URL is set.
pytest: setup
	env -u ACTIONBOT_TEST_DATABASE_URL $(PY) -m pytest -q -n 2
	@if [ -n "$$ACTIONBOT_TEST_DATABASE_URL" ]; then \
		echo "== the same suite on PostgreSQL =="; \
		ACTIONBOT_REQUIRE_POSTGRES=1 $(PY) -m pytest -q -n 2; \
	fi

test: lint typecheck pytest

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) *.egg-info
