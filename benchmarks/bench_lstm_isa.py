"""The LSTM training step vs torch at EQUAL instruction sets (a fairness check of bench_lstm).

Each side picks its own SIMD kernels: NumPy's OpenBLAS from ``OPENBLAS_CORETYPE`` (when set)
or from the CPU, torch from its own dispatch (ATen ``ATEN_CPU_CAPABILITY``, MKL, oneDNN). On a
machine whose environment pins OpenBLAS to AVX2 (``OPENBLAS_CORETYPE=Haswell``) while torch
uses AVX-512, the main table compares 8-wide against 16-wide float32 arithmetic. This module
runs bench_lstm's three training cases again in fresh processes with both sides on the same
instruction set:

- **both AVX2**: OpenBLAS Haswell kernels; torch with ``ATEN_CPU_CAPABILITY=avx2``,
  ``MKL_ENABLE_INSTRUCTIONS=AVX2``, ``ONEDNN_MAX_CPU_ISA=AVX2``;
- **both AVX-512** (only where the CPU has it): OpenBLAS's own choice for the CPU
  (``OPENBLAS_CORETYPE`` removed), torch's defaults.

Under each table: both sides' GEMM GFLOP/s, NumPy's GEMM peak and the time of seqlab's products
alone, as in bench_lstm's notes.

    python benchmarks/bench_lstm_isa.py      # or: python benchmarks/run.py lstm_isa
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CONFIGS = {
    "both AVX2": ({"OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "avx2",
                   "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}, ()),
    "both AVX-512": ({}, ("OPENBLAS_CORETYPE",)),
}


def _has_avx512() -> bool:
    try:
        return " avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def _child() -> None:
    """In the fresh process: the ISA each side uses, then bench_lstm's training-case rows."""
    sys.path.insert(0, str(HERE))
    import bench_lstm
    import torch
    from harness import measure
    from threadpoolctl import threadpool_info

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    blas = [i.get("architecture") for i in threadpool_info() if i.get("user_api") == "blas"]
    print(f"isa: OpenBLAS {blas[0] if blas else '?'}, torch "
          f"{torch.backends.cpu.get_cpu_capability()}", flush=True)
    results = []
    for case in bench_lstm.cases():
        if "fwd+bwd" in case.name and not case.name.endswith(bench_lstm.ONEDNN_OFF):
            results.append(measure(case, repeats=bench_lstm.REPEATS))
            print(results[-1].row(), flush=True)
    for line in bench_lstm.notes(results):  # GFLOP/s, the peak and the GEMMs-alone floor
        print(f"note: {line}", flush=True)


def main(argv: list[str]) -> None:
    configs = {k: v for k, v in CONFIGS.items() if k != "both AVX-512" or _has_avx512()}
    print("LSTM training step vs torch at equal instruction sets (fresh process each; "
          "bench_lstm's cases):")
    for label, (set_env, unset) in configs.items():
        env = {k: v for k, v in os.environ.items() if k not in unset} | set_env
        env.setdefault("OMP_NUM_THREADS", "2")
        out = subprocess.run([sys.executable, __file__, "--child"], env=env, text=True,
                             capture_output=True, check=True).stdout.splitlines()
        isa = next((line[5:] for line in out if line.startswith("isa: ")), "?")
        print(f"\n{label} ({isa}):\n")
        print("| benchmark | seqlab | reference | reference | unit | ratio (seqlab/ref) |")
        print("|---|---:|---|---:|---|---:|")
        for line in out:
            if line.startswith("| LSTM"):
                print(line)
        print()
        for line in out:
            if line.startswith("note: ") and line[6:].strip():
                print(line[6:])


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _child()
    else:
        main(sys.argv[1:])
