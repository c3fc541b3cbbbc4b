# wangge: `make demo` serves the demo community, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test setup venv assets migrate serve lint openapi bench clean

demo: setup
	$(BIN)/wangge demo-data
	@$(BIN)/wangge demo-logins
	$(BIN)/wangge serve --host $(HOST) --port $(PORT)

test: venv assets
	$(BIN)/wangge makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

setup: venv assets migrate

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "wangge needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# Front-end packages come from npm (pinned in package-lock.json) and are copied into static/vendor;
# translations are compiled from the .po files.
assets: wangge/static/vendor/.built
	$(BIN)/wangge compile-translations

wangge/static/vendor/.built: package.json package-lock.json frontend/build.mjs
	@command -v npm >/dev/null || { echo "npm is needed for the front-end packages: sudo apt-get install -y nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $@

migrate: venv
	$(BIN)/wangge migrate --no-input

serve: setup
	$(BIN)/wangge serve --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/wangge makemigrations --check --dry-run

openapi: venv
	$(BIN)/wangge export-openapi docs/api/openapi.json

# Benchmarks (bench/): each run migrates a fresh wangge_bench PostgreSQL database; BENCH_ARGS picks
# benchmarks and records the run, e.g. make bench BENCH_ARGS="B2 --record".
bench: venv
	bash bench/ensure-postgres.sh
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules wangge/static/vendor var
