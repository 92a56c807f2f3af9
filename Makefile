# Two commands set everything up on a fresh machine with Python 3.11+ and make:
#   make run    create .venv, install claimdesk, tag seeds/ into output/
#   make test   create .venv with the test dependencies, run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: run test lint bench schemas clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	$(BIN)/claimdesk run seeds/ --output output/

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check claimdesk flows tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m benchmarks

schemas: $(STAMP)
	$(BIN)/python -m claimdesk.records

clean:
	rm -rf $(VENV) output/records output/claims.db* output/metadata.yml output/rejects.jsonl
