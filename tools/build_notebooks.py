"""Build the notebooks from their reviewable py:percent sources in ``notebooks/_sources/``.

For every ``notebooks/_sources/NN_name.py`` this writes two executed notebooks:

- ``notebooks/NN_name.ipynb``: the learner's version. Each block between ``### BEGIN SOLUTION``
  and ``### END SOLUTION`` is replaced by nbgrader's stub (``# YOUR CODE HERE`` /
  ``raise NotImplementedError()``), so the exercise checks report "not done yet" and the
  notebook runs on with the library's implementation.
- ``notebooks/solutions/NN_name.ipynb``: the instructor's version, solutions in place with their
  markers and nbgrader cell metadata (``nbgrader generate_assignment`` can use it directly).

Both are executed (nbclient, cwd ``notebooks/``) so their stored outputs are what nbval checks,
and the widget state that execution stores (5 MB of plotly.js) is dropped.

Usage::

    python tools/build_notebooks.py              # all notebooks
    python tools/build_notebooks.py 00 03        # the ones whose name starts with 00 or 03
    python tools/build_notebooks.py --no-execute # sources only (fast; outputs are cleared)
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "_sources"
SOLUTIONS = NOTEBOOKS / "solutions"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def strip_solutions(source: str) -> str:
    """Replace every BEGIN/END SOLUTION block by the stub, at the block's indentation."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + s for s in STUB]
        elif stripped == END:
            if not inside:
                raise ValueError(f"{END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}")
    return "\n".join(out)


def exercise_id(source: str) -> str:
    """The name of the function a solution cell defines (its nbgrader grade_id)."""
    match = re.search(r"^def (\w+)\(", source, re.MULTILINE)
    return match.group(1) if match else "solution"


def versions(src: Path) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """(learner, solution) notebooks for one source file, unexecuted."""
    nb = jupytext.read(src)
    nb.metadata = {"kernelspec": KERNELSPEC,
                   "language_info": {"name": "python"},
                   "seqlab": {"source": f"_sources/{src.name}",
                              "generated_by": "tools/build_notebooks.py; edit the source"}}
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("lines_to_next_cell", None)
        cell.id = f"{src.stem[:2]}-{i:03d}"  # stable ids: a rebuild changes only what changed
    solution, learner = copy.deepcopy(nb), copy.deepcopy(nb)
    for sol_cell, learn_cell in zip(solution.cells, learner.cells, strict=True):
        if sol_cell.cell_type == "code" and BEGIN in sol_cell.source:
            sol_cell.metadata["nbgrader"] = {
                "grade": False, "grade_id": exercise_id(sol_cell.source), "locked": False,
                "schema_version": 3, "solution": True, "task": False}
            learn_cell.source = strip_solutions(learn_cell.source)
    return learner, solution


def execute(nb: nbformat.NotebookNode) -> float:
    """Run all cells in ``notebooks/``; drop stored widget state. Returns seconds taken."""
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    nb.metadata.pop("widgets", None)
    return time.perf_counter() - start


def build(src: Path, run: bool = True) -> None:
    learner, solution = versions(src)
    SOLUTIONS.mkdir(exist_ok=True)
    for nb, dest in ((learner, NOTEBOOKS / f"{src.stem}.ipynb"),
                     (solution, SOLUTIONS / f"{src.stem}.ipynb")):
        took = execute(nb) if run else 0.0
        nbformat.write(nb, dest)
        print(f"wrote {dest.relative_to(ROOT)}" + (f" (executed in {took:.1f} s)" if run else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="build only sources starting with these")
    parser.add_argument("--no-execute", action="store_true", help="write without executing")
    args = parser.parse_args(argv)
    sources = sorted(SOURCES.glob("*.py"))
    if args.prefixes:
        sources = [s for s in sources if s.stem.startswith(tuple(args.prefixes))]
    if not sources:
        print(f"no sources match {args.prefixes} in {SOURCES}", file=sys.stderr)
        return 1
    for src in sources:
        build(src, run=not args.no_execute)
    return 0


if __name__ == "__main__":
    sys.exit(main())
