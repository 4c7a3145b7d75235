# OneStop. `make run` serves the portal with demo data; `make test` runs every check CI runs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Production-shaped settings for `check --deploy` (nothing secret: used for the check only).
DEPLOY_ENV := DEBUG=0 ALLOWED_HOSTS=onestop.example SECRET_KEY=check-deploy-$(shell printf '%064d' 0 | tr 0 x)

.PHONY: install run test lint format messages bench bench-growth clean $(addprefix bench-,$(BENCHES))

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python -m pytest

# Regenerate the translation catalogues after changing user-facing text (needs gettext).
messages: install
	$(BIN)/python manage.py makemessages --locale ko --locale en --no-obsolete --no-location \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'docs/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

# Benchmarks: each is <app>/bench/<name>.py and prints a table next to a peer measured in the
# same run, writing var/bench/<name>.json. `make bench-<name>` runs one, `make bench` all.
BENCHES := apikey diagnosis profile matching allocation serving
# Benchmarks that measure PostgreSQL use the local server unless DATABASE_URL says otherwise.
bench-diagnosis bench-matching: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/onestop
# Last, the growth of time and memory per tenfold of work, from every benchmark's sizes.
bench: $(addprefix bench-,$(BENCHES))
	$(MAKE) bench-growth

$(addprefix bench-,$(BENCHES)): bench-%: install
	$(BIN)/python -m onestop.bench $*

bench-growth: install
	$(BIN)/python -m onestop.bench growth

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
