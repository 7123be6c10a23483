"""What docs/determinism.md promises about run-to-run and machine-to-machine variation.

- Python's string hash changes with every process (``PYTHONHASHSEED``), and with it the order
  of any set of strings: the vocabularies and data splits the notebooks print and train on
  must not depend on it (they sort sets and split by ``zlib.crc32``);
- every notebook cell whose output nbval ignores asserts what it shows, so an output kept out
  of the comparison across CPU paths is still checked.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks" / "_sources").glob("*.py"))

DIGEST = r"""
import json
from seqlab.data.dates import date_vocabs, load_dates
from seqlab.data.g2p import g2p_vocabs, load_g2p
from seqlab.data.numbers import load_numbers, number_vocabs
from seqlab.data.scenes import scene_vocab
from seqlab.data.synthetic import TAGGING_VOCAB
from seqlab.data.text import load_sonnets
from seqlab.vocab.language import Vocabulary
out = {
    "dates": [v.itos for v in date_vocabs()] + list(load_dates("train", 50, seed=0)),
    "numbers": [v.itos for v in number_vocabs("en")] + list(load_numbers("val", 50, seed=0)),
    "g2p": [v.itos for v in g2p_vocabs()] + [load_g2p("test").words[:50]],
    "scenes": scene_vocab().itos,
    "tagging": list(TAGGING_VOCAB),
    "sonnets": Vocabulary.build(load_sonnets(join=False), level="word").itos,
}
print(json.dumps(out))
"""


def test_vocabularies_and_splits_do_not_depend_on_the_string_hash_seed():
    digests = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", DIGEST], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        digests.append(hashlib.sha256(out.encode()).hexdigest())
        assert len(json.loads(out)["sonnets"]) > 1000
    assert digests[0] == digests[1]


def _code_cells(path: Path) -> list[str]:
    cells = path.read_text().split("\n# %%")
    return [c for c in cells[1:] if not c.startswith(" [markdown]")]


def _asserts(node: ast.AST) -> bool:
    """An ``assert`` statement or a call of an ``assert_*`` function (np.testing's)."""
    if isinstance(node, ast.Assert):
        return True
    func = node.func if isinstance(node, ast.Call) else None
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name.startswith("assert_")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_every_cell_whose_output_nbval_ignores_asserts_what_it_shows(path):
    """An ignored output (a figure, a widget, or numbers that differ between CPU paths) needs
    a code assertion of what it shows (STYLE section 11; docs/determinism.md, 4)."""
    bare = []
    for cell in _code_cells(path):
        if "# NBVAL_IGNORE_OUTPUT" not in cell:
            continue
        if not any(_asserts(node) for node in ast.walk(ast.parse(cell))):
            bare.append(cell.strip().splitlines()[1][:60])
    assert not bare, f"{path.name}: ignored cells without an assert: {bare}"
