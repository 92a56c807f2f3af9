# Two commands set everything up on a fresh machine with Python 3.11+ and make:
#   make run    create .venv, install claimdesk, tag seeds/ into output/
#   make test   create .venv with the test dependencies (and Debian's chromium), run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

CHROMIUM := /usr/bin/chromium
# Root installs directly; anyone else through sudo.
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint bench schemas clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	$(BIN)/claimdesk run --sources seeds/sources.yaml --output output/

# The browser test drives Debian's Chromium with Playwright (whose own browser download
# cannot run on these machines), so the test setup installs it when it is missing.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check claimdesk flows tests benchmarks

# The labelled claim pairs point into published news kept outside the repository.
CORPUS ?= /work/corpus

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.grouping --corpus $(CORPUS)

schemas: $(STAMP)
	$(BIN)/python -m claimdesk.records

clean:
	rm -rf $(VENV) output/records output/claims.db* output/metadata.yml output/rejects.jsonl output/screenshots
