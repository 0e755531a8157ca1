# relubook: build the book, run the tests. Each target sets up .venv itself (scripts/env.sh),
# so `make test` and `make book` work on a fresh clone (needs python3 and PyPI access once).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.PHONY: help warm test test-portable book book-student student-notebooks grade lab-test browser-test clean

# Prefix of every recipe line that needs the environment (each line runs in its own shell).
ENV := source scripts/env.sh &&

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 8

warm: ## set up .venv and compile the numba kernels into _build/numba_cache
	$(ENV) python scripts/warm_numba.py

test: warm ## the linter (ruff), unit tests, every chapter cell by cell (nbval), the -W -n build
	$(ENV) ruff check .
	$(ENV) python -m pytest -n 2 tests chapters

# Every chapter, cell by cell, under three CPU kernel families (DESIGN.md section 5): the
# machine's defaults; OpenBLAS's Sandybridge kernels; OpenBLAS's Nehalem kernels with numba
# compiling for a generic x86-64 CPU (in its own cache, since those kernels compile apart).
# Each configuration records its checks' margins in its own folder and prints the smallest.
MARGINS := $(CURDIR)/_build/margins
PORTABLE_CONFIGS := \
  default: \
  sandybridge:OPENBLAS_CORETYPE=Sandybridge \
  generic:OPENBLAS_CORETYPE=Nehalem,NUMBA_CPU_NAME=generic,NUMBA_CACHE_DIR=$(CURDIR)/_build/numba_cache_generic

test-portable: warm ## every chapter under the default, Sandybridge and Nehalem+generic CPU kernels
	@for config in $(PORTABLE_CONFIGS); do \
	  name=$${config%%:*}; settings=$${config#*:}; \
	  echo "test-portable: $$name $${settings//,/ }"; \
	  ( $(ENV) env $${settings//,/ } RELUBOOK_MARGINS_DIR=$(MARGINS)/$$name \
	      python -m pytest -n 2 -q chapters ) || exit 1; \
	done

# jupyter-cache keys a notebook on its code cells only, so a change in relubook, in the pins or
# in the benchmark results the Speed page reads would leave stale outputs in the book: drop the
# execution cache when their hash changes.
CODE_HASH = find relubook -name '*.py' | LC_ALL=C sort | xargs cat requirements.txt benchmarks/results.json | sha256sum

book: warm ## execute (cached) and build the book strictly into _build/html
	@mkdir -p _build; h=$$($(CODE_HASH)); \
	if [ "$$h" != "$$(cat _build/.code.sha256 2>/dev/null)" ]; then \
	  echo "book: relubook or requirements changed: clearing the execution cache"; \
	  rm -rf _build/.jupyter_cache; echo "$$h" > _build/.code.sha256; fi
	$(ENV) jupyter-book build -W -n --keep-going --all .
	@echo "book: _build/html/index.html"

# The student edition: the same book without any solution (nor the code cells after a solution,
# which print the right answer), sources or launch buttons; see scripts/student_config.py.
# It reuses the execution cache of `make book` (same cache folder, same invalidation rule), so
# after `make book` it executes nothing. JB writes to <path-output>/_build/html; moved to
# _build/student/html.
book-student: warm ## the student edition (no solutions) into _build/student/html
	@mkdir -p _build; h=$$($(CODE_HASH)); \
	if [ "$$h" != "$$(cat _build/.code.sha256 2>/dev/null)" ]; then \
	  echo "book-student: relubook or requirements changed: clearing the execution cache"; \
	  rm -rf _build/.jupyter_cache; echo "$$h" > _build/.code.sha256; fi
	$(ENV) python scripts/student_config.py _build/student/_config.yml
	$(ENV) jupyter-book build -W -n --keep-going --all . \
	  --config _build/student/_config.yml --path-output _build/student/staging
	rm -rf _build/student/html && mv _build/student/staging/_build/html _build/student/html
	@echo "book-student: _build/student/html/index.html"

# Runnable student edition: the chapters as notebooks (.md and .ipynb) without solutions, with
# one tagged answer cell per auto-checked exercise, plus what Binder needs, in
# _build/student/repo and _build/student/repo.zip (chapters/for_instructors.md: launch path).
# PASS_FAIL=1: the notebooks turn the checkers' hints off.
student-notebooks: ## solution-free chapter notebooks into _build/student/repo (+ .zip)
	$(ENV) python scripts/student_notebooks.py _build/student/repo $(if $(PASS_FAIL),--pass-fail)

# Grade hand-ins made from the student notebooks: make grade HANDINS=folder [OUT=grades.csv]
grade: warm ## run every hand-in of HANDINS (.ipynb or .md) and write a per-exercise CSV
	$(ENV) python scripts/grade.py "$(HANDINS)" $(if $(OUT),--out "$(OUT)")

# A student's live path in a real JupyterLab (tests/lab/): every chapter opened through Binder's
# settings, Run All, two explorers' sliders moved. Installs Binder's JupyterLab pins into .venv
# first (not in requirements.txt: make test does not need them). Screenshots: _build/lab-screenshots.
LAB_PINS = grep -E '^(jupyterlab|jupyterlab-myst|jupytext)==' binder/requirements.txt
lab-test: warm ## every chapter in JupyterLab (Binder pins): Run All, no error, sliders redraw
	$(ENV) pip install -q $$($(LAB_PINS))
	$(ENV) RELUBOOK_LAB_REQUIRED=1 python -m pytest -p no:cacheprovider -q -rs tests/lab

browser-test: book ## every page of _build/html in headless Chromium (Debian's), offline; screenshots in _build/screenshots
	$(ENV) RELUBOOK_HTML=_build/html RELUBOOK_BROWSER_REQUIRED=1 python -m pytest -p no:cacheprovider -q -rs tests/browser

clean: ## remove _build (HTML, execution cache, numba cache); .venv is kept
	rm -rf _build
