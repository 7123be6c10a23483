"""The CPU matrix: run the test suite under several floating-point paths of one machine.

Learners' CPUs take different floating-point paths through the same code: OpenBLAS picks its
GEMM kernels by CPU (AVX-512, AVX2, AVX: other summation orders), and NumPy picks its SIMD
loops for exp/tanh/log and reductions by CPU (AVX-512, AVX2, SSE: other last bits). One
machine can play several of those CPUs, because both libraries let the environment choose:

- ``OPENBLAS_CORETYPE=<name>`` makes OpenBLAS use that CPU family's kernels (only families the
  CPU can execute: Haswell needs AVX2 and FMA, Sandybridge needs AVX);
- ``NPY_DISABLE_CPU_FEATURES="<features>"`` makes NumPy dispatch as if the CPU lacked them
  (only features the CPU has may be named, or NumPy refuses to import).

A *leg* is one such choice. ``make test`` runs the whole suite (unit tests and nbval over the
learner and solution notebooks) once per leg this CPU can run, then the browser test once.

Usage::

    python tools/cpu_matrix.py list                  # the legs, and which this CPU can run
    python tools/cpu_matrix.py env haswell-avx2      # the environment of one leg (shell lines)
    python tools/cpu_matrix.py run [--leg NAME ...] -- <pytest arguments>
    python tools/cpu_matrix.py compare [--leg NAME ...] 10 26   # which outputs vary by leg

``run`` starts each leg with the machine's own pins removed (``OPENBLAS_CORETYPE``,
``OPENBLAS_L2_SIZE``, ``NPY_DISABLE_CPU_FEATURES``, ``NPY_ENABLE_CPU_FEATURES``), then sets the
leg's; checks in a fresh interpreter that the leg took effect (OpenBLAS reports the asked-for
kernels, NumPy no longer finds the disabled features), so a leg can never pass by testing the
default path twice; runs ``python -m pytest <arguments>``; and writes ``build/cpu-matrix.md``
(per leg: kernels, SIMD, pass/fail/skip counts, seconds). It exits non-zero if any leg fails.

``compare`` is for whoever writes a notebook: it executes the solution versions of the named
notebooks, made from their sources in ``notebooks/_sources/`` (no rebuild needed), under every
leg (into ``build/legs/<leg>/``) and prints each cell whose text output
is not the same on all legs, with the lines that differ. Such an output must be printed at a
precision that is the same on every leg, or be asserted in code and marked
``# NBVAL_IGNORE_OUTPUT`` (STYLE section 11); ``compare`` says which of the two it is now.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES",
        "NPY_ENABLE_CPU_FEATURES", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
# NumPy >= 2.4 groups x86 features in levels: X86_V2 (SSE4.2, the wheels' baseline), X86_V3
# (AVX2, FMA3), X86_V4 (AVX-512 F/CD/VL/BW/DQ), then AVX512_ICL and AVX512_SPR on top.
ABOVE_AVX2 = ("X86_V4", "AVX512_ICL", "AVX512_SPR")
ABOVE_SSE42 = ("X86_V3", *ABOVE_AVX2)


@dataclass(frozen=True)
class Leg:
    """One floating-point path: OpenBLAS kernels and NumPy SIMD loops."""

    name: str
    blas: str | None                  # OPENBLAS_CORETYPE, None = OpenBLAS's own choice
    numpy_off: tuple[str, ...] = ()   # NumPy features to disable (those the CPU has)
    needs: frozenset[str] = field(default_factory=frozenset)  # /proc/cpuinfo flags required
    plays: str = ""                   # which learners' machines this path stands for
    threads: int = 1                  # BLAS threads per process (0: one per core)

    def n_threads(self) -> int:
        return self.threads or cores()

    def env(self, found: set[str]) -> dict[str, str]:
        """The variables this leg sets, given the NumPy features the CPU has."""
        env = {"OPENBLAS_NUM_THREADS": str(self.n_threads()),
               "OMP_NUM_THREADS": str(self.n_threads())}
        if self.blas:
            env["OPENBLAS_CORETYPE"] = self.blas
        off = [f for f in self.numpy_off if f in found]
        if off:
            env["NPY_DISABLE_CPU_FEATURES"] = " ".join(off)
        return env


LEGS = (
    Leg("native", None, threads=0,
        plays="this CPU as a learner's would run it: no pins, one BLAS thread per core"),
    Leg("haswell", "Haswell", (), frozenset({"avx2", "fma"}),
        plays="AVX2 BLAS with this CPU's NumPy loops (how the development machines are pinned)"),
    Leg("haswell-avx2", "Haswell", ABOVE_AVX2, frozenset({"avx2", "fma"}), threads=0,
        plays="an AVX2 laptop or server (most Intel laptops, AMD Zen 1-3, many cloud CPUs), "
              "one BLAS thread per core"),
    Leg("sandybridge-sse", "Sandybridge", ABOVE_SSE42, frozenset({"avx"}),
        plays="an older CPU: AVX BLAS without FMA, NumPy's SSE4.2 baseline loops"),
)


def cores() -> int:
    """The cores this process may run on (a container's share, where the OS says)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    match = re.search(r"^flags\s*:\s*(.*)$", text, re.MULTILINE)
    return set(match.group(1).split()) if match else set()


PROBE = """
import json, threadpoolctl
from numpy._core._multiarray_umath import __cpu_features__ as f
blas = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
print(json.dumps({"found": sorted(k for k, v in f.items() if v),
                  "blas": [(i.get("internal_api"), i.get("architecture")) for i in blas],
                  "threads": sorted({i.get("num_threads") for i in blas})}))
"""


def probe(env: dict[str, str]) -> dict:
    """What NumPy and its BLAS report in a fresh interpreter with this environment."""
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def base_env() -> dict[str, str]:
    """This process's environment without the machine's floating-point pins."""
    return {k: v for k, v in os.environ.items() if k not in PINS}


def runnable(leg: Leg, flags: set[str], native: dict) -> str | None:
    """None if this machine can run the leg, else why not."""
    if platform.machine() not in ("x86_64", "AMD64") and leg.name != "native":
        return f"the x86 legs need an x86-64 CPU, this is {platform.machine()}"
    if leg.blas and not all(api == "openblas" for api, _ in native["blas"]):
        return f"NumPy's BLAS is {native['blas']}, not OpenBLAS: OPENBLAS_CORETYPE does nothing"
    missing = sorted(leg.needs - flags)
    if missing:
        return f"the CPU lacks {', '.join(missing)}"
    return None


def leg_env(leg: Leg, native: dict) -> dict[str, str]:
    return {**base_env(), **leg.env(set(native["found"])), "SEQLAB_CPU_LEG": leg.name}


def check_took_effect(leg: Leg, env: dict[str, str]) -> dict:
    """Probe the leg's interpreter; raise if OpenBLAS or NumPy ignored the leg's settings."""
    seen = probe(env)
    arch = {a for _, a in seen["blas"]}
    if leg.blas and arch != {leg.blas}:
        raise RuntimeError(f"leg {leg.name}: asked OpenBLAS for {leg.blas} kernels, it reports "
                           f"{sorted(arch)}")
    still = set(env.get("NPY_DISABLE_CPU_FEATURES", "").split()) & set(seen["found"])
    if still:
        raise RuntimeError(f"leg {leg.name}: NumPy still dispatches to {sorted(still)}")
    if seen["threads"] and seen["threads"] != [leg.n_threads()]:
        raise RuntimeError(f"leg {leg.name}: asked for {leg.n_threads()} BLAS threads, "
                           f"OpenBLAS runs {seen['threads']}")
    return seen


def workers(leg: Leg) -> int:
    """pytest-xdist workers for a leg: the cores divided among the BLAS threads."""
    return max(1, cores() // leg.n_threads())


def simd_level(found: list[str]) -> str:
    for level, name in (("AVX512_SPR", "AVX512_SPR"), ("AVX512_ICL", "AVX512_ICL"),
                        ("X86_V4", "AVX-512 (X86_V4)"), ("X86_V3", "AVX2 (X86_V3)"),
                        ("X86_V2", "SSE4.2 (X86_V2)")):
        if level in found:
            return name
    return "baseline"


def summary_counts(text: str) -> dict[str, int]:
    """passed/failed/skipped/errors from pytest's last summary line."""
    lines = [ln for ln in text.splitlines() if re.search(r"\d+ (passed|failed|error)", ln)]
    counts = {}
    for n, what in re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)",
                              lines[-1] if lines else ""):
        counts[what.rstrip("s") if what.startswith("error") else what] = int(n)
    return counts


def run(legs: list[Leg], pytest_args: list[str]) -> int:
    native = probe(base_env())
    flags = cpu_flags()
    rows, worst = [], 0
    for leg in legs:
        why = runnable(leg, flags, native)
        if why:
            print(f"\n=== leg {leg.name}: skipped ({why})", flush=True)
            rows.append(f"| {leg.name} | skipped: {why} | | | | | |")
            continue
        env = leg_env(leg, native)
        seen = check_took_effect(leg, env)
        shown = " ".join(f"{k}={v!r}" for k, v in leg.env(set(native["found"])).items())
        print(f"\n=== leg {leg.name}: {shown}; OpenBLAS "
              f"{'/'.join(a for _, a in seen['blas'])}, NumPy SIMD {simd_level(seen['found'])}, "
              f"{workers(leg)} pytest worker(s)", flush=True)
        start = time.perf_counter()
        args = ["-n", str(workers(leg)), "--dist", "loadfile", *pytest_args]
        proc = subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, bufsize=1)
        tail = []
        for line in proc.stdout:
            sys.stdout.write(line)
            tail = (tail + [line])[-400:]
        code = proc.wait()
        took = time.perf_counter() - start
        worst = worst or code
        c = summary_counts("".join(tail))
        rows.append(f"| {leg.name} | {'/'.join(a for _, a in seen['blas'])} | "
                    f"{simd_level(seen['found'])} | {leg.n_threads()} | {c.get('passed', 0)} / "
                    f"{c.get('failed', 0) + c.get('error', 0)} / {c.get('skipped', 0)} | "
                    f"{took:.0f} | {'ok' if code == 0 else f'FAILED (exit {code})'} |")
    table = ["| leg | OpenBLAS kernels | NumPy SIMD | BLAS threads | passed / failed / skipped | "
             "seconds | result |", "|---|---|---|---:|---|---:|---|", *rows]
    out = ROOT / "build" / "cpu-matrix.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(table) + "\n")
    print("\n" + "\n".join(table), flush=True)
    return worst


def _text_outputs(cell) -> list[str]:
    """The text a learner reads in a cell's outputs (streams, text/plain, errors), by line;
    a stream's pieces are joined first, as nbval does."""
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            texts.append(f"\nERROR {out.get('ename')}: {out.get('evalue')}\n")
        text = out.get("text") or out.get("data", {}).get("text/plain") or ""
        texts.append("".join(text) if isinstance(text, list) else text)
    return "".join(texts).splitlines()


EXECUTE = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import build_notebooks
from nbclient import NotebookClient
src, dest = Path(sys.argv[1]), Path(sys.argv[2])
_, nb = build_notebooks.versions(src)          # the solution version, from the source
NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": str(build_notebooks.NOTEBOOKS)}}).execute()
dest.write_text(json.dumps([{"source": c.source, "outputs": c.get("outputs", [])}
                            for c in nb.cells if c.cell_type == "code"]))
"""


def _run_quietly(cmd: list[str], env: dict) -> None:
    """Run; show the output (the kernels' chatter) only when it fails."""
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{cmd[3]} failed under {env['SEQLAB_CPU_LEG']}:\n{proc.stderr}")


def compare(legs: list[Leg], prefixes: list[str], reuse: bool = False) -> int:
    """Execute notebooks under every leg (unless ``reuse``: the last run's outputs); print the
    cells whose text output differs."""
    from concurrent.futures import ThreadPoolExecutor

    native, flags = probe(base_env()), cpu_flags()
    legs = [leg for leg in legs if not runnable(leg, flags, native)]
    paths = sorted(p for p in (ROOT / "notebooks" / "_sources").glob("*.py")
                   if not prefixes or p.name.startswith(tuple(prefixes)))
    for leg in legs if not reuse else ():
        env, out = leg_env(leg, native), ROOT / "build" / "legs" / leg.name
        check_took_effect(leg, env)
        out.mkdir(parents=True, exist_ok=True)
        print(f"executing {len(paths)} notebook(s) under leg {leg.name}", flush=True)
        jobs = [[sys.executable, "-c", EXECUTE, str(p), str(out / f"{p.stem}.json"),
                 str(ROOT / "tools")] for p in paths]
        with ThreadPoolExecutor(workers(leg)) as pool:
            list(pool.map(lambda cmd, env=env: _run_quietly(cmd, env), jobs))
    varying = 0
    for path in paths:
        runs = {leg.name: json.loads((ROOT / "build" / "legs" / leg.name /
                                      f"{path.stem}.json").read_text()) for leg in legs}
        for i, cells in enumerate(zip(*runs.values(), strict=True)):
            texts = {name: _text_outputs(c) for name, c in zip(runs, cells, strict=True)}
            if len({tuple(t) for t in texts.values()}) == 1:
                continue
            varying += 1
            ignored = cells[0]["source"].startswith("# NBVAL_IGNORE_OUTPUT")
            print(f"\n{path.stem} code cell {i} "
                  f"({'ignored, asserted in code' if ignored else 'COMPARED BY NBVAL'}): "
                  f"{cells[0]['source'].splitlines()[0][:70]}")
            common = set.intersection(*(set(t) for t in texts.values()))
            for name, t in texts.items():
                for line in t:
                    if line not in common:
                        print(f"  {name:16} {line[:110]}")
    print(f"\n{varying} cell(s) of {len(paths)} notebook(s) differ across {len(legs)} legs")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="the legs and which this CPU can run")
    env_p = sub.add_parser("env", help="print one leg's environment as shell assignments")
    env_p.add_argument("leg")
    run_p = sub.add_parser("run", help="run pytest once per leg")
    run_p.add_argument("--leg", action="append", help="only this leg (repeatable)")
    run_p.add_argument("pytest_args", nargs=argparse.REMAINDER)
    cmp_p = sub.add_parser("compare", help="which notebook outputs differ between legs")
    cmp_p.add_argument("--leg", action="append", help="only this leg (repeatable)")
    cmp_p.add_argument("prefixes", nargs="*", help="notebooks whose name starts with these")
    cmp_p.add_argument("--reuse", action="store_true", help="compare the last run's outputs")
    args = parser.parse_args(argv)
    by_name = {leg.name: leg for leg in LEGS}
    native = probe(base_env())
    if args.cmd == "list":
        flags = cpu_flags()
        for leg in LEGS:
            why = runnable(leg, flags, native)
            env = " ".join(f"{k}={v!r}" for k, v in leg.env(set(native["found"])).items())
            print(f"{leg.name:16} {'runs' if not why else 'skip: ' + why}\n"
                  f"{'':16} {env or '(no pins)'}\n{'':16} {leg.plays}")
        return 0
    if args.cmd == "env":
        if args.leg not in by_name:
            parser.error(f"unknown leg {args.leg!r}; legs: {', '.join(by_name)}")
        for pin in PINS:
            print(f"unset {pin}")
        for k, v in by_name[args.leg].env(set(native["found"])).items():
            print(f"export {k}={v!r}")
        return 0
    names = args.leg or list(by_name)
    unknown = [n for n in names if n not in by_name]
    if unknown:
        parser.error(f"unknown leg(s) {unknown}; legs: {', '.join(by_name)}")
    if args.cmd == "compare":
        return compare([by_name[n] for n in names], args.prefixes, args.reuse)
    pytest_args = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    return run([by_name[n] for n in names], pytest_args)


if __name__ == "__main__":
    sys.exit(main())
