"""Every notebook in notebooks/manifest.yml, opened in JupyterLab in a real (headless) Chromium.

For each notebook: clear outputs, Run All, wait for every code cell to run, require no error
output; in a widget notebook move the first slider with the keyboard and require the figure
in the same widget box to change (printing how long it took); for each listed exercise play a
learner: submit a wrong answer (a body that returns None), then the solution from
notebooks/solutions/, and require the check's verdict for each. Screenshots go to
build/screenshots/.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.browser.jupyterlab import (
    ALL_EXECUTED,
    CHROMIUM,
    CHROMIUM_ARGS,
    ERRORS,
    KERNEL_IDLE,
    JupyterLab,
)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SHOTS = ROOT / "build" / "screenshots"
MANIFEST = yaml.safe_load((NOTEBOOKS / "manifest.yml").read_text())["notebooks"]

FIGURE_Y = """(handle) => { const box = handle.closest('.widget-vbox') || document;
  const plot = box.querySelector('.js-plotly-plot');
  return plot && plot.data ? JSON.stringify(Array.from(plot.data[0].y)) : null; }"""


@pytest.fixture(scope="module")
def lab():
    files = [NOTEBOOKS / e["path"] for e in MANIFEST if (NOTEBOOKS / e["path"]).exists()]
    with JupyterLab(files) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    with playwright.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, lab, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(lab.url(name))
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    return page


def _run_all(page):
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(500)
    page.wait_for_function(ALL_EXECUTED, timeout=120_000, polling=250)


def _assert_no_errors(page, name, when):
    errors = page.evaluate(ERRORS)
    assert not errors, f"{name}: error output {when}: " + "; ".join(
        f"cell {e['cell']} ({e['source']!r}): {e['ename']}: {e['evalue']}" for e in errors)


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["path"])
def test_run_all_without_errors_and_move_a_slider(browser, lab, entry):
    name = entry["path"]
    if not (NOTEBOOKS / name).exists():
        pytest.skip(f"{name} is in the manifest but not written yet")
    SHOTS.mkdir(parents=True, exist_ok=True)
    stem = Path(name).stem
    page = _open(browser, lab, name)
    try:
        start = time.perf_counter()
        _run_all(page)
        print(f"\n{name}: Run All in the browser took {time.perf_counter() - start:.1f} s")
        _assert_no_errors(page, name, "after Run All")
        page.screenshot(path=str(SHOTS / f"{stem}-run-all.png"), full_page=True)
        if entry.get("widgets"):
            handle = page.locator(".widget-slider .noUi-handle").nth(entry.get("slider_index", 0))
            handle.wait_for(state="visible", timeout=60_000)
            handle.scroll_into_view_if_needed()
            page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length"
                                   " > 0", timeout=60_000)
            before = handle.evaluate(FIGURE_Y)
            assert before is not None, f"{name}: no plotly figure in the slider's widget box"
            handle.focus()
            moved = time.perf_counter()
            for _ in range(5):
                page.keyboard.press("ArrowRight")
            page.wait_for_function(
                f"(h) => ({FIGURE_Y})(h) !== {json.dumps(before)}",
                arg=handle.element_handle(), timeout=30_000, polling=10)
            latency = time.perf_counter() - moved
            print(f"{name}: figure changed {1000 * latency:.0f} ms after the slider moved")
            page.screenshot(path=str(SHOTS / f"{stem}-slider.png"), full_page=True)
            _assert_no_errors(page, name, "after moving the slider")
    finally:
        page.close()


def _cell_index(cells, fn_name):
    pattern = re.compile(rf"^def {re.escape(fn_name)}\(", re.MULTILINE)
    return next(i for i, c in enumerate(cells) if c.cell_type == "code"
                and pattern.search(c.source))


@pytest.mark.parametrize("entry", [e for e in MANIFEST if e.get("exercises")],
                         ids=lambda e: e["path"])
def test_a_learner_completes_the_exercises(browser, lab, entry):
    name = entry["path"]
    if not (NOTEBOOKS / name).exists():
        pytest.skip(f"{name} is in the manifest but not written yet")
    solved = nbformat.read(NOTEBOOKS / "solutions" / name, as_version=4).cells
    page = _open(browser, lab, name)
    try:
        _run_all(page)
        for fn in entry["exercises"]:
            i = _cell_index(solved, fn)
            header = solved[i].source.split("\n", 1)[0]  # the def line
            for body, verdict in ((f"{header}\n    return None\n", f"✗ {fn}"),
                                  (solved[i].source, f"✓ {fn}")):
                page.evaluate(
                    """([i, src]) => { const nb = window.jupyterapp.shell.currentWidget.content;
                       nb.widgets[i].model.sharedModel.setSource(src); nb.activeCellIndex = i; }""",
                    [i, body])
                page.evaluate("() => window.jupyterapp.commands.execute("
                              "'notebook:run-cell-and-select-next')")
                page.evaluate("() => window.jupyterapp.commands.execute("
                              "'notebook:run-cell-and-select-next')")
                page.wait_for_function(
                    """([j, text]) => { const c = window.jupyterapp.shell.currentWidget.content
                       .widgets[j]; return c.outputArea && c.outputArea.node.innerText
                       .includes(text); }""", arg=[i + 1, verdict], timeout=30_000)
            _assert_no_errors(page, name, f"while solving {fn}")
        page.screenshot(path=str(SHOTS / f"{Path(name).stem}-exercises.png"), full_page=True)
    finally:
        page.close()
