"""The GPU check of issue 20: what only a GPU can prove, measured and written up in one report.

Run by ``benchmarks/gpu_check.sh`` (which first makes sure there is a GPU). The report, Markdown
for ``docs/gpu.md``, holds:

- the machine: GPU, driver, CUDA runtime, CuPy, cuDNN, torch and NumPy versions;
- the CuPy test suite: ``tests/test_backend_parity.py`` (forward and backward of every model,
  NumPy vs CuPy) and ``tests/test_models_on_device.py`` (a few training steps and the decoding
  of each week's task model), every test once on the device double and once on CuPy;
- ``bench_gpu``: seqlab on CuPy vs cuDNN for the LSTM training step at (m, T_x, n_x, n_a) =
  (256, 100, 512, 1024), and the Transformer training step, with the LSTM's two targets
  checked: at least 0.5x cuDNN, and at least 20x the NumPy baseline of ``docs/gpu.md``.

    python benchmarks/gpu_check.py REPORT.md          # on a GPU machine
    python benchmarks/gpu_check.py REPORT.md --dry    # anywhere: no CuPy (its tests skip), the
                                                      # benchmark at tiny sizes on NumPy/CPU
Exit status 1 when a test failed, else 0 (a missed speed target is a finding, not an error).
"""

from __future__ import annotations

import datetime
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
NUMPY_BASELINE = 4874     # tokens/s, NumPy LSTM step at LSTM_SIZE on the 2-core machine
TESTS = ["tests/test_backend_parity.py", "tests/test_models_on_device.py"]


def machine(dry: bool) -> list[str]:
    import torch

    lines = [f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}; host "
             f"{platform.node()}, Python {platform.python_version()}, NumPy {np.__version__}, "
             f"torch {torch.__version__}"]
    if dry:
        return [*lines, "- dry run: no GPU (CuPy's tests skip, benchmark at tiny sizes on CPU)"]
    import cupy

    smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                          "--format=csv,noheader"], capture_output=True, text=True).stdout
    rt = cupy.cuda.runtime
    cuda = rt.runtimeGetVersion()
    return [*lines, f"- GPU (nvidia-smi): {smi.strip()}",
            f"- CuPy {cupy.__version__}, CUDA runtime {cuda // 1000}.{cuda % 1000 // 10}, "
            f"driver API {rt.driverGetVersion()}; torch CUDA {torch.version.cuda}, cuDNN "
            f"{torch.backends.cudnn.version()}"]


def test_suite(timeout: float = 420) -> tuple[list[str], bool]:
    """Run the tests; per device (double, cupy): passed / failed / skipped, and each failure."""
    import xml.etree.ElementTree as ET

    junit = ROOT / "build" / "gpu_check_junit.xml"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly",
                           f"--junitxml={junit}", *TESTS], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    counts = {d: {"passed": 0, "failed": 0, "skipped": 0} for d in ("double", "cupy")}
    failures = []
    for case in ET.parse(junit).iter("testcase"):
        m = re.search(r"\[(double|cupy)[-\]]", case.get("name", ""))
        if m is None:
            continue
        bad = case.find("failure") if case.find("failure") is not None else case.find("error")
        outcome = ("failed" if bad is not None else
                   "skipped" if case.find("skipped") is not None else "passed")
        counts[m.group(1)][outcome] += 1
        if bad is not None:
            failures.append(f"  - {case.get('name')}: {(bad.get('message') or '')[:300]}")
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-300:]
    lines = [f"`pytest {' '.join(TESTS)}`: {summary} ({time.perf_counter() - start:.0f} s)", ""]
    lines += [f"- on {d}: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"
              for d, c in counts.items()]
    return lines + failures, proc.returncode == 0 and not failures


def benchmark(dry: bool) -> list[str]:
    import bench_gpu
    from harness import HEADER, measure

    cases = ([bench_gpu.lstm_case(bench_gpu.DRY_LSTM, "numpy", "cpu"),
              bench_gpu.transformer_case(bench_gpu.DRY_TRANSFORMER, "numpy", "cpu")]
             if dry else bench_gpu.cases())
    results = [measure(c, repeats=3 if dry else bench_gpu.REPEATS) for c in cases]
    lines = [HEADER, *(r.row() for r in results), ""]
    if not dry:
        lines += bench_gpu.notes(results)
    lstm = results[0]
    tokens = lstm.units / np.median(lstm.seqlab_s)
    lines += ["", f"LSTM targets{' (dry: a CPU reference, not cuDNN)' if dry else ''}: "
                  f"{lstm.ratio:.2f}x cuDNN (target ≥ 0.5: "
                  f"{'met' if lstm.ratio >= 0.5 else 'missed'}); {tokens:,.0f} tokens/s = "
                  f"{tokens / NUMPY_BASELINE:.1f}x NumPy's {NUMPY_BASELINE:,} on the 2-core "
                  f"machine (target ≥ 20: {'met' if tokens >= 20 * NUMPY_BASELINE else 'missed'})"]
    return lines


def main(argv: list[str]) -> int:
    out, dry = Path(argv[0]), "--dry" in argv
    start = time.perf_counter()
    tests, ok = test_suite()
    print("\n".join(tests), flush=True)
    report = ["## GPU check" + (" (dry run)" if dry else ""), "", *machine(dry), "",
              "### Tests on CuPy and on the device double", "", *tests, "",
              "### bench_gpu: seqlab on CuPy vs PyTorch on CUDA (cuDNN)", "",
              *benchmark(dry), "", f"Whole check: {time.perf_counter() - start:.0f} s"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(report) + "\n")
    print("\n".join(report[report.index("### bench_gpu: seqlab on CuPy vs PyTorch on CUDA "
                                        "(cuDNN)"):]))
    print(f"\nwritten to {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
