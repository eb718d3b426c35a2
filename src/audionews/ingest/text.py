"""Plain-text articles: recover title, metadata, headings, pull quotes, lists and paragraphs.

Plain text carries its structure in layout only, so every decision here is a heuristic that
is named and documented:

- Lines are first joined into *units*. A blank line always ends a unit. Inside a block of
  lines with no blank line between them, a line continues the previous one only when the
  text is hard-wrapped (its lines break near a common width) and the previous line was full;
  otherwise every line is a unit of its own (one paragraph a line, as many CMS exports are).
- The first unit is the title. A "By …" line is the byline and a line that is only a date
  (or "Published …", "Updated …", in English, French, Spanish or Portuguese: frontlines.py)
  is the date or the last update; all are metadata, not body.
- The language is told from the words (language.py).
- A unit is a heading when it is short, starts with a capital or digit, and does not end like
  a sentence (a question mark is allowed: "What Comes Next?").
- A unit entirely in quotation marks followed by "— Name" is a pull quote with attribution.
- Lines starting with "- ", "* ", "• " or "1." / "1)" are list items; consecutive items make
  one list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from audionews.article import Article, Block, Heading, ListBlock, Paragraph, Quotation
from audionews.errors import ArticleError
from audionews.ingest.frontlines import LineKind, front_line
from audionews.ingest.language import detect_language

_BULLET = re.compile(r"^\s*(?:[-*•▪◦‣–]|\d{1,3}[.)])\s+(?=\S)")
_ORDERED = re.compile(r"^\s*\d{1,3}[.)]\s")
# "KYIV, Ukraine (Reuters) —" on a line of its own: where the story was filed from.
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z'.\- ]{1,40}(?:,\s*[\w .'\-]+)?(?:\s*\([^)]{1,40}\))?)\s*[—–-]+$"
)
_OPEN_QUOTES = "“\"‘'«„"
_CLOSE_QUOTES = "”\"’'»“"
# "— President Volodymyr Zelenskyy" after a quotation; a dash with spaces, or an em dash.
_DASH_ATTRIBUTION = re.compile(r"^(?P<quote>.*?[”\"’'»])\s*(?:—|–|-{1,2}|―)\s*(?P<who>[^—–]+)$")
_LONE_ATTRIBUTION = re.compile(r"^(?:—|–|―|-{1,2})\s*(?P<who>\S.*)$")
_SENTENCE_END = re.compile(r"[.!;:,…]$|[.!?]['\"”’)]$")

HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 90


@dataclass(frozen=True)
class _Unit:
    """One logical line of the article: a paragraph, heading or list item before classification."""

    text: str
    block_start: bool  # first unit after a blank line (or of the file)


def parse_text(text: str, source: Path | str | None = None) -> Article:
    """Parse a plain-text article."""
    units = _units(text)
    if not units:
        raise ArticleError(source or "<text>", "the article has no text")

    title = units[0].text
    body = units[1:]
    if len(title.split()) > 30:
        # A first line this long is a paragraph, not a headline: keep it, name the episode
        # after the file instead.
        body = units
        title = _title_from_source(source)

    byline: str | None = None
    date: str | None = None
    updated: str | None = None
    dateline: str | None = None
    blocks: list[Block] = []
    items: list[str] = []
    ordered = False

    def flush_list() -> None:
        nonlocal items
        if items:
            blocks.append(ListBlock(tuple(items), ordered))
            items = []

    for index, unit in enumerate(body):
        line = unit.text
        bullet = _BULLET.match(line)
        if bullet and not _is_lone_attribution(line, blocks, items):
            if not items:
                ordered = bool(_ORDERED.match(line))
            items.append(line[bullet.end() :].strip())
            continue
        flush_list()

        meta = front_line(line) if _near_top(blocks) else None
        if meta is not None and meta.kind is LineKind.BYLINE and byline is None:
            byline = meta.value
            continue
        if dateline is None and (match := _DATELINE.match(line)) and _near_top(blocks):
            dateline = match.group("place").strip()
            continue
        if meta is not None and meta.kind is LineKind.PUBLISHED and date is None:
            date = meta.value
            continue
        if meta is not None and meta.kind is LineKind.UPDATED and updated is None:
            updated = meta.value
            continue
        if (lone := _LONE_ATTRIBUTION.match(line)) and blocks and _fully_quoted(blocks[-1]):
            previous = blocks.pop()
            assert isinstance(previous, Paragraph)
            blocks.append(Quotation(_strip_quotes(previous.text), lone.group("who").strip()))
            continue
        if (pull := _DASH_ATTRIBUTION.match(line)) and _is_whole_quote(pull.group("quote")):
            who = pull.group("who").strip()
            if _looks_like_name(who):
                blocks.append(Quotation(_strip_quotes(pull.group("quote")), who))
                continue
        next_unit = body[index + 1].text if index + 1 < len(body) else None
        if _is_heading(line, next_unit):
            blocks.append(Heading(line))
            continue
        blocks.append(Paragraph(line))
    flush_list()

    return Article(
        title=title,
        blocks=tuple(blocks),
        byline=byline,
        date=date,
        updated=updated,
        dateline=dateline,
        language=detect_language(_body_text(title, blocks)) or "en",
        source=str(source) if source is not None else None,
    )


def _body_text(title: str, blocks: list[Block]) -> str:
    """The article's words, for telling its language."""
    parts = [title]
    for block in blocks:
        if isinstance(block, ListBlock):
            parts.extend(block.items)
        elif isinstance(block, Heading | Paragraph | Quotation):
            parts.append(block.text)
    return "\n".join(parts)


def _units(text: str) -> list[_Unit]:
    """Split text into logical lines, joining hard-wrapped lines."""
    raw_blocks: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.replace("\t", " ").split())
        if not line:
            if current:
                raw_blocks.append(current)
                current = []
            continue
        current.append(line)
    if current:
        raw_blocks.append(current)

    width = _wrap_width(raw_blocks)
    units: list[_Unit] = []
    for block in raw_blocks:
        first = True
        for line in block:
            if not first and width and _continues(units[-1].text, line, width):
                units[-1] = _Unit(units[-1].text + " " + line, units[-1].block_start)
            else:
                units.append(_Unit(line, first))
            first = False
    return units


def _wrap_width(blocks: list[list[str]]) -> int | None:
    """The column the text is hard-wrapped at, or None when lines are not wrapped.

    Text is taken as wrapped when no line is longer than a terminal is wide, the longest is
    at least 50 characters, and enough line breaks fall mid-sentence (a line ending in a
    word or comma, the next starting in lower case) to show the breaks are the wrapper's.
    """
    all_lines = [line for block in blocks for line in block]
    longest = max((len(line) for line in all_lines), default=0)
    if not 50 <= longest <= 100:
        return None
    breaks = [(block[i], block[i + 1]) for block in blocks for i in range(len(block) - 1)]
    mid_sentence = sum(
        1 for before, after in breaks if re.search(r"[\w,;]$", before) and after[0].islower()
    )
    if mid_sentence == 0 or mid_sentence < 0.2 * len(breaks):
        return None
    return longest


def _continues(previous: str, line: str, width: int) -> bool:
    """Whether ``line`` is the hard-wrapped continuation of ``previous``.

    A bullet always starts a new unit; a line starting in lower case always continues; any
    other line continues unless the previous one stopped well short of the wrap width, as a
    heading or the last line of a paragraph does.
    """
    if _BULLET.match(line):
        return False
    if line[0].islower():
        return True
    return len(previous) >= width * 0.6


def _is_heading(line: str, next_unit: str | None) -> bool:
    words = line.split()
    if not words or len(words) > HEADING_MAX_WORDS or len(line) > HEADING_MAX_CHARS:
        return False
    first = line[0]
    if not (first.isupper() or first.isdigit()):
        return False
    if line[0] in _OPEN_QUOTES:
        return False
    if _SENTENCE_END.search(line):
        return False
    if line.endswith("?"):
        # A question stands as a heading only when short; a longer one is a rhetorical
        # paragraph of its own.
        return len(words) <= 10
    return not line.endswith(('"', "”", "’", ")"))


def _is_whole_quote(text: str) -> bool:
    """Whether the text is one quotation from its first character to its last."""
    text = text.strip()
    if len(text) < 3 or text[0] not in _OPEN_QUOTES or text[-1] not in _CLOSE_QUOTES:
        return False
    inner = text[1:-1]
    # A closing mark followed by more words means two quotations or narration in between.
    return not re.search(r"[”»]\s+\w", inner) and not re.search(r"[“«]", inner)


def _fully_quoted(block: Block) -> bool:
    return isinstance(block, Paragraph) and _is_whole_quote(block.text)


def _is_lone_attribution(line: str, blocks: list[Block], items: list[str]) -> bool:
    """A "- Name" line right after a quotation attributes it; it is not a one-item list."""
    if items or not blocks or not _fully_quoted(blocks[-1]):
        return False
    match = _LONE_ATTRIBUTION.match(line)
    return match is not None and _looks_like_name(match.group("who"))


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 12 and text[0].isupper() and not text.endswith((".", "!", "?"))


def _strip_quotes(text: str) -> str:
    text = text.strip()
    if text and text[0] in _OPEN_QUOTES:
        text = text[1:]
    if text and text[-1] in _CLOSE_QUOTES:
        text = text[:-1]
    return text.strip()


def _near_top(blocks: list[Block]) -> bool:
    """Bylines, dates and datelines count as metadata only before the body has begun."""
    return all(isinstance(block, Quotation) for block in blocks)


def _title_from_source(source: Path | str | None) -> str:
    if source is None:
        return "Untitled article"
    stem = Path(source).stem.replace("_", " ").replace("-", " ").strip()
    return stem[:1].upper() + stem[1:] if stem else "Untitled article"
