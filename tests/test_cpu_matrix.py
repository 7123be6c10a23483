"""The CPU matrix (tools/cpu_matrix.py): legs that a CPU can run, and legs that take effect.

A leg that silently did not change the floating-point path would test the default path twice
and call it a matrix; ``check_took_effect`` refuses that, and these tests check that it does.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("cpu_matrix", ROOT / "tools" / "cpu_matrix.py")
cm = sys.modules["cpu_matrix"] = importlib.util.module_from_spec(_spec)   # dataclasses need it
_spec.loader.exec_module(cm)

OPENBLAS = {"found": ["X86_V2", "X86_V3"], "blas": [["openblas", "Haswell"]], "threads": [1]}
LEGS = {leg.name: leg for leg in cm.LEGS}


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86 legs")
def test_legs_need_what_their_kernels_execute():
    flags_avx_only = {"avx", "sse4_2"}
    assert cm.runnable(LEGS["sandybridge-sse"], flags_avx_only, OPENBLAS) is None
    assert "avx2" in cm.runnable(LEGS["haswell"], flags_avx_only, OPENBLAS)
    mkl = dict(OPENBLAS, blas=[["mkl", "Skylake"]])
    assert "not OpenBLAS" in cm.runnable(LEGS["haswell"], {"avx2", "fma"}, mkl)
    assert cm.runnable(LEGS["native"], set(), mkl) is None


def test_a_leg_disables_only_features_the_cpu_has():
    env = LEGS["sandybridge-sse"].env({"X86_V2", "X86_V3"})        # an AVX2 CPU, no AVX-512
    assert env["NPY_DISABLE_CPU_FEATURES"] == "X86_V3"
    assert env["OPENBLAS_CORETYPE"] == "Sandybridge" and env["OPENBLAS_NUM_THREADS"] == "1"
    assert "NPY_DISABLE_CPU_FEATURES" not in LEGS["haswell-avx2"].env({"X86_V2", "X86_V3"})


def test_the_machines_pins_do_not_leak_into_a_leg(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", "X86_V4")
    env = cm.leg_env(LEGS["native"], OPENBLAS)
    assert "OPENBLAS_CORETYPE" not in env and "NPY_DISABLE_CPU_FEATURES" not in env
    assert env["SEQLAB_CPU_LEG"] == "native"


@pytest.mark.parametrize("leg", cm.LEGS, ids=lambda leg: leg.name)
def test_every_runnable_leg_takes_effect_here(leg):
    native = cm.probe(cm.base_env())
    why = cm.runnable(leg, cm.cpu_flags(), native)
    if why:
        pytest.skip(why)
    seen = cm.check_took_effect(leg, cm.leg_env(leg, native))   # raises if it did not
    assert seen["threads"] in ([leg.n_threads()], [])


def test_a_leg_that_does_not_take_effect_is_refused():
    native = cm.probe(cm.base_env())
    if cm.runnable(LEGS["haswell"], cm.cpu_flags(), native):
        pytest.skip("no OpenBLAS Haswell leg on this machine")
    env = dict(cm.leg_env(LEGS["haswell"], native), OPENBLAS_CORETYPE="Sandybridge")
    with pytest.raises(RuntimeError, match="asked OpenBLAS for Haswell kernels"):
        cm.check_took_effect(LEGS["haswell"], env)


def test_summary_counts_reads_pytests_last_line():
    text = "...\n== 1 failed, 3902 passed, 20 skipped, 2 errors in 1490.92s (0:24:50) ==\n"
    assert cm.summary_counts(text) == {"failed": 1, "passed": 3902, "skipped": 20, "error": 2}
    assert cm.summary_counts("no summary") == {}
