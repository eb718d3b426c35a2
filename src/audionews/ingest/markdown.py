"""Markdown articles, parsed with markdown-it-py (CommonMark, tables, footnotes, front matter).

Choices a listener hears:
- YAML front matter gives title, author, date, language and description; without it, byline
  and date lines under the headline (italic or not, in any supported language) are read as
  metadata (frontlines.py), and the language is told from the words (language.py).
- The first ``#`` heading is the title when front matter has none; a heading equal to the
  title is never also a chapter.
- Emphasis and code spans are plain words; links are their text; an image is a Figure
  ("Image: alt text"), always, wherever it stood; HTML inside Markdown is dropped, its text kept.
- A block quote is a quotation; a last line "— Name" is its attribution.
- Tables are read row by row with their header cells; footnotes are read at the end, under a
  "Footnotes" heading; a horizontal rule is a section break.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from audionews.article import (
    Article,
    Block,
    Break,
    Figure,
    Heading,
    ListBlock,
    Paragraph,
    Quotation,
    Table,
)
from audionews.errors import ArticleError
from audionews.ingest.frontlines import LineKind, front_line
from audionews.ingest.language import detect_language

_ATTRIBUTION = re.compile(r"^(?:—|–|―|-{1,2})\s*(?P<who>\S.*)$")
_QUOTE_MARKS = "“”\"‘’'«»"


def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
        .use(footnote_plugin)
    )


def parse_markdown(text: str, source: Path | str | None = None) -> Article:
    """Parse a Markdown article."""
    where = source or "<markdown>"
    tokens = _parser().parse(text)
    root = SyntaxTreeNode(tokens)
    meta: dict[str, Any] = {}
    blocks: list[Block] = []
    footnotes: list[str] = []
    for node in root.children:
        if node.type == "front_matter":
            meta = _front_matter(node.content, where)
        elif node.type == "footnote_block":
            footnotes.extend(_inline_text(item) for item in node.children)
        else:
            blocks.extend(_blocks(node))

    title = _text(meta.get("title"))
    if title is None:
        first_heading = next((b for b in blocks if isinstance(b, Heading)), None)
        if first_heading is not None and first_heading.level == 1:
            title = first_heading.text
    # A heading that repeats the title is the title, not a chapter.
    if title is not None:
        for index, block in enumerate(blocks):
            if isinstance(block, Heading) and _same(block.text, title):
                del blocks[index]
                break
    lines = _front_lines(blocks)
    if footnotes:
        blocks.append(Heading("Footnotes", 2))
        blocks.append(ListBlock(tuple(footnotes), ordered=True))
    if not any(isinstance(b, Paragraph | ListBlock | Quotation | Table | Figure) for b in blocks):
        raise ArticleError(where, "the Markdown has no article text (front matter only?)")
    declared = _text(meta.get("language") or meta.get("lang"))
    return Article(
        title=title or _title_from(source),
        blocks=tuple(blocks),
        byline=_byline(meta.get("author") or meta.get("authors") or meta.get("byline"))
        or lines.get(LineKind.BYLINE),
        date=_text(meta.get("date") or meta.get("published")) or lines.get(LineKind.PUBLISHED),
        updated=_text(meta.get("updated") or meta.get("modified")) or lines.get(LineKind.UPDATED),
        language=declared or detect_language(_body_text(title or "", blocks)) or "en",
        description=_text(meta.get("description") or meta.get("summary")),
        source=str(source) if source is not None else None,
    )


# Metadata lines are looked for among this many blocks under the headline.
FRONT_LINES = 4


def _front_lines(blocks: list[Block]) -> dict[LineKind, str]:
    """The byline and date lines under the headline ("*By Ana Lima*", "Published 3 May
    2025", "Mis à jour le …"), taken out of the body: metadata, read as such."""
    found: dict[LineKind, str] = {}
    while blocks and len(found) < FRONT_LINES and isinstance(blocks[0], Paragraph):
        line = front_line(blocks[0].text)
        if line is None or line.kind in found:
            break
        found[line.kind] = line.value
        del blocks[0]
    return found


def _body_text(title: str, blocks: list[Block]) -> str:
    """The article's words, for telling its language."""
    parts = [title]
    for block in blocks:
        if isinstance(block, ListBlock):
            parts.extend(block.items)
        elif isinstance(block, Heading | Paragraph | Quotation):
            parts.append(block.text)
    return "\n".join(parts)


# Front matter is a handful of keys; anything far larger is not front matter.
FRONT_MATTER_MAX = 64 * 1024
# Enough for any front matter a person writes; a "billion laughs" needs far more.
ALIASES_MAX = 32


class _FrontMatterLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML has no types
    """PyYAML's safe loader, with a bound on aliases (an alias bomb, a few hundred bytes
    whose text is billions of words, is refused before it is expanded) and impossible dates
    (2024-02-30) kept as the text they are, not an error."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > ALIASES_MAX:
                raise yaml.YAMLError(f"more than {ALIASES_MAX} aliases")
        return super().compose_node(parent, index)

    def lenient_timestamp(self, node: Any) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_FrontMatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _FrontMatterLoader.lenient_timestamp
)


def _front_matter(content: str, where: Path | str) -> dict[str, Any]:
    if len(content) > FRONT_MATTER_MAX:
        raise ArticleError(where, f"front matter longer than {FRONT_MATTER_MAX // 1024} KiB")
    loader = _FrontMatterLoader(content)
    try:
        data = loader.get_single_data() or {}
    except yaml.YAMLError as exc:
        raise ArticleError(where, f"front matter is not valid YAML ({_one_line(exc)})") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ArticleError(where, "front matter must be a mapping of keys to values")
    return {str(key).lower(): value for key, value in data.items()}


def _one_line(error: yaml.YAMLError) -> str:
    """A YAML error as one line: what is wrong and where (PyYAML's own spans lines)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return f"{error.problem}{where}"
    return " ".join(str(error).split())


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    text = " ".join(str(value).split())
    return text or None


def _byline(value: object) -> str | None:
    if isinstance(value, list):
        names = [_text(v) for v in value]
        named = [n for n in names if n]
        if not named:
            return None
        return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    text = _text(value)
    return re.sub(r"^by\s+", "", text, flags=re.I) if text else None


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _title_from(source: Path | str | None) -> str:
    stem = Path(source).stem if source else "Untitled article"
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Untitled article"


def _blocks(node: SyntaxTreeNode) -> list[Block]:
    kind = node.type
    if kind == "heading":
        text = _inline_text(node)
        return [Heading(text, int(node.tag[1]))] if text else []
    if kind == "paragraph":
        return _paragraph(node)
    if kind == "blockquote":
        return _quotation(node)
    if kind in ("bullet_list", "ordered_list"):
        listing = _list(node)
        return [listing] if listing.items else []
    if kind == "table":
        return [_table(node)]
    if kind == "hr":
        return [Break()]
    if kind in ("fence", "code_block"):
        text = " ".join(node.content.split())
        return [Paragraph(text)] if text else []
    if kind == "html_block":
        text = " ".join(re.sub(r"<[^>]*>", " ", node.content).split())
        return [Paragraph(text)] if text else []
    found: list[Block] = []
    for child in node.children:
        found.extend(_blocks(child))
    return found


def _paragraph(node: SyntaxTreeNode) -> list[Block]:
    images: list[str] = []
    text = " ".join(_inline_text(node, images).split())
    found: list[Block] = [Paragraph(text)] if text else []
    found.extend(Figure(alt) for alt in images)
    return found


def _quotation(node: SyntaxTreeNode) -> list[Block]:
    paragraphs = [_inline_text(child) for child in node.children if child.type == "paragraph"]
    lines = [line for paragraph in paragraphs for line in [paragraph] if line]
    attribution = None
    if lines:
        # "— Name" as its own last paragraph, or after a line break ending the last one.
        last = lines[-1]
        head, _, tail = last.rpartition("\n")
        candidate = tail if head else last
        if match := _ATTRIBUTION.match(candidate.strip()):
            attribution = match.group("who").strip()
            if head:
                lines[-1] = head
            else:
                lines.pop()
    text = " ".join(" ".join(line.split()) for line in lines).strip()
    if text and text[0] in _QUOTE_MARKS and text[-1] in _QUOTE_MARKS:
        text = text[1:-1].strip()
    return [Quotation(text, attribution)] if text else []


def _list(node: SyntaxTreeNode) -> ListBlock:
    items: list[str] = []
    sublists: list[tuple[int, ListBlock]] = []
    for item in node.children:
        texts = []
        for child in item.children:
            if child.type in ("bullet_list", "ordered_list"):
                nested = _list(child)
                if nested.items:
                    sublists.append((len(items), nested))
            else:
                texts.append(" ".join(_inline_text(child).split()))
        items.append(" ".join(t for t in texts if t))
    # An item that held only a nested list still counts, so the numbers stay right.
    return ListBlock(tuple(items), node.type == "ordered_list", tuple(sublists))


def _table(node: SyntaxTreeNode) -> Table:
    header: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    for section in node.children:
        for row in section.children:
            cells = tuple(" ".join(_inline_text(cell).split()) for cell in row.children)
            if section.type == "thead":
                header = cells
            else:
                rows.append(cells)
    return Table(header, tuple(rows))


def _inline_text(node: SyntaxTreeNode, images: list[str] | None = None) -> str:
    """The words of a block's inline content: emphasis, code and links as plain text."""
    parts: list[str] = []

    def walk(current: SyntaxTreeNode) -> None:
        kind = current.type
        if kind == "text" or kind == "code_inline":
            parts.append(current.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind == "image":
            alt = " ".join(_inline_text(current).split())
            if images is not None and alt:
                images.append(alt)
            elif alt:
                parts.append(alt)
            return
        elif kind in ("footnote_ref", "html_inline"):
            return
        for child in current.children:
            walk(child)

    for child in node.children:
        walk(child)
    text = "".join(parts)
    return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()
