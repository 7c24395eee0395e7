# buzzline: `make demo` to see it, `make test` to check it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
ARGS ?=
PYTEST_ARGS ?=

.PHONY: help install dev demo test lint data clean images bench bench-dashboard vendor

help:
	@echo "make demo    - install (first run) and run the live demo (a window, or images in out/)"
	@echo "make test    - install with dev tools and run the test suite"
	@echo "make lint    - ruff, and mypy over buzzline/ (zero errors)"
	@echo "make data    - write the sample data into data/"
	@echo "make bench   - run the benchmarks (about 10 minutes): bench/RESULTS.md"
	@echo "make vendor  - fetch the dashboard's Chart.js from npm again (it is kept in the package)"
	@echo "make clean   - remove .venv, out/, logs/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/buzzline demo $(ARGS)

data: install
	$(BIN)/buzzline data

test: dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: dev
	$(BIN)/ruff check buzzline producers consumers tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out logs .pytest_cache test-artifacts

# The README's pictures, made by buzzline itself (headless, in a scratch folder).
images: install
	rm -rf .images-tmp && mkdir -p .images-tmp docs/images
	cd .images-tmp && ../$(BIN)/buzzline --log-level WARNING demo --output ../docs/images
	cd .images-tmp && ../$(BIN)/buzzline --log-level WARNING produce basic --count 120 --interval 0 --seed 3
	cd .images-tmp && ../$(BIN)/buzzline --log-level WARNING consume basic --from-beginning --count 120 --output ../docs/images
	cd .images-tmp && ../$(BIN)/buzzline --log-level WARNING produce csv --interval 0
	cd .images-tmp && ../$(BIN)/buzzline --log-level WARNING consume csv --from-beginning --count 240 --output ../docs/images
	cd .images-tmp && ../$(BIN)/buzzline --log-level WARNING produce project --count 400 --interval 0 --seed 5
	cd .images-tmp && ../$(BIN)/buzzline --log-level WARNING consume project --from-beginning --count 400 --top-k 5 --output ../docs/images
	rm -rf .images-tmp

# Benchmarks (not run by CI; a smoke test runs each script on a tiny size): every case with one
# Kafka broker, then bench/RESULTS.md and bench/throughput.png (ARGS: e.g. --only chart memory).
bench: install
	@if grep -q '^bench *=' pyproject.toml; then $(PIP) install -q -e ".[dev,bench]"; \
	else $(PIP) install -q -e ".[dev]"; fi
	$(BIN)/python bench/run_all.py $(ARGS)

# The browser dashboard under load for 10 minutes (needs chromium and chromium-driver): the
# page's memory and frame rate; a screenshot for the README (ARGS: e.g. --minutes 2).
bench-dashboard: dev
	$(BIN)/python bench/dashboard.py --json bench/results/dashboard.json \
		--screenshot docs/images/dashboard.png $(ARGS)

# The dashboard's charting library (Chart.js, from npm) is kept in buzzline/dashboard/static/vendor/
# so the page works offline; this fetches the pinned version again and checks its hash.
vendor:
	bash tools/vendor-js.sh
