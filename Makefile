# The commands of the README: `make run`, `make serve`, `make test`, `make bench`.
# Each sets up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
INSTANCES ?= 2

.PHONY: install run serve test lint format bench bench-scale bench-latency tools

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Redocly CLI, which lints the OpenAPI document in the suite (needs npm; .ci/run runs this).
tools: tools/node_modules/.bin/redocly

tools/node_modules/.bin/redocly: tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error

# Local use: migrate, load the demo data (prints ready-to-paste curls), serve.
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT)
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

# Serving for real: nginx on HOST:PORT in front of INSTANCES gunicorn instances of
# WORKERS sync workers each (deploy/serve.py, deploy/nginx.conf, gunicorn.conf.py;
# docs/serving.md), static files by whitenoise. Set SECRET_KEY, ALLOWED_HOSTS and
# DATABASE_URL in the environment; DEBUG stays off.
serve: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	HOST=$(HOST) PORT=$(PORT) INSTANCES=$(INSTANCES) WORKERS=$(WORKERS) \
		exec $(BIN)/python deploy/serve.py

# The suite lints the OpenAPI document with Redocly where npm is on the machine.
test: $(STAMP) $(if $(shell command -v npm),tools)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The batch benchmark, then the reads (the events list, GRS business time), against
# PostgreSQL (BENCH_DATABASE_URL), floor beside every figure; then business-time
# arithmetic beside its own baselines (no database).
bench: $(STAMP)
	$(BIN)/python bench/batch.py $(BENCH_ARGS)
	$(BIN)/python bench/reads.py $(BENCH_ARGS)
	$(BIN)/python -m bench.business_time

# Every read, admin page and GRS read at 2,000 events and again at 2,000,000 (PostgreSQL,
# BENCH_DATABASE_URL, dropped and made afresh), with each growth ratio: docs/scale.md.
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

# Latency of the cheap reads over HTTP through gunicorn, each beside a JSON 404 (the floor),
# and 1,000 business-time questions in one bulk request (BENCH_DATABASE_URL, PostgreSQL).
bench-latency: $(STAMP)
	$(BIN)/python bench/latency.py $(BENCH_ARGS)
