#!/usr/bin/env bash
# The GPU check of issue 20, in one command on a machine with an NVIDIA GPU and no network:
# the CuPy test suite (parity of every model, a few training steps and the decoding of each
# week's task model) and bench_gpu (CuPy vs cuDNN LSTM at (256, 100, 512, 1024), Transformer
# step), written to benchmarks/results/gpu_check.md for docs/gpu.md. About 2-4 minutes.
#
#   bash benchmarks/gpu_check.sh --fetch-wheels   # once, where PyPI is reachable: the wheels the
#                                                 # GPU image lacks (babel, num2words) -> .whl/
#   bash benchmarks/gpu_check.sh                  # on the GPU machine, from a checkout carrying
#                                                 # .whl/ (the device tool: carry [".whl"])
#   bash benchmarks/gpu_check.sh --dry            # anywhere: checks this script without a GPU
#
# Without a GPU it stops at once with exit status 2 and says why. PYTHON (default python3) is
# the interpreter that has CuPy and torch; seqlab runs from this checkout (PYTHONPATH), not
# installed. Exit status 1: a test failed (the report says which).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WHEELS=.whl
SITE=build/gpu_site
OUT=${GPU_CHECK_OUT:-benchmarks/results/gpu_check.md}
NEEDED="babel==2.18.0 num2words==0.5.14"      # pure-Python; versions as in constraints.txt

fail() { echo "gpu_check: $*; nothing was run." >&2; exit 2; }

if [[ ${1:-} == --fetch-wheels ]]; then
    # shellcheck disable=SC2086
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$WHEELS" $NEEDED
    ls -l "$WHEELS"
    exit 0
fi
DRY=""
if [[ ${1:-} == --dry ]]; then
    DRY=--dry
    OUT=${GPU_CHECK_OUT:-build/gpu_check_dry.md}
else
    command -v nvidia-smi >/dev/null || fail "no nvidia-smi: this machine has no NVIDIA driver"
    nvidia-smi -L >/dev/null 2>&1 || fail "nvidia-smi sees no GPU"
    "$PY" -c "import cupy; assert cupy.cuda.runtime.getDeviceCount() > 0" 2>/dev/null \
        || fail "CuPy is not installed for $PY or sees no GPU"
    "$PY" -c "import torch; assert torch.cuda.is_available()" 2>/dev/null \
        || fail "torch ($PY) sees no CUDA device, so there is no cuDNN reference"
fi

# the packages seqlab's tested modules import that the image may lack, from the carried wheels
missing=$("$PY" -c "
import importlib.util as u
print(' '.join(p for p, m in (('babel', 'babel'), ('num2words', 'num2words'), ('tqdm', 'tqdm'),
      ('threadpoolctl', 'threadpoolctl'), ('pytest', 'pytest')) if u.find_spec(m) is None))")
if [[ -n $missing ]]; then
    ls "$WHEELS"/*.whl >/dev/null 2>&1 || fail "$PY lacks $missing and there is no $WHEELS/: \
run 'bash benchmarks/gpu_check.sh --fetch-wheels' where PyPI is reachable and carry $WHEELS/"
    # shellcheck disable=SC2086
    "$PY" -m pip install --quiet --no-index --no-deps --find-links "$WHEELS" --target "$SITE" \
        $missing || fail "could not install $missing from $WHEELS/"
    export PYTHONPATH="$PWD/$SITE${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
unset SEQLAB_CUPY_MODULE SEQLAB_BACKEND       # the real CuPy, and no pinned backend
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-4}

timeout 900 "$PY" benchmarks/gpu_check.py "$OUT" $DRY
