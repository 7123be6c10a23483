"""Show library source in a notebook, syntax-highlighted (STYLE section 1: one source of truth).

``show_source(seqlab.functional.softmax)`` displays the real code the tests check, never a
pasted copy. Without an HTML front end the plain-text repr is the source itself.
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from seqlab._validate import check_bool, check_str, got


class Source:
    """Source code that renders as highlighted HTML in Jupyter and as plain text elsewhere."""

    def __init__(self, code: str, title: str = "", collapsed: bool = False):
        check_str(code, "Source(code)", empty=True)
        check_str(title, "Source(title)", empty=True)
        check_bool(collapsed, "Source(collapsed)")
        self.code, self.title, self.collapsed = code, title, collapsed

    def __repr__(self) -> str:
        return (f"# {self.title}\n" if self.title else "") + self.code

    def _repr_html_(self) -> str:
        code = highlight(self.code, PythonLexer(), HtmlFormatter(noclasses=True, style="default"))
        if self.collapsed:  # a learner clicks to see it: Run-All does not spoil an answer
            return (f"<details><summary style='cursor:pointer'><b>{self.title}</b> "
                    f"(click to show)</summary>{code}</details>")
        title = f"<div style='font-weight:bold'>{self.title}</div>" if self.title else ""
        return title + code


def show_source(obj: Callable | type, title: str | None = None,
                collapsed: bool = False) -> Source:
    """The source of a function, class or module, ready to display.

    ``collapsed=True`` hides it behind a click in HTML front ends (used by ``reveal``).
    """
    if not (callable(obj) or inspect.ismodule(obj)):
        raise TypeError(f"show_source(obj): expected a function, class or module, got "
                        f"{got(obj)}")
    name = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}".strip(".")
    return Source(inspect.getsource(obj).rstrip() + "\n", title if title is not None else name,
                  collapsed)


_ROOT = Path(__file__).resolve().parents[2]   # the folder that holds the seqlab package


@cache
def _statement(fn: Callable, text: str) -> tuple[str, int, str]:
    lines, start = inspect.getsourcelines(fn)
    hits = [i for i, line in enumerate(lines) if text in line]
    name = getattr(fn, "__qualname__", repr(fn))
    if len(hits) != 1:
        raise ValueError(f"source_lines: expected one line of {name} containing {text!r}, "
                         f"found {len(hits)} (did the code change?)")
    i, depth, out = hits[0], 0, []
    while True:                         # the whole statement: until its brackets close
        line = lines[i].split("  #")[0]
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        out.append(lines[i].rstrip())
        i += 1
        if depth <= 0 or i == len(lines):
            break
    path = Path(inspect.getsourcefile(fn)).resolve()
    where = path.relative_to(_ROOT).as_posix() if path.is_relative_to(_ROOT) else path.name
    return where, start + hits[0], "\n".join(out)


def source_lines(refs: Sequence[tuple[Callable, str]]) -> list[tuple[str, int, str]]:
    """The library lines named by (function, a text on the line) pairs, read from the real
    source: (file, line number, the statement starting there); ValueError if the text is on
    no line of the function, or on several."""
    return [_statement(fn, text) for fn, text in refs]


def source_lines_html(refs: Sequence[tuple[Callable, str]]) -> str:
    """:func:`source_lines` as highlighted HTML, each statement under its file:line."""
    fmt = HtmlFormatter(noclasses=True, style="default", nowrap=True)
    rows = [f"<div style='color:#57606a;font-size:11px'>{html.escape(where)}:{line}</div>"
            f"<pre style='margin:0 0 4px 0;font-size:12px'>"
            f"{highlight(_dedent(code), PythonLexer(), fmt)}</pre>"
            for where, line, code in source_lines(refs)]
    return "".join(rows)


def _dedent(code: str) -> str:
    lines = code.splitlines()
    cut = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
    return "\n".join(x[cut:] for x in lines)
