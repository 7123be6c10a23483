"""Every notebook in notebooks/manifest.yml, opened in JupyterLab in a real (headless) Chromium.

For each notebook: clear outputs, Run All, wait for every code cell to run, require no error
output; in a widget notebook move the first slider with the keyboard and require a figure in
the same widget box to change (its traces or its layout; printing how long it took); for each
listed exercise play a learner: submit a wrong answer (a body that returns None), then the
solution from notebooks/solutions/, and require the check's verdict for each. Screenshots go
to build/screenshots/.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.browser.jupyterlab import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ERRORS,
    KERNEL_IDLE,
    RUN_ALL_DONE,
    START_RUN_ALL,
    UNEXECUTED,
    WATCH_CALLBACK_ERRORS,
    JupyterLab,
)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SHOTS = ROOT / "build" / "screenshots"
MANIFEST = yaml.safe_load((NOTEBOOKS / "manifest.yml").read_text())["notebooks"]

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# What the plotly figures nearest the slider show: every trace and the layout (its shapes,
# titles, colours...) of all figures of the first ancestor of the handle that holds one (the
# slider's widget box), as JSON, except the template, with each long array written as an id:
# plotly.js puts a new array in place on a restyle, so this is cheap enough to poll every
# 10 ms even with large heatmaps (writing them out on every poll took the page's time from the
# redraws being measured).
FIGURE_STATE = """(handle) => { for (let el = handle; el && el !== document.body;
      el = el.parentElement) { const plots = el.querySelectorAll('.js-plotly-plot');
    if (!plots.length) continue;
    if (!Array.from(plots).every(p => Array.isArray(p.data))) return null;
    const ids = window.__seqlabArrayIds = window.__seqlabArrayIds || new WeakMap();
    const id = (a) => { if (!ids.has(a)) ids.set(a, window.__seqlabArrays =
        (window.__seqlabArrays || 0) + 1); return 'array ' + ids.get(a); };
    return JSON.stringify(Array.from(plots, p => [p.data, p.layout]), (k, v) =>
      k === 'template' ? undefined
      : (ArrayBuffer.isView(v) || (Array.isArray(v) && v.length > 64)) ? id(v) : v); }
  return null; }"""

READOUT = "h => h.closest('.widget-slider').querySelector('.widget-readout')?.textContent"

# Page-clock timestamps of key presses on the handle and of changes of the figures' state.
RECORD_FIGURE = f"""(handle) => {{ const state = {FIGURE_STATE};
  const rec = {{keys: [], changes: [], last: state(handle)}};
  const changed = (a, b) => a !== null && a !== b;
  handle.addEventListener('keydown', () => rec.keys.push(performance.now()), true);
  rec.timer = setInterval(() => {{ const now = state(handle);
    if (changed(now, rec.last)) {{ rec.changes.push(performance.now()); rec.last = now; }}
  }}, 10);
  window.__seqlabFig = rec; }}"""

# Settled: the kernel is idle and neither a key press nor a redraw for a second.
FIGURE_SETTLED = """() => { const rec = window.__seqlabFig;
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  return k.status === 'idle'
    && performance.now() - Math.max(...rec.changes, ...rec.keys) > 1000; }"""

STOP_RECORDING = """() => { const rec = window.__seqlabFig; clearInterval(rec.timer);
  return {keys: rec.keys, changes: rec.changes}; }"""


@pytest.fixture(scope="module")
def lab():
    files = [NOTEBOOKS / e["path"] for e in MANIFEST if (NOTEBOOKS / e["path"]).exists()]
    with JupyterLab(files, base=NOTEBOOKS) as server:
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
    page.goto(lab.url(name, workspace=uuid.uuid4().hex))
    page.wait_for_function(KERNEL_IDLE, arg=name, timeout=90_000)
    page.evaluate(WATCH_CALLBACK_ERRORS)
    return page


def _run_all(page, name, timeout_s=120):
    """Clear outputs and Run All; return when it has settled (it stops at the first error)."""
    page.evaluate(START_RUN_ALL)
    try:
        page.wait_for_function(RUN_ALL_DONE, timeout=timeout_s * 1000, polling=100)
    except Exception:
        _assert_no_errors(page, name, "while Run All was still going")
        pending = page.evaluate(UNEXECUTED)
        pytest.fail(f"{name}: Run All not finished after {timeout_s} s (kernel busy or a widget "
                    f"still loading); first unfinished cell: "
                    + (f"{pending[0]['cell']} ({pending[0]['source']!r})" if pending else "none"))


def _assert_no_errors(page, name, when):
    errors = page.evaluate(ERRORS)
    assert not errors, f"{name}: error output {when}:\n" + "\n".join(
        (f"cell {e['cell']} ({e['source']!r})" if e["cell"] is not None else "no cell")
        + f", {e['where']}: {e['ename']}: {e['evalue']}\n    "
        + "\n    ".join(ANSI.sub("", e["traceback"]).strip().splitlines()[-6:])
        for e in errors)


def _assert_all_executed(page, name):
    missing = page.evaluate(UNEXECUTED)
    assert not missing, f"{name}: code cells without an execution count after Run All: " + (
        "; ".join(f"cell {m['cell']} ({m['source']!r})" for m in missing))


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
        _run_all(page, name)
        print(f"\n{name}: Run All in the browser took {time.perf_counter() - start:.1f} s")
        page.screenshot(path=str(SHOTS / f"{stem}-run-all.png"), full_page=True)
        _assert_no_errors(page, name, "after Run All")
        _assert_all_executed(page, name)
        if entry.get("widgets"):
            handle = page.locator(".widget-slider .noUi-handle").nth(entry.get("slider_index", 0))
            handle.wait_for(state="visible", timeout=60_000)
            handle.scroll_into_view_if_needed()
            try:
                page.wait_for_function(f"(h) => ({FIGURE_STATE})(h) !== null",
                                       arg=handle.element_handle(), timeout=60_000)
            except Exception:
                pytest.fail(f"{name}: no plotly figure (with data) rendered near the slider")
            value = handle.get_attribute("aria-valuenow")
            key = "ArrowLeft" if value == handle.get_attribute("aria-valuemax") else "ArrowRight"
            start_readout = handle.evaluate(READOUT)
            page.evaluate(RECORD_FIGURE, handle.element_handle())
            handle.focus()
            for _ in range(5):
                page.keyboard.press(key)
            try:
                page.wait_for_function("() => window.__seqlabFig.changes.length > 0",
                                       timeout=30_000, polling=20)
                page.wait_for_function(FIGURE_SETTLED, timeout=30_000, polling=50)
            except Exception:
                _assert_no_errors(page, name, "after moving the slider")
                pytest.fail(f"{name}: slider moved {value} -> "
                            f"{handle.get_attribute('aria-valuenow')} but no figure of its widget "
                            "changed (or they kept changing) for 30 s")
            rec = page.evaluate(STOP_RECORDING)
            print(f"{name}: slider {start_readout} -> {handle.evaluate(READOUT)} (5x {key}): "
                  f"figure changed {rec['changes'][0] - rec['keys'][0]:.0f} ms after the first "
                  f"key press, showed the last value "
                  f"{max(rec['changes'][-1] - rec['keys'][-1], 0):.0f} ms after the last "
                  f"({len(rec['changes'])} redraws)")
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
        _run_all(page, name)
        _assert_no_errors(page, name, "after Run All")
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


def _run_selftest(browser, lab, name, cells):
    """Write a throwaway notebook of ``cells`` (sources) under the server's root, open it and
    Run All; return the page (the caller closes it)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [c if isinstance(c, nbformat.NotebookNode) else nbformat.v4.new_code_cell(c)
                for c in cells]
    (lab.root / name).parent.mkdir(exist_ok=True)
    nbformat.write(nb, lab.root / name)
    page = _open(browser, lab, name)
    _run_all(page, name, timeout_s=60)
    return page


def test_error_detector_finds_errors(browser, lab):
    """What the checks above rely on: a traceback is found although JupyterLab renders it like
    stderr, also inside an Output widget (interact) and from a widget callback, while plain
    stderr and a `raises-exception` cell pass; a cell that never ran is reported."""
    name = "_selftest/error_detection.ipynb"
    page = _run_selftest(browser, lab, name, [
        "import sys\nprint('tqdm writes here', file=sys.stderr)",
        "from ipywidgets import IntSlider, interact\n"
        "interact(lambda x: 1 // (x - 1), x=(0, 2));",
        "s = IntSlider(0)\ns.observe(lambda change: {}['missing'], names='value')\ns",
        nbformat.v4.new_code_cell("raise ValueError('expected')",
                                  metadata={"tags": ["raises-exception"]}),
        "1/0",
        "print('never runs')",
    ])
    try:
        found = [(e["cell"], e["where"], e["ename"]) for e in page.evaluate(ERRORS)]
        assert found == [(1, "in an Output widget", "ZeroDivisionError"),
                         (4, "output", "ZeroDivisionError")]
        with pytest.raises(AssertionError, match=r"(?s)cell 1 .*Output widget.*cell 4 .*by zero"):
            _assert_no_errors(page, name, "after Run All")
        with pytest.raises(AssertionError, match=r"cell 5 \(\"print\('never runs'\)\"\)"):
            _assert_all_executed(page, name)
        handle = page.locator(".widget-slider .noUi-handle").nth(1)  # nth(0) is interact's
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => window.__seqlabCallbackErrors.length > 0", timeout=30_000)
        assert ("a widget callback (comm_msg)", "KeyError") in [
            (e["where"], e["ename"]) for e in page.evaluate(ERRORS)]
    finally:
        page.close()


# The y values of each trace of every plotly figure on the page, as the browser draws them.
PLOTTED_Y = """() => Array.from(document.querySelectorAll('.js-plotly-plot'),
  p => p.data.map(t => t.y ? Array.from(t.y) : null))"""


def test_a_figure_box_shows_updates_made_before_it_is_displayed(browser, lab):
    """A FigureBox updated in the cell that shows it (as the notebooks do, to check a widget)
    is drawn as Python holds it. plotly's widget loses a property that a batch update sets on
    some traces but not others, on those others, in a view made after the update; the second
    figure, in a bare VBox, shows that this still happens, and FigureBox's complete_updates
    is why the first does not lose it (before it, notebook 04's heatmaps lost their colours)."""
    name = "_selftest/figure_box_updates.ipynb"
    page = _run_selftest(browser, lab, name, [
        "import ipywidgets as W\nimport plotly.graph_objects as go\n"
        "from seqlab.viz import FigureBox\n\n"
        "def edited(box):\n"
        "    fig = go.FigureWidget([go.Scatter(y=[1, 2, 3]), go.Scatter(y=[3, 2, 1])])\n"
        "    shown = box(fig)\n"
        "    with fig.batch_update():\n"
        "        fig.data[0].y = [5, 5, 5]    # y set on trace 0 only,\n"
        "        fig.data[1].name = 'b'       # trace 1 is in the batch too\n"
        "    return shown",
        "edited(lambda fig: FigureBox([], fig, lambda: None))",
        "edited(lambda fig: W.VBox([fig]))",
    ])
    try:
        _assert_no_errors(page, name, "after Run All")
        page.wait_for_function(f"() => ({PLOTTED_Y})().length === 2", timeout=30_000)
        assert page.evaluate(PLOTTED_Y) == [[[5, 5, 5], [3, 2, 1]], [[5, 5, 5], None]]
    finally:
        page.close()
