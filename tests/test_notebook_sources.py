"""The committed notebooks are exactly what tools/build_notebooks.py makes from their sources.

A notebook is edited through its py:percent source in ``notebooks/_sources/`` and rebuilt with
``make notebooks``; these tests fail when an .ipynb was edited by hand, not rebuilt, shipped
with a solution in the learner's version, or committed unexecuted (nbval compares only cells
that have stored outputs).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("build_notebooks",
                                               ROOT / "tools" / "build_notebooks.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

SOURCES = sorted(build.SOURCES.glob("*.py"))
WIDGET_MIME = ("application/vnd.plotly.v1+json", "application/vnd.jupyter.widget-view+json")


def _cells(nb):
    return [(c.cell_type, c.source) for c in nb.cells]


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_committed_notebooks_match_their_source(src):
    learner, solution = build.versions(src)
    for made, path in ((learner, build.NOTEBOOKS / f"{src.stem}.ipynb"),
                       (solution, build.SOLUTIONS / f"{src.stem}.ipynb")):
        assert path.exists(), f"{path.name} missing: run `make notebooks`"
        committed = nbformat.read(path, as_version=4)
        assert _cells(committed) == _cells(made), (
            f"{path.relative_to(ROOT)} differs from {src.relative_to(ROOT)}: edit the source "
            "and run `make notebooks NB=" + src.stem[:2] + "`")


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_learner_version_has_stubs_and_solution_version_has_nbgrader_metadata(src):
    learner = nbformat.read(build.NOTEBOOKS / f"{src.stem}.ipynb", as_version=4)
    solution = nbformat.read(build.SOLUTIONS / f"{src.stem}.ipynb", as_version=4)
    text = json.dumps([c.source for c in learner.cells])
    assert build.BEGIN not in text and build.END not in text
    sol_cells = [c for c in solution.cells if build.BEGIN in c.source]
    assert all(c.metadata["nbgrader"]["solution"] for c in sol_cells)
    stubs = [c for c in learner.cells
             if c.cell_type == "code" and "raise NotImplementedError()" in c.source]
    assert len(stubs) == len(sol_cells)


@pytest.mark.parametrize("path", sorted(build.NOTEBOOKS.glob("*.ipynb"))
                         + sorted(build.SOLUTIONS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_is_executed_small_and_marks_its_figure_cells(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "committed unexecuted"
    assert "widgets" not in nb.metadata, "widget state stored (MBs of plotly.js)"
    assert path.stat().st_size < 1_000_000
    for c in code:
        if any(set(WIDGET_MIME) & set(o.get("data", {})) for o in c.outputs
               if o.get("data", {}).get("application/vnd.plotly.v1+json") is not None):
            assert c.source.startswith("# NBVAL_IGNORE_OUTPUT"), (
                f"{path.name}: a cell showing a plotly figure must start with "
                "# NBVAL_IGNORE_OUTPUT and assert on the figure's data in code")


def test_every_learner_notebook_is_in_the_browser_manifest():
    manifest = yaml.safe_load((build.NOTEBOOKS / "manifest.yml").read_text())
    listed = {entry["path"] for entry in manifest["notebooks"]}
    shipped = {p.name for p in build.NOTEBOOKS.glob("*.ipynb")}
    assert shipped <= listed, f"add to notebooks/manifest.yml: {sorted(shipped - listed)}"


def test_strip_solutions_keeps_indentation_and_rejects_unbalanced_markers():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    assert build.strip_solutions(src) == ("def f(x):\n    # YOUR CODE HERE\n"
                                          "    raise NotImplementedError()")
    with pytest.raises(ValueError, match="without"):
        build.strip_solutions("    ### BEGIN SOLUTION\n    return x\n")


def test_readme_notebook_table_lists_exactly_the_manifest():
    manifest = yaml.safe_load((build.NOTEBOOKS / "manifest.yml").read_text())
    listed = [entry["path"] for entry in manifest["notebooks"]]
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| \[`(\w+)`\]\(notebooks/(\w+\.ipynb)\) \|", readme, re.MULTILINE)
    assert all(f"{stem}.ipynb" == path for stem, path in rows), rows
    assert [path for _, path in rows] == listed
