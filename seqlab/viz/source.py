"""Show library source in a notebook, syntax-highlighted (STYLE section 1: one source of truth).

``show_source(seqlab.functional.softmax)`` displays the real code the tests check, never a
pasted copy. Without an HTML front end the plain-text repr is the source itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer


class Source:
    """Source code that renders as highlighted HTML in Jupyter and as plain text elsewhere."""

    def __init__(self, code: str, title: str = "", collapsed: bool = False):
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
    name = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}".strip(".")
    return Source(inspect.getsource(obj).rstrip() + "\n", title if title is not None else name,
                  collapsed)
