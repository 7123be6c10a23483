"""Arrays and their metadata in one compressed .npz file: every shipped model and dataset."""

from __future__ import annotations

import json

import numpy as np

from seqlab.backend import _checks, to_device, to_numpy

__all__ = ["load_arrays", "save_arrays"]


def save_arrays(path, arrays: dict, meta: dict | None = None) -> None:
    """Write host copies of ``arrays`` (and a JSON-able ``meta`` dict) to one compressed .npz."""
    meta_json = _checks().check_save(arrays, meta)
    _checks().check_path(path, "save_arrays(path)")
    np.savez_compressed(path, __meta__=np.array(meta_json),
                        **{k: to_numpy(v) for k, v in arrays.items()})


def load_arrays(path) -> tuple[dict, dict]:
    """(arrays, meta) from a file written by :func:`save_arrays`: numeric arrays on the default
    device, the others (words) on the host: CuPy has no string dtypes."""
    _checks().check_path(path, "load_arrays(path)")
    with np.load(path) as data:
        meta = json.loads(str(data["__meta__"])) if "__meta__" in data.files else {}
        arrays = {k: to_device(data[k]) if data[k].dtype.kind in "biufc" else data[k]
                  for k in data.files if k != "__meta__"}
    return arrays, meta
