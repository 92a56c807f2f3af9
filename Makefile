# Two commands set everything up on a fresh machine with Python 3.11+ and make:
#   make run    create .venv, install claimdesk, tag seeds/ into output/
#   make test   create .venv with the test dependencies (and Debian's chromium), run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEPS   := $(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
# `make run` installs what running needs; `make test` adds the test extras.
STAMP  := $(VENV)/.installed-$(DEPS)
TEST_STAMP := $(VENV)/.installed-test-$(DEPS)

CHROMIUM := /usr/bin/chromium
# Root installs directly; anyone else through sudo.
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint bench eval-real learned-layer layer schemas crash-test clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@rm -f $(VENV)/.installed-* && touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

run: $(STAMP)
	$(BIN)/claimdesk run --sources seeds/sources.yaml --output output/

# The browser test drives Debian's Chromium with Playwright (whose own browser download
# cannot run on these machines), so the test setup installs it when it is missing.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core

test: $(TEST_STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check claimdesk flows tests benchmarks
	$(BIN)/ruff format --check claimdesk flows tests benchmarks

# Kill `claimdesk run` with SIGKILL at random moments while it writes, check nothing is lost after
# each kill; KILLS=100 is the full run (CI runs 10 inside `make test`).
KILLS ?= 100
crash-test: $(STAMP)
	$(BIN)/python -m benchmarks.crash --kills $(KILLS)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python -m benchmarks
	@if [ -n "$(CORPUS)" ]; then $(BIN)/python -m benchmarks.grouping --corpus "$(CORPUS)" --sweep; \
	else echo "(claim grouping against labelled news pairs: make bench CORPUS=DIR)"; fi

# Scores against published news kept outside the repo: make eval-real CORPUS=DIR, where DIR holds
# polnear/ (PolNeAR's data folder; its train/ split only) and bbc/ (the BBC News corpus folders).
TUNING_LABELS := $(foreach b,b1 b2 b3 b4 b5 heldback $(foreach n,2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 41 42 43 44 46 47 48 49 51 52 54 55,heldback$(n)),tests/data/realnews/$(b).labels.jsonl)
HELD_BACK_LABELS := $(foreach n,34 35 36 37 38 39 40 45 50 53 56,tests/data/realnews/heldback$(n).labels.jsonl)

eval-real: $(STAMP)
	@test -n "$(CORPUS)" || { echo "usage: make eval-real CORPUS=DIR  (DIR holds polnear/ and bbc/)" >&2; exit 2; }
	@echo "== tuning part (b1-b5, heldback to heldback33, heldback41-44, 46-49, 51-52, 54-55: each tuned on after it was scored once)"
	$(BIN)/claimdesk eval $(TUNING_LABELS) --corpus "$(CORPUS)" --misses 0
	@echo "== held-back part (heldback34 to heldback40, heldback45, 50, 53, 56: never tuned on)"
	$(BIN)/claimdesk eval $(HELD_BACK_LABELS) --corpus "$(CORPUS)" --misses 0
	$(BIN)/python -m benchmarks.polnear --corpus "$(CORPUS)/polnear" --misses 0

# The learned layer (claimdesk layer train) trained on the tuning part, scored on the held-back part beside the rules.
learned-layer: $(STAMP)
	@test -n "$(CORPUS)" || { echo "usage: make learned-layer CORPUS=DIR  (DIR holds polnear/ and bbc/)" >&2; exit 2; }
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[learn]'
	$(BIN)/python -m benchmarks.learned_layer --corpus "$(CORPUS)" --train $(TUNING_LABELS) --test $(HELD_BACK_LABELS)

# A learned layer for `claimdesk run --layer output/layer.json`, trained on the tuning part's labels (the
# held-back part stays for scoring it: make learned-layer).
layer: $(STAMP)
	@test -n "$(CORPUS)" || { echo "usage: make layer CORPUS=DIR  (DIR holds polnear/ and bbc/)" >&2; exit 2; }
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[learn]'
	$(BIN)/claimdesk layer train $(TUNING_LABELS) --corpus "$(CORPUS)" --output output/layer.json

schemas: $(STAMP)
	$(BIN)/python -m claimdesk.records

clean:
	rm -rf $(VENV) output/records output/claims.db* output/metadata.yml output/rejects.jsonl output/screenshots
