# Two commands a newcomer needs:  make serve   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
SHARED ?= ../shared

.PHONY: serve test bench lint sample national chromium translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime-installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps --no-build-isolation -e . || $(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# The committed sample store; rebuilt only when missing (needs ../shared).
data/sample/sample.gpkg:
	$(BIN)/python scripts/build_sample_db.py --shared $(SHARED) --out $@

sample: $(VENV)/.runtime-installed  ## rebuild the sample store from ../shared
	$(BIN)/python scripts/build_sample_db.py --shared $(SHARED) --out data/sample/sample.gpkg

national: $(VENV)/.runtime-installed data/sample/sample.gpkg  ## the whole country in instance/national.gpkg
	$(BIN)/python scripts/import_national.py --shared $(SHARED) --out instance/national.gpkg

# Debian packages the tests drive: chromium (browser tests), poppler-utils (pdftotext/pdffonts
# read the print figures back), gdal-bin (ogrinfo/ogr2ogr as OGC API clients and the export
# baseline), wrk (load for the server bench), LibreOffice (report drafts to PDF), PostgreSQL 15 with
# PostGIS 3 (tests/postgres.py starts its own server on a free local port). Installed with apt as
# root when missing.
DEBS := chromium poppler-utils gdal-bin wrk libreoffice-writer-nogui fonts-liberation postgresql postgresql-15-postgis-3
PG_BIN := /usr/lib/postgresql/15/bin
chromium:
	@test -x /usr/bin/chromium -a -x /usr/bin/pdffonts -a -x /usr/bin/ogr2ogr -a -x /usr/bin/wrk -a -x /usr/bin/soffice \
	  -a -x $(PG_BIN)/initdb -a -f /usr/share/postgresql/15/extension/postgis.control || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBS); \
	  else echo "Cần cài / please install: sudo apt-get install $(DEBS)"; exit 1; fi; }

MO := webmap/translations/en/LC_MESSAGES/messages.mo
$(MO): webmap/translations/en/LC_MESSAGES/messages.po $(VENV)/.runtime-installed
	$(BIN)/pybabel compile -d webmap/translations

serve: $(VENV)/.runtime-installed data/sample/sample.gpkg $(MO)
	$(BIN)/python -m webmap serve --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-installed data/sample/sample.gpkg $(MO) chromium
	$(BIN)/python -m pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check geodata webmap scripts tests

# pygeoapi lives in its own venv: it is only a baseline for the OGC API benchmark.
.venv-bench/bin/pygeoapi:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install -q pygeoapi==0.21.0 || echo "pygeoapi could not be installed: its bench row is skipped"

bench: $(VENV)/.dev-installed data/sample/sample.gpkg $(MO) chromium .venv-bench/bin/pygeoapi
	$(BIN)/python scripts/bench_home.py
	$(BIN)/python scripts/bench_figures.py
	$(BIN)/python scripts/bench_exports.py
	$(BIN)/python scripts/bench_server.py
	$(BIN)/python scripts/bench_workflow.py
	$(BIN)/python scripts/bench_national.py
	$(BIN)/python scripts/bench_rasters.py --store $$(test -f instance/national.gpkg && echo instance/national.gpkg || echo data/sample/sample.gpkg)
	$(BIN)/python scripts/bench_backends.py

translations: $(VENV)/.runtime-installed  ## re-extract strings after editing code or templates
	$(BIN)/pybabel extract -F babel.cfg -k _l -o webmap/translations/messages.pot --no-location --sort-output --project webmap .
	$(BIN)/pybabel update -i webmap/translations/messages.pot -d webmap/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
