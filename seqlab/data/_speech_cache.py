"""The speech clip cache of :mod:`seqlab.data.speech`: checksummed ``.npy`` files and a
manifest, safe for many threads and processes filling one folder at once.

- A clip is written under a temporary name unique to its process and thread
  (``tempfile.mkstemp`` in the cache folder), then renamed into place atomically: two writers
  of one key never share a temp file, and a reader sees the old file or the new one, never half.
- ``manifest.json`` maps each key to the SHA-256 of its file. It is updated under a lock (a
  thread lock, then ``flock`` for other processes), by read-merge-write, atomically.
- The manifest is validated on read: entries that are not (32-hex key, 64-hex digest) pairs are
  dropped and the others kept; a manifest that is not a JSON object at all (``[]``, a
  truncated file) is rebuilt from the clips in the folder, each checked as a waveform first.
- A hit must match its checksum and be a float32 waveform (N,) with N > 0 of finite samples in
  [-1, 1]; anything else is a miss, and the clip is synthesized again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import tempfile
import threading
from pathlib import Path

import numpy as np

MANIFEST = "manifest.json"
_KEY = re.compile(r"[0-9a-f]{32}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_LOCK = threading.Lock()               # flock orders processes; this orders this one's threads


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_waveform(wav) -> bool:
    """A clip as the cache stores it: float32 (N,), N > 0, finite samples in [-1, 1]."""
    return (isinstance(wav, np.ndarray) and wav.dtype == np.float32 and wav.ndim == 1
            and wav.size > 0 and bool(np.isfinite(wav).all()) and float(np.abs(wav).max()) <= 1)


def load_clip(folder: Path, key: str, digest: str | None) -> np.ndarray | None:
    """The cached clip of ``key`` if its bytes have the manifest's ``digest`` and hold a
    waveform (:func:`is_waveform`); None for a miss."""
    if digest is None:
        return None
    try:
        data = (folder / f"{key}.npy").read_bytes()
    except OSError:
        return None
    if sha(data) != digest:
        return None
    try:
        wav = np.load(io.BytesIO(data), allow_pickle=False)
    except (OSError, ValueError):
        return None
    return wav if is_waveform(wav) else None


def save_clip(folder: Path, key: str, wav: np.ndarray) -> str:
    """Write ``<key>.npy`` atomically through a temp file unique to this process and thread;
    returns the SHA-256 of the bytes written."""
    buf = io.BytesIO()
    np.save(buf, wav)
    data = buf.getvalue()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / f"{key}.npy")
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return sha(data)


def read_manifest(folder: Path) -> dict:
    """{key: digest}, validated; a damaged manifest is repaired on disk (module docstring)."""
    manifest, damaged = _load(folder)
    if not damaged:
        return manifest
    with _locked(folder):
        manifest, damaged = _load(folder)              # another writer may have repaired it
        if damaged:
            manifest = _rebuild(folder, manifest)
            _write(folder, manifest)
    return manifest


def update_manifest(folder: Path, entries: dict) -> None:
    """Merge ``entries`` into the manifest: read, merge, write, under the lock."""
    if not entries:
        return
    with _locked(folder):
        manifest, damaged = _load(folder)
        if damaged:
            manifest = _rebuild(folder, manifest)
        manifest.update(entries)
        _write(folder, manifest)


@contextlib.contextmanager
def _locked(folder: Path):
    with _LOCK, open(folder / "manifest.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _load(folder: Path) -> tuple[dict, bool]:
    """(the valid entries, whether anything was invalid or unreadable)."""
    try:
        raw = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        return {}, False
    except (OSError, ValueError):                      # truncated or not JSON
        return {}, True
    if not isinstance(raw, dict):                      # e.g. [] or "text"
        return {}, True
    good = {k: v for k, v in raw.items()
            if isinstance(k, str) and _KEY.fullmatch(k) and isinstance(v, str)
            and _DIGEST.fullmatch(v)}
    return good, len(good) != len(raw)


def _rebuild(folder: Path, manifest: dict) -> dict:
    """The valid entries plus every clip in the folder that has none and is a waveform."""
    out = dict(manifest)
    for path in folder.glob("*.npy"):
        key = path.stem
        if key in out or not _KEY.fullmatch(key):
            continue
        try:
            data = path.read_bytes()
            wav = np.load(io.BytesIO(data), allow_pickle=False)
        except (OSError, ValueError):
            continue
        if is_waveform(wav):
            out[key] = sha(data)
    return out


def _write(folder: Path, manifest: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".manifest.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(manifest, sort_keys=True))
        os.replace(tmp, folder / MANIFEST)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
