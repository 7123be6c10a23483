"""Train the shipped CTC speech recognizer: seqlab/speech/pretrained/digits_ctc.npz.

    OPENBLAS_NUM_THREADS=1 python tools/train_speech.py            # ~10-15 min on one core

Data: spoken digit strings (2-5 digits) and short words synthesized by espeak-ng with the
TRAINING speakers of :func:`seqlab.data.speech.speakers`; evaluation on the HELD-OUT voices
(voice variants never heard in training), greedy and prefix beam search. The CER numbers are
stored in the file's metadata and re-checked by tests/test_recognition.py.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from seqlab.data.speech import digit_utterances, synthesize_batch, word_utterances
from seqlab.optim import Adam
from seqlab.speech.recognition import (
    SpeechRecognizer,
    character_error_rate,
    train_recognizer,
    utterance_features,
)

OUT = Path(__file__).resolve().parents[1] / "seqlab" / "speech" / "pretrained" / "digits_ctc.npz"
TEST_SEED = 1          # digit_utterances(n, "test", seed=TEST_SEED): the evaluation set


def load_set(utts, progress=True):
    waves = synthesize_batch([u.text for u in utts], [u.speaker for u in utts],
                             progress=progress)
    return [utterance_features(w) for w in waves], [u.text for u in utts]


def evaluate(model, utts, method="greedy"):
    feats, texts = load_set(utts, progress=False)
    from seqlab.audio import batch_features
    hyps = []
    for s in range(0, len(feats), 50):
        x, lengths = batch_features(feats[s:s + 50])
        hyps += model.transcribe(x=x, lengths=lengths, method=method)
    return character_error_rate(hyps, texts), hyps


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n-digits", type=int, default=3000)
    ap.add_argument("--n-words", type=int, default=600)
    ap.add_argument("--n-test", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--max-minutes", type=float, default=14.0)
    ap.add_argument("--n-a", type=int, default=96)
    ap.add_argument("--kind", default="gru")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)

    t0 = time.time()
    train = (digit_utterances(args.n_digits, "train", seed=args.seed) +
             word_utterances(args.n_words, "train", seed=args.seed))
    feats, texts = load_set(train)
    val = digit_utterances(100, "test", seed=TEST_SEED + 100)   # held-out voices, not the test
    print(f"data: {len(feats)} utterances, {time.time() - t0:.0f} s", flush=True)

    model = SpeechRecognizer(n_a=args.n_a, kind=args.kind, rng=args.seed)
    opt = Adam(lr=args.lr)
    history, t_train = [], time.time()
    for epoch in range(args.epochs):
        if epoch >= args.epochs * 0.6:                          # step decay for the last 40%
            opt.lr = args.lr * 0.3 if epoch < args.epochs * 0.85 else args.lr * 0.1
        history += train_recognizer(model, feats, texts, epochs=1, batch_size=args.batch,
                                    seed=args.seed * 1000 + epoch, optimizer=opt)
        cer, _ = evaluate(model, val)
        minutes = (time.time() - t_train) / 60
        print(f"epoch {epoch + 1}: loss {np.mean(history[-50:]):.3f}, val CER {cer:.3f}, "
              f"{minutes:.1f} min", flush=True)
        if minutes > args.max_minutes:
            print("time limit reached", flush=True)
            break

    test = digit_utterances(args.n_test, "test", seed=TEST_SEED)
    cer_greedy, hyps = evaluate(model, test, "greedy")
    cer_beam, _ = evaluate(model, test, "beam")
    words = word_utterances(100, "test", seed=TEST_SEED)
    cer_words, _ = evaluate(model, words, "greedy")
    for u, h in list(zip(test, hyps, strict=True))[:5]:
        print(f"  {u.speaker.voice:24s} {u.text!r:32s} -> {h!r}")
    print(f"held-out voices, {args.n_test} digit strings: CER greedy {cer_greedy:.4f}, "
          f"beam {cer_beam:.4f}; 100 words: CER {cer_words:.4f}", flush=True)
    meta = dict(seed=args.seed, data=f"{args.n_digits} digit strings + {args.n_words} words, "
                "espeak-ng training speakers (seqlab.data.speech.speakers('train'))",
                epochs=epoch + 1, lr=args.lr, batch=args.batch, steps=len(history),
                train_minutes=round((time.time() - t_train) / 60, 1),
                test=f"digit_utterances({args.n_test}, 'test', seed={TEST_SEED})",
                test_seed=TEST_SEED, n_test=args.n_test, cer_greedy=cer_greedy,
                cer_beam=cer_beam, cer_words_greedy=cer_words,
                loss_history=[round(float(v), 4) for v in history[::10]])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out, meta)
    print(f"saved {args.out} ({Path(args.out).stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
