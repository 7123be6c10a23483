"""The speech cache (seqlab.data._speech_cache) under damage and under concurrency: a damaged
manifest is repaired without losing entries, a wrong-typed hit is a miss, a key repeated in a
batch is synthesized once, and two processes plus many threads can fill one cache at once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from seqlab.data import _speech_cache as store
from seqlab.data import speech as sp

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng is not installed (apt-get install espeak-ng)")
ROOT = Path(__file__).resolve().parents[1]
WORDS = ["yes", "no", "up", "down", "left", "right", "stop", "go"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQLAB_CACHE", str(tmp_path))
    return tmp_path / "speech"


@pytest.fixture
def calls(monkeypatch):
    made = []
    real = sp._run_espeak
    monkeypatch.setattr(sp, "_run_espeak", lambda *a: made.append(a[0]) or real(*a))
    return made


def _manifest(cache: Path):
    return json.loads((cache / "manifest.json").read_text())


@pytest.mark.parametrize("damage", ["[]", '"text"', "{", "", '{"k": 1}'])
def test_a_damaged_manifest_is_rebuilt_from_the_clips(cache, calls, damage):
    first = sp.synthesize_batch(WORDS[:3], [("en-us", 150, 50)] * 3)
    good = _manifest(cache)
    (cache / "manifest.json").write_text(damage)                 # [] raised AttributeError
    again = sp.synthesize_batch(WORDS[:3], [("en-us", 150, 50)] * 3)
    assert len(calls) == 3                                       # kept: no resynthesis
    assert _manifest(cache) == good                              # repaired on disk
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_invalid_manifest_entries_are_dropped_and_the_others_kept(cache, calls):
    sp.synthesize_batch(WORDS[:2], [("en-us", 150, 50)] * 2)
    good = _manifest(cache)
    (cache / "manifest.json").write_text(json.dumps({**good, "x" * 32: 7, "short": "ab"}))
    sp.synthesize_batch(WORDS[:2], [("en-us", 150, 50)] * 2)
    assert len(calls) == 2 and _manifest(cache) == good


@pytest.mark.parametrize("bad", [np.zeros(100), np.zeros((2, 50), np.float32),
                                 np.zeros(0, np.float32), np.full(10, 2.0, np.float32)])
def test_a_checksummed_hit_that_is_not_a_waveform_is_a_miss(cache, calls, bad):
    wav = sp.synthesize("yes")
    (key, _), = _manifest(cache).items()
    digest = store.save_clip(cache, key, bad)                    # checksum matches the file
    store.update_manifest(cache, {key: digest})
    again = sp.synthesize("yes")
    assert len(calls) == 2 and again.dtype == np.float32 and np.array_equal(again, wav)


def test_a_key_repeated_in_a_batch_is_synthesized_once(cache, calls):
    texts = ["yes", "no", "yes", "yes", "no"]                    # as word_pool("test", seed=2)
    out = sp.synthesize_batch(texts, [("en-us", 150, 50)] * 5, workers=4)
    assert sorted(calls) == ["no", "yes"]
    assert np.array_equal(out[0], out[2]) and out[0] is not out[2]   # copies, not aliases
    out[2][:] = 0
    assert np.any(out[0] != 0)
    assert not list(cache.glob(".*.tmp"))                        # no temp file left behind


_WORKER = """
import json, sys, time
from pathlib import Path
from seqlab.data import speech as sp
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.001)
texts = json.loads(sys.argv[2])
out = sp.synthesize_batch(texts, [("en-us", 150, 50)] * len(texts), workers=4)
print(json.dumps([w.tobytes().hex()[:64] + str(w.size) for w in out]))
"""


def _fingerprint(w: np.ndarray) -> str:
    return w.tobytes().hex()[:64] + str(w.size)


def test_two_processes_and_many_threads_fill_one_cache(tmp_path, monkeypatch):
    """The race: every writer starts at once on overlapping batches with repeated keys."""
    monkeypatch.setenv("SEQLAB_CACHE", str(tmp_path))
    cache = tmp_path / "speech"
    truth = {w: _fingerprint(sp.synthesize(w, cache=False)) for w in WORDS}
    batches = [[WORDS[(i + k) % 8] for k in range(10)] for i in range(8)]   # each repeats 2
    go = tmp_path / "go"
    env = {**os.environ, "SEQLAB_CACHE": str(tmp_path), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(go), json.dumps(b)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=ROOT) for b in batches[:2]]
    results, errors = {}, []
    barrier = threading.Barrier(6)

    def thread(j):
        try:
            barrier.wait()
            out = sp.synthesize_batch(batches[2 + j], [("en-us", 150, 50)] * 10, workers=3)
            results[j] = [_fingerprint(w) for w in out]
        except Exception as e:                                   # pragma: no cover
            errors.append(repr(e))

    threads = [threading.Thread(target=thread, args=(j,)) for j in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.5)                                              # the processes are importing
    go.touch()
    for t in threads:
        t.join(60)
    outs = [p.communicate(timeout=60) for p in procs]
    assert not errors, errors
    for p, (_, stderr) in zip(procs, outs, strict=True):
        assert p.returncode == 0, stderr
    got = [json.loads(stdout) for stdout, _ in outs] + [results[j] for j in range(6)]
    for batch, prints in zip(batches, got, strict=True):
        assert prints == [truth[w] for w in batch]
    manifest = _manifest(cache)
    assert len(manifest) == len(WORDS)
    for key, digest in manifest.items():
        assert store.sha((cache / f"{key}.npy").read_bytes()) == digest
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        [f"{k}.npy" for k in manifest] + ["manifest.json", "manifest.lock"])
