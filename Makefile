# Two commands: `make run` serves the app with demo data; `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(shell scripts/find-python)

.PHONY: run test install lint check browsers clean

# The port is checked first, so a taken port fails at once, before anything is installed.
run:
	@scripts/run-local --check-port
	@$(MAKE) --no-print-directory install
	scripts/run-local

# In parallel (pytest-xdist), a test database per worker; TEST_WORKERS=0 runs them in one process.
# The tests are handed out one or two at a time (--maxschedchunk 1), longest first
# (tests/conftest.py), so no worker is left with a queue of long ones at the end.
TEST_WORKERS ?= auto
test: install browsers
	$(BIN)/pytest -n $(TEST_WORKERS) --dist load --maxschedchunk 1

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests; never a browser download at run time.
browsers:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" != 0 ]; then \
			echo "The browser tests need Debian's chromium, and installing it with apt-get needs root:"; \
			echo "  sudo apt-get install chromium"; \
			exit 1; \
		fi; \
		echo "Installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r config facilities --severity-level medium
	DJANGO_SETTINGS_MODULE=config.settings.production \
		DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		DJANGO_ALLOWED_HOSTS=repairs.example.gov.uk SITE_URL=https://repairs.example.gov.uk \
		DATABASE_URL=postgres://localhost/repairs REDIS_URL=redis://localhost:6379/0 \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/lint-imports
	scripts/check-module-size

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules var
