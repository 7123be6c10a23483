"""Input checks of :class:`~seqlab.transformer.model.Transformer`: token ids and batches."""

from __future__ import annotations

from seqlab._validate import as_array, check_ids, check_keys, check_shape, got


def check_tokens(c, tokens, arg: str, fname: str, m: int | None = None):
    """Token ids (m, T), 1 <= T <= max_len, in [0, V) of ``arg``'s vocabulary (config ``c``)."""
    where = f"{fname}({arg})"
    tokens = as_array(tokens, where, "int", ndim=2, symbols="(m, T) of token ids")
    if not 1 <= tokens.shape[1] <= c.max_len:
        raise ValueError(f"{where}: expected at least one token and at most max_len = "
                         f"{c.max_len} per sequence, got shape {tuple(tokens.shape)}")
    if m is not None and tokens.shape[0] != m:
        raise ValueError(f"{where}: expected {m} sequences, one per source, got "
                         f"{tokens.shape[0]}")
    return check_ids(tokens, c.src_vocab if arg == "src" else c.tgt_vocab, where)


def check_batch(batch, tgt_vocab: int) -> tuple:
    """(src, tgt_in, tgt_out) from a 3-tuple or a dict; tgt_out checked against tgt_in."""
    f = "Transformer.loss(batch)"
    if isinstance(batch, dict):
        check_keys(batch, ("src", "tgt_in", "tgt_out"), f, extra=True)
        batch = (batch["src"], batch["tgt_in"], batch["tgt_out"])
    if not isinstance(batch, tuple | list) or len(batch) != 3:
        raise TypeError(f"{f}: expected (src, tgt_in, tgt_out) or a dict with those keys, "
                        f"got {got(batch)}")
    src, tgt_in, tgt_out = batch
    tgt_out = check_ids(as_array(tgt_out, f"{f} tgt_out", "int", ndim=2), tgt_vocab,
                        f"{f} tgt_out")
    check_shape(tgt_out, getattr(tgt_in, "shape", tgt_out.shape), "tgt_in's (m, T_y)",
                f"{f} tgt_out")
    return src, tgt_in, tgt_out
