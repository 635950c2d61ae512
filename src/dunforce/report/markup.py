"""The HTML of the dashboard: escaped text, tables, sections, the page and its style sheet.

Every text placed on the page goes through :func:`text`, which escapes it, unless it is
:class:`Markup` this package wrote itself: a scenario name, a template or an outcome such as
``<script>`` shows as those characters. The page is self-contained — one inline style sheet,
no script, no font, no link to fetch — and its Content-Security-Policy forbids loading anything,
so that it reads the same from a disk, an e-mail attachment or an archive, years later.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import attrs

__all__ = [
    "PAGE_POLICY",
    "STYLE",
    "Cell",
    "Markup",
    "element",
    "fragment",
    "join",
    "page",
    "paragraph",
    "section",
    "table",
    "text",
]

#: nothing may be fetched or run: styles are inline, plots are inline SVG
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

#: the style sheet, scoped to the report so that a notebook around it keeps its own look
STYLE = """\
.dunforce-report{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
color:#1d2330;line-height:1.45;max-width:78rem;margin:0 auto;padding:1rem 1.25rem 2rem}
.dunforce-report h1{font-size:1.6rem;margin:0 0 .25rem}
.dunforce-report h2{font-size:1.2rem;margin:2rem 0 .5rem;padding-bottom:.25rem;\
border-bottom:1px solid #d5d9e0}
.dunforce-report h3{font-size:1rem;margin:1.25rem 0 .4rem}
.dunforce-report .meta{color:#4a5263;margin:.1rem 0}
.dunforce-report .note{color:#5d6574;font-size:.85rem;margin:.3rem 0}
.dunforce-report .headline{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));\
gap:.75rem;margin:1rem 0}
.dunforce-report .figure{border:1px solid #d5d9e0;border-radius:6px;padding:.6rem .8rem;\
background:#f7f8fa}
.dunforce-report .figure .label{font-size:.8rem;color:#4a5263}
.dunforce-report .figure .value{font-size:1.45rem;font-weight:600;white-space:nowrap}
.dunforce-report .figure .detail{font-size:.78rem;color:#5d6574}
.dunforce-report .scroll{overflow-x:auto}
.dunforce-report table{border-collapse:collapse;font-size:.85rem;margin:.25rem 0 .75rem}
.dunforce-report th,.dunforce-report td{padding:.25rem .5rem;border-bottom:1px solid #e1e4e9;\
text-align:left;vertical-align:top}
.dunforce-report th{border-bottom:2px solid #9aa1ad;vertical-align:bottom}
.dunforce-report td.number,.dunforce-report th.number{text-align:right;\
font-variant-numeric:tabular-nums}
.dunforce-report td.number{white-space:nowrap}
.dunforce-report tr.total td{font-weight:600;border-top:2px solid #9aa1ad}
.dunforce-report .plot svg{max-width:100%;height:auto;display:block;margin:.5rem 0}
.dunforce-report .missing{border-left:4px solid #e3a008;background:#fff8e6;padding:.5rem .8rem}
.dunforce-report dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;\
font-size:.85rem}
.dunforce-report dt{font-weight:600}
.dunforce-report dd{margin:0}
.dunforce-report code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}
.dunforce-report footer{margin-top:2rem;color:#7a8190;font-size:.8rem}
"""


class Markup(str):
    """HTML this package wrote itself; any other text is escaped where it is placed."""


def text(value: object) -> Markup:
    """``value`` as HTML: markup as it is, anything else as escaped text."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def element(tag: str, content: object = "", **attributes: object) -> Markup:
    """``<tag attr="…">content</tag>``; ``class_`` gives the class, ``data_x`` gives
    ``data-x``; attributes set to ``None`` are left out."""
    shown = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{text(value)}"'
        for name, value in attributes.items()
        if value is not None
    )
    return Markup(f"<{tag}{shown}>{text(content)}</{tag}>")


def join(parts: Iterable[object]) -> Markup:
    return Markup("".join(text(part) for part in parts))


@attrs.frozen
class Cell:
    """A table cell: what it shows, whether it is a number (aligned right), and a
    ``data-value`` with the exact figure behind the text, for whoever reads the page by program."""

    shown: object
    number: bool = False
    value: object = None


def _cell(tag: str, cell: object, column: str) -> Markup:
    if not isinstance(cell, Cell):
        cell = Cell(cell)
    return element(
        tag,
        cell.shown,
        class_="number" if cell.number else None,
        data_column=column,
        data_value=cell.value,
    )


def table(
    name: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    total: Sequence[object] | None = None,
    columns: Sequence[str] | None = None,
    numbers: int = 1,
) -> Markup:
    """A table named ``data-table=name``; the columns from ``numbers`` on are numbers, and
    each cell carries its column's name (``columns``, else the header) as ``data-column``."""
    keys = list(columns if columns is not None else headers)
    head = join(
        element("th", h, class_="number" if i >= numbers else None, scope="col")
        for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        body.append(element("tr", join(_cell("td", c, k) for c, k in zip(row, keys, strict=True))))
    if total is not None:
        cells = join(_cell("td", c, k) for c, k in zip(total, keys, strict=True))
        body.append(element("tr", cells, class_="total"))
    content = join((element("thead", element("tr", head)), element("tbody", join(body))))
    return element("div", element("table", content, data_table=name), class_="scroll")


def section(name: str, title: str, parts: Iterable[object]) -> Markup:
    return element("section", join((element("h2", title), *parts)), data_section=name)


def paragraph(content: object, *, class_: str | None = None) -> Markup:
    return element("p", content, class_=class_)


def page(title: str, body: Markup, *, generator: str) -> str:
    """The whole document around ``body``: doctype, charset, policy, title and style."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{text(PAGE_POLICY)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{text(generator)}">\n'
        f"<title>{text(title)}</title>\n"
        f"<style>\n{STYLE}</style>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def fragment(body: Markup) -> str:
    """The report without the document around it, for a notebook cell."""
    return f"<style>\n{STYLE}</style>\n{body}"
