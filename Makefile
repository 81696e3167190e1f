# The documented interface: run, test, lint, fmt, migrate; up and down for the compose stack.
# Needs only Python >= 3.11 and make: uv is bootstrapped into .tools/ when it is not on PATH.
# up/down need a container engine with Compose (docker compose, or COMPOSE="podman compose").

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
TEST_VALKEY_URL ?= redis://127.0.0.1:6379/0
export TEST_POSTGRES_URL TEST_VALKEY_URL
COMPOSE ?= docker compose

.PHONY: run test test-lowest lint fmt migrate bootstrap clean up down bench fuzz contract openapi-snapshot

run: bootstrap migrate ## apply migrations, then serve on HOST:PORT
	exec $(BIN)/python -m referrals

test: bootstrap ## the whole suite; PostgreSQL tests skip, saying why, when the server is absent
	$(BIN)/pytest $(PYTEST_ARGS)

lint: bootstrap ## ruff, mypy --strict, import contracts, declared dependencies (deptry)
	$(BIN)/ruff check src tests migrations bench tools
	$(BIN)/ruff format --check src tests migrations bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/deptry .

# The unit and API suites on the lowest versions pyproject.toml allows for each direct dependency, in a
# venv of their own (uv.lock and .venv stay as they are), so that every lower bound stays true.
LOWEST := var/lowest
test-lowest: bootstrap ## the unit and API suites against the lowest direct dependencies allowed
	@mkdir -p $(LOWEST)
	$(UV) pip compile pyproject.toml --group dev --resolution lowest-direct --python-version 3.11 --quiet -o $(LOWEST)/requirements.txt
	test -x $(LOWEST)/venv/bin/python || $(UV) venv --quiet --python 3.11 $(LOWEST)/venv
	$(UV) pip sync --quiet --python $(LOWEST)/venv/bin/python $(LOWEST)/requirements.txt
	$(UV) pip install --quiet --python $(LOWEST)/venv/bin/python --no-deps -e .
	$(LOWEST)/venv/bin/pytest -p no:cacheprovider tests/unit tests/api $(PYTEST_ARGS)

fuzz: bootstrap ## schemathesis against the live server and its own OpenAPI document (bounded, seeded); FUZZ_ARGS to change
	$(BIN)/python -m tests.fuzz.run $(FUZZ_ARGS)

openapi-snapshot: bootstrap ## write the OpenAPI document to tests/contract/openapi.json, the public contract `make test` compares
	$(BIN)/python -m tests.contract.snapshot

CONTRACT_TOOLS := tools/contract
contract: bootstrap $(CONTRACT_TOOLS)/node_modules/.package-lock.json ## the live OpenAPI document through linters, client generators and an OAuth library
	$(BIN)/python -m tests.contract.run

# The linters and generators, pinned by the lockfile; reinstalled only when it changes.
$(CONTRACT_TOOLS)/node_modules/.package-lock.json: $(CONTRACT_TOOLS)/package.json $(CONTRACT_TOOLS)/package-lock.json
	npm ci --prefix $(CONTRACT_TOOLS) --no-audit --no-fund

bench: bootstrap ## load benchmark (wrk): SQLite and PostgreSQL + Valkey, 1 worker and one per core; BENCH_ARGS to narrow
	$(BIN)/python bench/run.py $(BENCH_ARGS)

fmt: bootstrap
	$(BIN)/ruff format src tests migrations bench tools
	$(BIN)/ruff check --fix src tests migrations bench tools

migrate: bootstrap ## bring the database named by DATABASE_URL to the latest schema
	$(BIN)/alembic upgrade head

up: .env ## build the image, start PostgreSQL and Valkey, migrate, then serve on APP_PORT (8000)
	$(COMPOSE) up -d --build

down: ## stop the stack; the database volume stays (`docker compose down -v` removes it too)
	$(COMPOSE) down

# The first `make up` writes .env from .env.example with a fresh random JWT_SECRET; an existing .env is never touched.
.env:
	cp .env.example .env
	$(PYTHON) -c "import pathlib, secrets; p = pathlib.Path('.env'); p.write_text(p.read_text().replace('\nJWT_SECRET=\n', '\nJWT_SECRET=' + secrets.token_urlsafe(48) + '\n'))"
	@echo "Created .env from .env.example with a random JWT_SECRET; review it before going further."

# The docs UIs' scripts, pinned and integrity-checked (see the script); fetched once, then served offline.
DOCS_ASSETS := src/referrals/api/docs_assets/manifest.json

bootstrap: $(VENV)/.synced $(DOCS_ASSETS)

$(DOCS_ASSETS): scripts/fetch_docs_assets.py | $(VENV)/.synced
	$(BIN)/python scripts/fetch_docs_assets.py

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache
