"""MyST fenced blocks: the small parser shared by the book's Sphinx extensions.

The claims ledger (``claims_ledger.py``) and the exercises index (``exercise_index.py``) read
the chapters' Markdown text line by line and follow its fences, so that fenced examples
(plain ```` ``` ```` code blocks) and the contents of code cells are never mistaken for
directives. This module is that reading, and nothing else:

- :func:`front_matter` ``(text) -> dict``: the YAML front matter of a MyST file;
- :func:`body_offset` ``(text) -> int``: the number of lines the front matter takes;
- :func:`fenced_blocks` ``(lines, start, stop)``: the outermost fenced blocks of a range of
  lines, as :class:`Fenced` records (directive name, argument, body, position);
- :func:`split_options` ``(block) -> (options, k)``: a directive's options and where its
  content starts;
- :data:`LITERAL_DIRECTIVES`: the directives whose body is never Markdown.

It needs only PyYAML (no Sphinx), so the tests use it directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

__all__ = ["LITERAL_DIRECTIVES", "Fenced", "body_offset", "fenced_blocks", "front_matter",
           "split_options"]

LITERAL_DIRECTIVES = frozenset({"code-cell", "code-block", "code", "sourcecode",
                                "literalinclude", "math", "eval-rst", "raw", "bibliography"})
"""Directives whose body is not Markdown: a scanner never looks for directives inside them.
An extension adds its own content-less directives to this set."""

_FENCE_OPEN = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,}|:{3,})\s*(?P<info>.*?)\s*$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*)$")
_OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")


@dataclass
class Fenced:
    """One fenced block of a MyST file.

    Attributes
    ----------
    name : str or None
        The directive's name (``"prf:theorem"``, ``"code-cell"``, ...), or None for a plain
        code block (an info string that is not ``{name}``).
    arg : str
        The directive's argument (stripped), or a plain block's whole info string.
    body : list of str
        The lines between the opening and the closing fence, options included.
    body_start : int
        0-based index in the file of the first body line (the opening fence is the line
        before it).
    """

    name: str | None
    arg: str
    body: list[str] = field(default_factory=list)
    body_start: int = 0


def front_matter(text: str) -> dict:
    """The YAML front matter of a MyST file.

    Parameters
    ----------
    text : str
        The whole file.

    Returns
    -------
    dict
        The mapping between a ``---`` first line and the next ``---`` line; ``{}`` when there
        is none, it is not closed, or it is not a mapping.
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            data = yaml.safe_load("\n".join(lines[1:end]))
            return data if isinstance(data, dict) else {}
    return {}


def body_offset(text: str) -> int:
    """The number of lines the front matter takes.

    Parameters
    ----------
    text : str
        The whole file.

    Returns
    -------
    int
        The 0-based index of the first line after the front matter (its closing ``---``
        included); 0 when the file has no (closed) front matter.
    """
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() == "---":
                return end + 1
    return 0


def fenced_blocks(lines: list[str], start: int, stop: int):
    """The outermost fenced blocks in ``lines[start:stop]``.

    CommonMark/MyST rules: a fence opens with at least three backticks, tildes or colons
    (any indentation) followed by an info string, and is closed by a line of the same
    character, at least as long, with nothing else on it. A fence that is never closed runs
    to ``stop``. Blocks nested in a block's body are not yielded: scan the body's range
    again to find them.

    Parameters
    ----------
    lines : list of str
        The file's lines.
    start, stop : int
        The range of line indices to scan (0-based, ``stop`` excluded).

    Yields
    ------
    Fenced
        One record per block, in order.
    """
    i = start
    while i < stop:
        m = _FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m["fence"], m["info"]
        closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < stop and not closing.match(lines[j]):
            j += 1
        d = _DIRECTIVE.match(info)
        yield Fenced(name=d["name"] if d else None, arg=d["arg"].strip() if d else info,
                     body=lines[i + 1:j], body_start=i + 1)
        i = j + 1


def split_options(block: Fenced) -> tuple[dict, int]:
    """A directive's options and where its content starts.

    Options are either ``:key: value`` lines at the top of the body (values are strings) or
    a YAML block between two ``---`` lines at the top of the body.

    Parameters
    ----------
    block : Fenced
        The directive.

    Returns
    -------
    options : dict
        The options; ``{}`` for none, an unclosed or invalid YAML block, or YAML that is
        not a mapping.
    k : int
        The index in ``block.body`` of the first line after the options (0 for an unclosed
        YAML block).
    """
    body = block.body
    if body and body[0].strip() == "---":
        for end in range(1, len(body)):
            if body[end].strip() == "---":
                try:
                    opts = yaml.safe_load("\n".join(body[1:end])) or {}
                except yaml.YAMLError:
                    opts = {}
                return (opts if isinstance(opts, dict) else {}), end + 1
        return {}, 0
    opts, k = {}, 0
    while k < len(body) and (m := _OPTION.match(body[k])):
        opts[m["key"]] = m["value"]
        k += 1
    return opts, k
