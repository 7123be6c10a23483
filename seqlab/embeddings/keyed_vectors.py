"""``KeyedVectors``: a table of word vectors with gensim's method names and semantics.

*Sequence Models*, week 2, "Using word embeddings" / "Properties of word embeddings". The
embedding matrix E holds one row per word; looking a word up is row indexing, e_w = E[i_w]
(the lecture's E·o_w with a one-hot o_w, without the multiplication). On top of it, the usual
queries, with the same names, arguments and results as ``gensim.models.KeyedVectors`` so that
gensim users feel at home (and the tests compare the two on the same vectors):

    (1)  ê_w = e_w / ‖e_w‖₂                                      unit rows (get_normed_vectors)
    (2)  similarity(w1, w2) = ê_w1 · ê_w2                        cosine similarity
    (3)  most_similar(positive=P, negative=N):
         m = unit(Σ_{p∈P} ê_p − Σ_{q∈N} ê_q) / (|P| + |N|)),     3CosAdd
         answer = top-n of cos(e_w, m) over w ∉ P ∪ N
    (4)  doesnt_match(words) = argmin_w ê_w · unit(mean ê)

==================  =============  ============================================================
name                shape          meaning
==================  =============  ============================================================
vectors             (N, n)         row i is the vector of ``index_to_key[i]`` (most frequent
                                   first for GloVe/word2vec)
index_to_key        N words        the vocabulary, in row order
key_to_index        dict           word -> row
norms               (N,)           ‖e_w‖₂ (float32 for float32 vectors, as gensim)
==================  =============  ============================================================

Differs from gensim: unknown words raise a KeyError that names the word and suggests close
spellings; ``restrict_vocab`` defaults to 30,000 in ``evaluate_word_analogies`` (the issue's
choice; gensim's is 300,000); analogies are evaluated in blocks of GEMMs.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping, Sequence
from numbers import Integral

from seqlab._validate import (
    IdError,
    MissingKeyError,
    check_instance,
    check_int,
    check_path,
    check_sequence,
    check_str,
    got,
    is_int,
)
from seqlab.backend import get_array_module, to_numpy
from seqlab.embeddings import evaluation as ev


class WordVecMap(Mapping):
    """Read-only ``word -> vector`` view of a :class:`KeyedVectors` (the course's
    ``word_to_vec_map``), without copying the (N, n) matrix."""

    def __init__(self, kv: KeyedVectors):
        self._kv = check_instance(kv, KeyedVectors, "WordVecMap(kv)")

    def __getitem__(self, word):
        return self._kv.vectors[self._kv.key_to_index[word]]

    def __iter__(self):
        return iter(self._kv.index_to_key)

    def __len__(self):
        return len(self._kv.index_to_key)

    def __contains__(self, word):
        return word in self._kv.key_to_index

    def as_matrix(self):
        """(words, vectors): used by :func:`complete_analogy` to skip stacking."""
        return self._kv.index_to_key, self._kv.vectors

    def suggest(self, word):
        return self._kv.suggest(word)


class KeyedVectors:
    """Word vectors ``vectors[i]`` for ``words[i]`` with gensim's query API.

    Parameters
    ----------
    words : sequence of N distinct str
    vectors : array (N, n), float (kept as given, not copied; float32 for GloVe)
    """

    def __init__(self, words: Sequence[str], vectors):
        if vectors is None or isinstance(vectors, str):
            raise TypeError(f"KeyedVectors(vectors): expected a float array (N, n), got "
                            f"{got(vectors)}")
        xp = get_array_module(vectors)
        vectors = xp.asarray(vectors)
        words = check_sequence(words, "KeyedVectors(words)", "a list of str words")
        if vectors.dtype.kind != "f":
            raise TypeError(f"KeyedVectors(vectors): expected a float array (N, n), got "
                            f"{got(vectors)}")
        if vectors.ndim != 2:
            raise ValueError(f"KeyedVectors(vectors): expected a float array (N, n), got "
                             f"shape {tuple(vectors.shape)} dtype {vectors.dtype}")
        if len(words) != vectors.shape[0]:
            raise ValueError(f"KeyedVectors(words): expected {vectors.shape[0]} words, one per "
                             f"row of vectors, got {len(words)} (KeyedVectors(vectors) has "
                             f"shape {tuple(vectors.shape)}: one row per word)")
        bad = [w for w in words if not isinstance(w, str)]
        if bad:
            raise TypeError(f"KeyedVectors(words): expected str words, got {got(bad[0])}")
        self.index_to_key = words
        self.key_to_index = {w: i for i, w in enumerate(words)}
        if len(self.key_to_index) != len(words):
            raise ValueError("KeyedVectors(words): expected distinct words, got duplicates")
        self.vectors = vectors
        self.norms = xp.linalg.norm(vectors, axis=1)      # (N,) ‖e_w‖₂ in the vectors' dtype
        self._normed = None
        self.word_to_vec_map = WordVecMap(self)

    # ------------------------------------------------------------------ lookup
    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word) -> bool:
        return word in self.key_to_index

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} words x {self.vector_size})"

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Up to ``n`` vocabulary words spelled like ``word`` (difflib, frequent words first)."""
        check_str(word, "suggest(word)", empty=True)
        n = check_int(n, "suggest(n)", 1)
        if not word:
            return []
        low = word.lower()
        cands = [w for w in self.index_to_key[:100_000]
                 if abs(len(w) - len(low)) <= 2 and w[:1] == low[:1]]
        return difflib.get_close_matches(low, cands, n=n, cutoff=0.75)

    def get_index(self, key) -> int:
        """Row of ``key`` (a word, or an int row number in [0, N) as gensim allows; -1 is
        refused, it would be the last row)."""
        return self._index(key, "get_index(key)")

    def _index(self, key, where: str) -> int:
        if isinstance(key, str):
            i = self.key_to_index.get(key, -1)
            if i >= 0:
                return i
            close = self.suggest(key)
            raise MissingKeyError(f"{where}: expected a word of the vocabulary of {len(self)} "
                                  f"words, got {key!r}"
                                  + (f"; did you mean {close}?" if close else ""))
        if is_int(key):
            if not 0 <= key < len(self):
                raise IdError(f"{where}: expected a row number in [0, {len(self)}), got {key}")
            return int(key)
        raise TypeError(f"{where}: expected a word (str) or a row number (int), got {got(key)}")

    def get_vector(self, key, norm: bool = False):
        """e_w (n,), or ê_w (1) when ``norm``: a view of the row, not a copy. A zero vector has
        no direction: ``norm=True`` refuses it."""
        i = self._index(key, "get_vector(key)")
        if norm and not float(self.norms[i]) > 0:
            raise ValueError(f"get_vector(key): expected a word with a non-zero vector to "
                             f"normalise, got {key!r}, whose vector is zero")
        return self.vectors[i] / self.norms[i] if norm else self.vectors[i]

    def __getitem__(self, key_or_keys):
        """e_w for a word (n,), or stacked (k, n) for a list of words: the lookup E[i_w]."""
        if isinstance(key_or_keys, str | Integral):
            return self.get_vector(key_or_keys)
        xp = get_array_module(self.vectors)
        return xp.stack([self.get_vector(k) for k in key_or_keys])

    def get_normed_vectors(self):
        """(N, n) unit rows ê_w (1), computed once and cached; a zero row stays zero."""
        if self._normed is None:
            xp = get_array_module(self.vectors)
            safe = xp.where(self.norms > 0, self.norms, 1)
            self._normed = self.vectors / safe[:, None]
        return self._normed

    # ------------------------------------------------------------------ queries
    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity (2) of two words; 0.0 when either vector is zero (it has no
        direction), as :func:`seqlab.embeddings.cosine_similarity`."""
        xp = get_array_module(self.vectors)
        u = self.vectors[self._index(w1, "similarity(w1)")]
        v = self.vectors[self._index(w2, "similarity(w2)")]
        nu, nv = (float(xp.linalg.norm(e.astype(xp.float64))) for e in (u, v))
        if nu == 0 or nv == 0:
            return 0.0
        u = (u.astype(xp.float64) * (1.0 / nu)).astype(u.dtype)
        v = (v.astype(xp.float64) * (1.0 / nv)).astype(v.dtype)
        return float(xp.dot(u, v))

    def _mean(self, positive, negative):
        """The query vector m of (3) and the rows of the input words."""
        xp = get_array_module(self.vectors)
        positive = [positive] if isinstance(positive, str) else list(positive or [])
        negative = [negative] if isinstance(negative, str) else list(negative or [])
        if not positive and not negative:
            raise ValueError("most_similar(positive): expected at least one word in positive "
                             "or negative, got none")
        mean = xp.zeros(self.vector_size, dtype=self.vectors.dtype)
        total, rows = 0.0, []
        for item, sign in [(p, 1.0) for p in positive] + [(q, -1.0) for q in negative]:
            weight = sign
            if isinstance(item, tuple):
                item, weight = item
            if isinstance(item, str) or is_int(item):
                i = self._index(item, "most_similar(positive)")
                rows.append(i)
                vec = self.vectors[i] / (self.norms[i] if self.norms[i] > 0 else 1)  # ê (1)
            else:
                vec = xp.asarray(item)
                if vec.shape != (self.vector_size,):
                    raise ValueError(f"most_similar(positive): expected words or vectors of "
                                     f"shape ({self.vector_size},), got {tuple(vec.shape)}")
            mean += weight * vec
            total += abs(weight)
        mean = mean.astype(xp.float64) / total
        length = float(xp.linalg.norm(mean))
        if not length > 0:
            raise ValueError("most_similar(positive): expected words whose mean has a "
                             "direction, got a zero mean (zero vectors, or words that cancel)")
        mean = (mean * (1.0 / length)).astype(self.vectors.dtype)  # unit(m)
        return mean, rows

    def most_similar(self, positive=None, negative=None, topn: int | None = 10,
                     restrict_vocab: int | None = None):
        """Top-n words by cos(e_w, m), m the normalised mean (3), input words excluded.

        ``positive`` / ``negative``: words, (word, weight) pairs or vectors (n,).
        Returns [(word, similarity), ...] best first (``topn`` < 1: [], as gensim); with
        ``topn=None`` the (R,) array of every word's similarity. ``restrict_vocab``: None or
        an int >= 1 (0 is refused: gensim would ignore the limit). A word with a zero vector
        scores 0; a query whose mean is zero has no direction and is refused.
        """
        if topn is not None and check_int(topn, "most_similar(topn)") < 1:
            return []                                               # gensim's answer too
        if restrict_vocab is not None:
            restrict_vocab = check_int(restrict_vocab, "most_similar(restrict_vocab)", 1)
        xp = get_array_module(self.vectors)
        mean, rows = self._mean(positive, negative)
        end = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        norms = self.norms[:end]
        dists = (self.vectors[:end] @ mean) / xp.where(norms > 0, norms, 1)  # (R,) cos(e_w, m)
        if topn is None:
            return dists
        k = min(topn + len(rows), end)
        best = xp.argpartition(-dists, k - 1)[:k] if k < end else xp.arange(end)
        best = best[xp.argsort(-dists[best], kind="stable")]
        skip = set(rows)
        result = [(self.index_to_key[int(i)], float(dists[int(i)])) for i in to_numpy(best)
                  if int(i) not in skip]
        return result[:topn]

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word farthest from the mean of the others' unit vectors (4); unknown words are
        ignored with a warning, as gensim does."""
        xp = get_array_module(self.vectors)
        if isinstance(words, str):
            raise TypeError("doesnt_match(words): expected a list of words, got a str")
        words = check_sequence(words, "doesnt_match(words)", "a list of words")
        used = [w for w in words if w in self]
        if len(used) != len(words):
            warnings.warn(f"doesnt_match: ignoring words not in the vocabulary: "
                          f"{sorted(set(words) - set(used))}", stacklevel=2)
        if not used:
            raise ValueError(f"doesnt_match(words): expected words of the vocabulary, got none "
                             f"of {words[:5]} in it")
        E = xp.stack([self.get_vector(w, norm=True) for w in used])     # (k, n) ê rows
        mean = E.sum(axis=0, dtype=E.dtype) / E.dtype.type(len(used))
        mean = (mean.astype(xp.float64) * (1.0 / xp.linalg.norm(mean.astype(xp.float64))))
        dists = to_numpy(E @ mean.astype(E.dtype))                        # (k,)
        return sorted(zip(dists.tolist(), used, strict=True), reverse=True)[-1][1]

    # ------------------------------------------------------------------ evaluation
    def evaluate_word_analogies(self, analogies, restrict_vocab: int = 30_000,
                                case_insensitive: bool = True, dummy4unknown: bool = False):
        """Accuracy on an analogy file (``questions-words.txt``), 3CosAdd (see evaluation).

        Returns
        -------
        score : float, the overall accuracy (0.0 when nothing was answered)
        sections : list of dicts {'section', 'correct', 'incorrect'} (4-tuples of the
            upper-cased words if case-insensitive), the last one 'Total accuracy'
        """
        xp = get_array_module(self.vectors)
        restrict_vocab = check_int(restrict_vocab, "evaluate_word_analogies(restrict_vocab)", 1)
        check_path(analogies, "evaluate_word_analogies(analogies)")
        vocab = ev.ok_vocab(self.index_to_key, restrict_vocab, case_insensitive)
        R = min(restrict_vocab, len(self))
        canonical = None
        if len(vocab) < R:  # case variants: a prediction equal to an input up to case is skipped
            keys = self.index_to_key[:R]
            canonical = xp.asarray([vocab[k.upper() if case_insensitive else k] for k in keys])
        parsed = ev.read_analogies(analogies, case_insensitive)
        questions = [q for _, qs in parsed for _, q in qs]
        known = [all(w in vocab for w in q) for q in questions]
        abcd = xp.asarray([[vocab[w] for w in q] for q, k in zip(questions, known, strict=True)
                           if k], dtype=xp.int64).reshape(-1, 4)
        pred = ev.analogy_predictions(self.get_normed_vectors(), self.vectors[:R],
                                      self.norms[:R], abcd[:, :3], canonical)
        if canonical is not None:
            pred = canonical[pred]
        right = iter(to_numpy(pred == abcd[:, 3]).tolist())
        sections, i = [], 0
        for name, qs in parsed:
            sec = {"section": name, "correct": [], "incorrect": []}
            for _, q in qs:
                if known[i]:
                    sec["correct" if next(right) else "incorrect"].append(q)
                elif dummy4unknown:
                    sec["incorrect"].append(q)
                i += 1
            sections.append(sec)
        total = {"section": "Total accuracy",
                 "correct": [q for s in sections for q in s["correct"]],
                 "incorrect": [q for s in sections for q in s["incorrect"]]}
        n = len(total["correct"]) + len(total["incorrect"])
        sections.append(total)
        return (len(total["correct"]) / n if n else 0.0), sections

    def evaluate_word_pairs(self, pairs, delimiter: str = "\t", encoding: str = "utf8",
                            restrict_vocab: int = 300_000, case_insensitive: bool = True,
                            dummy4unknown: bool = False):
        """Correlation of cosine similarity with human scores (``wordsim353.tsv``).

        Returns
        -------
        pearson, spearman : (statistic, pvalue) named tuples
        oov_ratio : float, percent of pairs with an unknown word
        """
        restrict_vocab = check_int(restrict_vocab, "evaluate_word_pairs(restrict_vocab)", 1)
        check_path(pairs, "evaluate_word_pairs(pairs)")
        vocab = ev.ok_vocab(self.index_to_key, restrict_vocab, case_insensitive)
        gold, model, oov = [], [], 0
        for a, b, sim in ev.read_word_pairs(pairs, delimiter, encoding, case_insensitive):
            if a not in vocab or b not in vocab:
                oov += 1
                if dummy4unknown:
                    gold.append(sim)
                    model.append(0.0)
                continue
            gold.append(sim)
            model.append(self.similarity(self.index_to_key[vocab[a]],
                                         self.index_to_key[vocab[b]]))
        if not gold:
            raise ValueError(f"evaluate_word_pairs(pairs): no pair of {pairs} has both words "
                             f"in the first {restrict_vocab} words")
        oov_ratio = 100.0 * oov / (len(gold) if dummy4unknown else len(gold) + oov)
        return ev.pearsonr(gold, model), ev.spearmanr(gold, model), oov_ratio
