# relubook: build the book, run the tests. Each target sets up .venv itself (scripts/env.sh),
# so `make test` and `make book` work on a fresh clone (needs python3 and PyPI access once).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.PHONY: help warm test book clean

# Prefix of every recipe line that needs the environment (each line runs in its own shell).
ENV := source scripts/env.sh &&

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 8

warm: ## set up .venv and compile the numba kernels into _build/numba_cache
	$(ENV) python scripts/warm_numba.py

test: warm ## unit tests, every chapter cell by cell (nbval), the no-execution -W -n build
	$(ENV) python -m pytest -n 2 tests chapters

# jupyter-cache keys a notebook on its code cells only, so a change in relubook (or in the pins)
# would leave stale outputs in the book: drop the execution cache when their hash changes.
CODE_HASH = find relubook -name '*.py' | LC_ALL=C sort | xargs cat requirements.txt | sha256sum

book: warm ## execute (cached) and build the book strictly into _build/html
	@mkdir -p _build; h=$$($(CODE_HASH)); \
	if [ "$$h" != "$$(cat _build/.code.sha256 2>/dev/null)" ]; then \
	  echo "book: relubook or requirements changed: clearing the execution cache"; \
	  rm -rf _build/.jupyter_cache; echo "$$h" > _build/.code.sha256; fi
	$(ENV) jupyter-book build -W -n --keep-going --all .
	@echo "book: _build/html/index.html"

clean: ## remove _build (HTML, execution cache, numba cache); .venv is kept
	rm -rf _build
