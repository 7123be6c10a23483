"""Extract the soprano melodies of the Bach chorales into ``seqlab/data/chorales.npz``.

music21 ships the 371 four-part chorales in Riemenschneider's numbering (21 of the numbers
repeat an earlier file, which is kept once: 350 distinct chorales). music21 is large (114 MB
installed) and slow to parse (about 25 s for all of them), so learners never need it: this
script runs once, and the small ``.npz`` it writes is committed and read by
:func:`seqlab.data.music.load_chorales`.

For each chorale the melody is the first part named "Soprano..." (the file's first part when
no part is named, as in the Humdrum files), with tied notes merged, grace notes dropped and a
chord (70 in the whole corpus, all in the upper part of a doubled line) reduced to its top note.

Stored arrays (``n`` events over all chorales, ``k`` chorales)::

    pitch           int8 (n,)    MIDI number, -1 for a rest
    duration        float32 (n,) in quarter notes (multiples of 1/8, so exact in float32)
    fermata         bool (n,)    the event carries a fermata (the end of a phrase)
    start           int32 (k+1,) chorale i is events start[i]:start[i+1]
    number          int16 (k,)   Riemenschneider number
    bwv, title      str (k,)     e.g. "bwv269", "Aus meines Herzens Grunde"
    tonic           int8 (k,)    pitch class 0-11 of the key (C = 0)
    mode            str (k,)     "major" or "minor"
    time_signature  str (k,)     e.g. "4/4"
    source          str ()       music21 version and corpus

The file is byte-for-byte deterministic: zip entries are written with a fixed timestamp.

Usage::

    pip install music21==10.5.1
    python tools/extract_chorales.py            # writes seqlab/data/chorales.npz
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "seqlab" / "data" / "chorales.npz"
REST = -1
GRID = 8  # durations are multiples of 1 / GRID quarter notes


def soprano_part(score):
    """The melody part: the first part whose id or name starts with "Soprano", else part 0."""
    for part in score.parts:
        names = (str(part.id or ""), str(part.partName or ""))
        if any(n.startswith("Soprano") for n in names):
            return part
    return score.parts[0]


def extract_soprano(score) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pitch int8 (n,), duration float32 (n,), fermata bool (n,)) of one chorale's melody."""
    from music21 import expressions

    pitch, duration, fermata = [], [], []
    for el in soprano_part(score).stripTies().flatten().notesAndRests:
        ql = float(el.quarterLength)
        if ql == 0:  # grace note
            continue
        if ql * GRID != round(ql * GRID):
            raise ValueError(f"duration {ql} is not a multiple of 1/{GRID} quarter note")
        if el.isRest:
            midi = REST
        elif el.isChord:
            midi = max(p.midi for p in el.pitches)
        else:
            midi = el.pitch.midi
        pitch.append(midi)
        duration.append(ql)
        fermata.append(any(isinstance(e, expressions.Fermata) for e in el.expressions))
    return (np.array(pitch, dtype=np.int8), np.array(duration, dtype=np.float32),
            np.array(fermata, dtype=bool))


def key_of(score) -> tuple[int, str]:
    """(tonic pitch class, mode) from the encoded key; analysed when only a signature is given."""
    from music21 import key

    sigs = list(score.recurse().getElementsByClass(key.KeySignature))
    k = sigs[0] if sigs and isinstance(sigs[0], key.Key) else score.analyze("key")
    return int(k.tonic.pitchClass), str(k.mode)


def time_signature_of(score) -> str:
    from music21 import meter

    sigs = list(score.recurse().getElementsByClass(meter.TimeSignature))
    return sigs[0].ratioString if sigs else ""


def chorale_files(limit: int | None = None) -> list[tuple[int, str]]:
    """[(Riemenschneider number, corpus file)] in order, each file once."""
    from music21 import corpus

    seen, out = set(), []
    it = corpus.chorales.Iterator(returnType="filename")
    for number, name in enumerate(it, start=1):
        if name not in seen:
            seen.add(name)
            out.append((number, name))
    return out[:limit]


def extract(limit: int | None = None, progress: bool = True) -> dict[str, np.ndarray]:
    """All stored arrays (see the module docstring) for the first ``limit`` distinct chorales."""
    import music21
    from music21 import corpus
    from music21.corpus.chorales import ChoraleListRKBWV

    files = chorale_files(limit)
    if progress:
        from tqdm.auto import tqdm
        files = tqdm(files, desc="parsing chorales")
    titles = {n: entry["title"] for n, entry in ChoraleListRKBWV().byRiemenschneider.items()}
    pitches, durations, fermatas, meta = [], [], [], []
    for number, name in files:
        score = corpus.parse(name)
        p, d, f = extract_soprano(score)
        pitches.append(p)
        durations.append(d)
        fermatas.append(f)
        meta.append((number, Path(name).name, titles.get(number, ""), *key_of(score),
                     time_signature_of(score)))
    lengths = [len(p) for p in pitches]
    number, bwv, title, tonic, mode, ts = zip(*meta, strict=True)
    return {
        "pitch": np.concatenate(pitches), "duration": np.concatenate(durations),
        "fermata": np.concatenate(fermatas),
        "start": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32),
        "number": np.array(number, dtype=np.int16), "bwv": np.array(bwv),
        "title": np.array(title), "tonic": np.array(tonic, dtype=np.int8),
        "mode": np.array(mode), "time_signature": np.array(ts),
        "source": np.array(f"music21 {music21.__version__} corpus.chorales.Iterator() "
                           "(Riemenschneider), soprano parts"),
    }


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but byte-for-byte reproducible (fixed zip timestamps)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"default {OUT.relative_to(ROOT)}")
    parser.add_argument("--limit", type=int, default=None, help="only the first N chorales")
    args = parser.parse_args(argv)
    arrays = extract(args.limit)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_npz(args.out, arrays)
    n = len(arrays["bwv"])
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB): {n} chorales, "
          f"{len(arrays['pitch'])} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
