# bulletin intake — `make run` runs the service on its embedded defaults, `make test` runs
# every test against real servers. Both install what is missing first (Debian, as root).

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the service and its tests need: OCR, PDF tools, the IMAP server the tests
# talk to, a PostgreSQL server, TLS certificates for the test servers, the browser for the
# review UI tests.
# LibreOffice (without its GUI) draws Word and OpenDocument pages for the review UI, reads
# legacy Word files and lays out a Word or OpenDocument blank for `intake form learn`.
# The handwriting fonts are for bench/ocr_stress.py --handwritten only; the Liberation and
# Carlito fonts (metric twins of Arial, Times, Courier, Calibri) for bench/variety.py.
APT_PACKAGES := tesseract-ocr tesseract-ocr-fra poppler-utils dovecot-imapd openssl \
                util-linux postgresql chromium fonts-dejavu-core wfrench \
                fonts-breip fonts-dkg-handwriting fonts-ecolier-court \
                libreoffice-writer-nogui fonts-liberation2 fonts-crosextra-carlito

.PHONY: install system venv bytecode tables run test lint fuzz bench screenshots samples clean

install: system venv bytecode tables

system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	python3 -m venv --help >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# The bytecode of the project's modules, as an installed wheel has it: the editable install
# leaves it to the first import, which writes none under PYTHONDONTWRITEBYTECODE, and then
# every `intake` command compiles some fifty modules again (0.1 s of `intake extract`).
bytecode: venv
	$(BIN)/python -m compileall -q intake parsers storage

# The reference tables (words, places, names) built once into parsers/data/tables, which
# every reader then loads (0.3 s) instead of building them (1.3 s of a one-shot
# `intake extract` of a scan); a reader builds them again when their data or code changed.
tables: venv
	$(BIN)/python -c 'import parsers.knowledge as k; k.warm()'

# The embedded defaults: a Maildir and a fax-drop folder under var/ (the Maildir is seeded
# with the sample messages of examples/ on first run), SQLite, digests into var/outbox,
# review UI on http://127.0.0.1:8025.
run: install
	INTAKE_MAILDIR="$${INTAKE_MAILDIR-var/maildir}" INTAKE_FAX_DIR="$${INTAKE_FAX_DIR-var/fax-drop}" \
	  $(BIN)/intake run

# PostgreSQL: use the server on 127.0.0.1:5432 when one answers, else start Debian's cluster
# (the tests start a private one themselves if that fails too).
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start 2>/dev/null || true

# Two pytest workers (pytest-xdist): most of the suite's time is spent waiting on servers,
# child processes and a browser, so two share the two cores; TEST_JOBS=1 runs one after another.
TEST_JOBS ?= 2

test: install postgres lint
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_JOBS)

lint:
	$(BIN)/ruff format --check intake parsers storage tests scripts bench
	$(BIN)/ruff check intake parsers storage tests scripts bench
	$(BIN)/mypy

fuzz: install
	$(BIN)/python scripts/fuzz.py --minutes 3

bench: install
	$(BIN)/python bench/extract_bench.py

screenshots: install
	$(BIN)/python scripts/screenshots.py

# Regenerate the test samples (LibreOffice, installed by `make install`, writes .odt/.doc).
samples: install
	$(BIN)/python scripts/make_samples.py
	$(BIN)/python scripts/make_review_samples.py
	$(BIN)/python scripts/make_template_samples.py
	$(BIN)/python scripts/make_variety_samples.py
	$(BIN)/python scripts/make_hostile_samples.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
