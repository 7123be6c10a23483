"""How much the floating-point paths of the CPU matrix differ, op by op (docs/determinism.md).

Runs the same NumPy operations on the same inputs under every leg of ``tools/cpu_matrix.py``
this CPU can run (each in a fresh interpreter with the leg's environment) and prints, per
operation and dtype, the share of results that differ from the first leg's bit for bit and the
largest relative difference. Then, on the first leg, the same for one BLAS thread against one
per core. Usage::

    python tools/fp_paths.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu_matrix  # noqa: E402

MEASURE = r"""
import sys
import numpy as np
from threadpoolctl import threadpool_limits
rng = np.random.default_rng(0)
out = {}
for dt in (np.float32, np.float64):
    name = np.dtype(dt).name
    x = rng.normal(scale=3, size=1_000_000).astype(dt)
    out[f"exp {name}"] = np.exp(x)
    out[f"tanh {name}"] = np.tanh(x)
    out[f"log {name}"] = np.log(np.abs(x) + dt(0.1))
    out[f"sum {name}"] = np.array([x[:n].sum() for n in (10, 1000, 100_000, 1_000_000)])
    for m, k, n in ((64, 256, 128), (256, 256, 256), (13, 300, 500), (128, 256, 32)):
        A, B = rng.normal(size=(m, k)).astype(dt), rng.normal(size=(k, n)).astype(dt)
        with threadpool_limits(1, "blas"):
            out[f"matmul {m}x{k}x{n} {name}"] = A @ B
        out[f"matmul {m}x{k}x{n} {name} (2 threads)"] = A @ B     # OPENBLAS_NUM_THREADS=2
np.savez(sys.argv[1], **out)
"""


def measure(env: dict, path: Path) -> dict:
    subprocess.run([sys.executable, "-c", MEASURE, str(path)], env=env, check=True)
    with np.load(path) as f:
        return dict(f)


def differ(a, b) -> str:
    rel = np.abs(a.astype(np.float64) - b) / np.maximum(np.abs(b.astype(np.float64)), 1e-300)
    return f"{100 * np.mean(a != b):5.1f}% / {rel.max():.0e}"


def main() -> int:
    native, flags = cpu_matrix.probe(cpu_matrix.base_env()), cpu_matrix.cpu_flags()
    legs = [leg for leg in cpu_matrix.LEGS if not cpu_matrix.runnable(leg, flags, native)]
    with tempfile.TemporaryDirectory() as tmp:
        runs = {leg.name: measure(dict(cpu_matrix.leg_env(leg, native), OPENBLAS_NUM_THREADS="2"),
                                  Path(tmp) / f"{leg.name}.npz") for leg in legs}
    first, base = legs[0].name, runs[legs[0].name]
    print(f"share of results that differ from leg {first} / largest relative difference\n")
    print(f"| operation | {' | '.join(leg.name for leg in legs[1:])} |")
    print(f"|---|{'---|' * (len(legs) - 1)}")
    for key in base:
        if not key.endswith("(2 threads)"):
            print(f"| {key} | " + " | ".join(differ(runs[leg.name][key], base[key])
                                             for leg in legs[1:]) + " |")
    print("\nthe products on 2 BLAS threads against 1, leg by leg (same kernels)\n")
    print(f"| product | {' | '.join(leg.name for leg in legs)} |")
    print(f"|---|{'---|' * len(legs)}")
    for key in base:
        if key.endswith("(2 threads)"):
            one = key[:-len(" (2 threads)")]
            print(f"| {one} | " + " | ".join(differ(runs[leg.name][key], runs[leg.name][one])
                                             for leg in legs) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
