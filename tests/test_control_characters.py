"""No control characters in the notebook sources or in seqlab's strings.

A LaTeX command in a Python string that is not raw loses its backslash to an escape:
"$\\approx$" written without the r prefix holds a BEL character (\\a), and the notebook shows
"Math input error" (issue 16: notebook 04's "Γ_f ≈ 0.88" reached its source that way). The same
happens with \\b (\\beta), \\f (\\frac), \\v (\\vec), \\r (\\rho). Checked twice: the file's own
characters (a control character pasted into prose or code), and every string constant as
Python reads it (an escape in a non-raw string). Newlines and tabs are text; anything else in
U+0000-U+001F or U+007F is refused, except where a module means it (ALLOWED).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")          # all but \t (09) and \n (0a)
ALLOWED = {("seqlab/speech/ctc_lm.py", "\x02")}            # the n-gram model's start symbol
FILES = sorted([*(ROOT / "notebooks" / "_sources").glob("*.py"), *(ROOT / "seqlab").rglob("*.py"),
                *(ROOT / "tools").glob("*.py")])


def _found(text: str, name: str) -> list[str]:
    found = [f"{name}:{i}: {line.strip()[:70]!r}" for i, line in enumerate(text.splitlines(), 1)
             if CONTROL.search(line)]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            chars = set(CONTROL.findall(node.value)) - {c for f, c in ALLOWED if f == name}
            if chars:
                found.append(f"{name}:{node.lineno}: string with {sorted(chars)} (a missing r "
                             f"prefix?): {node.value[:70]!r}")
    return found


def test_the_files_are_there():
    names = {p.relative_to(ROOT).as_posix() for p in FILES}
    assert "notebooks/_sources/04_gru_lstm.py" in names and len(FILES) > 100
    assert all(n in names for n, _ in ALLOWED)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_control_characters(path):
    assert _found(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()) == []


def test_no_control_characters_in_the_docs():
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    bad = [f"{p.name}:{i}" for p in docs
           for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if CONTROL.search(line)]
    assert not bad


def test_the_check_finds_a_bel_in_prose_and_an_escape_in_a_string():
    source = ('# so that $\\Gamma_f \x07pprox 0.88$\ntitle = "$\\approx$"\n'
              'ok = r"$\\approx$"\nstart = "\\x02"\n')
    found = _found(source, "notebooks/_sources/probe.py")
    assert len(found) == 3 and ":1: " in found[0] and ":2: string with ['\\x07']" in found[1]
    assert ":4: string with ['\\x02']" in found[2]            # allowed only in ctc_lm.py
    assert _found('start = "\\x02"\n', "seqlab/speech/ctc_lm.py") == []
