"""One notebook per course week runs top to bottom on the device double (marked slow).

The kernel's environment makes the double seqlab's CuPy (``SEQLAB_CUPY_MODULE``) and pins the
backend to it (``SEQLAB_BACKEND=cupy``: the notebook's own ``backend.use("numpy")`` line selects
the double and prints that it did). Every array the library creates from nothing is then a
device array with CuPy's boundary rules, so a plot or widget that is handed one without
``to_numpy`` fails as on a GPU; the test asserts that no cell raised or warned, that the backend
line names the double, and that the figures and widgets were drawn.

Notebooks 01-05, 14 and 24 do not run on a device backend as written: their cells build inputs
with NumPy and pass them to library functions together with device parameters (see
docs/gpu.md); 06, 12, 17 and 23 are the smallest of those that do, one per week.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import device_double

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {1: "06_music_shakespeare", 2: "12_debiasing", 3: "17_attention_dates",
             4: "23_self_attention"}
DRAWN = ("application/vnd.plotly.v1+json", "application/vnd.jupyter.widget-view+json")


@pytest.mark.slow
@pytest.mark.once
@pytest.mark.parametrize("week", sorted(NOTEBOOKS), ids=lambda w: f"week{w}-{NOTEBOOKS[w]}")
def test_notebook_runs_on_the_device_double(week, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    env = device_double.env(ROOT)
    for key in (*device_double.ENV, "PYTHONPATH"):
        monkeypatch.setenv(key, env[key])             # the kernel inherits this environment
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    nb = nbformat.read(ROOT / "notebooks" / f"{NOTEBOOKS[week]}.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    stderr = [o.text for o in outputs if o.get("name") == "stderr"
              and any(w in o.text for w in ("Traceback", "Error", "Warning"))]
    assert not errors and not stderr, errors + stderr
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "device double" in text and "SEQLAB_BACKEND=cupy overrides use('numpy')" in text
    drawn = sum(any(m in o.get("data", {}) for m in DRAWN) for o in outputs)
    assert drawn >= 1, f"{NOTEBOOKS[week]} drew no figure or widget"
