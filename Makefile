# Chores for bookable. Everything runs from the checkout's virtual environment (.venv).
# `make` alone lists the targets.

VENV ?= .venv
PY := $(VENV)/bin/python
BOOKABLE := $(VENV)/bin/bookable
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
PORT ?= 8000
WORKERS ?= 1
MIGRATIONS := src/bookable/storage/migrations/versions

# Autogenerate against a throwaway SQLite database brought to the current head.
define NEW_MIGRATION
import sys, tempfile
from alembic import command
from bookable.storage.database import Database
from bookable.storage.schema import alembic_config, upgrade
url = f"sqlite:///{tempfile.mkdtemp()}/head.db"
upgrade(Database(url))
command.revision(alembic_config(url), message=sys.argv[1], autogenerate=True)
endef
export NEW_MIGRATION

.DEFAULT_GOAL := help
.PHONY: help install test test-postgres ci lint init serve demo migration bench docker catalogs

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BOOKABLE): pyproject.toml
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -q -e '.[test]'
	@touch $(BOOKABLE)

install: $(BOOKABLE) ## create or refresh .venv with bookable and its test tools

test: $(BOOKABLE) ## run the tests on SQLite (ARGS="-x tests/unit" to narrow)
	$(VENV)/bin/pytest $(ARGS)

test-postgres: $(BOOKABLE) ## run the tests on SQLite and PostgreSQL (PG_URL=...)
	BOOKABLE_TEST_POSTGRES_URL=$(PG_URL) $(VENV)/bin/pytest $(ARGS)

ci: ## what CI runs (.ci/run)
	.ci/run

lint: $(BOOKABLE) ## ruff on everything, mypy (strict on domain and services)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src/bookable

init: $(BOOKABLE) ## create or upgrade the schema (BOOKABLE_DATABASE_URL, default ./bookable.db)
	$(BOOKABLE) init

serve: $(BOOKABLE) ## serve with the demo data (PORT=8000 WORKERS=1)
	$(BOOKABLE) serve --demo --port $(PORT) --workers $(WORKERS)

demo: $(BOOKABLE) ## load the demo tenants and print their logins
	$(BOOKABLE) demo

migration: $(BOOKABLE) ## new Alembic revision from the models: make migration m="add x to y"
	@test -n "$(m)" || { echo 'usage: make migration m="what changes"'; exit 2; }
	$(PY) -c "$$NEW_MIGRATION" "$(m)"
	sed -i 's/bookable.storage.models.UtcDateTime(timezone=True)/sa.DateTime(timezone=True)/g' $(MIGRATIONS)/*.py
	$(VENV)/bin/ruff format -q $(MIGRATIONS)

bench: $(BOOKABLE) ## benchmarks against a real multi-worker server (ARGS="--size tiny")
	$(PY) -m bench $(ARGS)

docker: ## build the container image (needs a Docker engine): docs/deployment.md
	docker build -t bookable .

LOCALE := src/bookable/web/locale

catalogs: $(BOOKABLE) ## extract the web pages' messages into the sv and en catalogs (translate sv's new ones), compile
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project=bookable -o $(LOCALE)/messages.pot .
	$(VENV)/bin/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) --no-fuzzy-matching --ignore-obsolete --width 100
	$(VENV)/bin/pybabel compile -d $(LOCALE) --statistics
