"""What is written: an article as its blocks, before anything is decided about speech."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    """A section heading.

    text: the heading as written.
    level: 1 for the article's own title level, 2 for a section, 3 and deeper for sub-sections.
    """

    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of running text, hard wraps already joined into single spaces."""

    text: str


@dataclass(frozen=True)
class Quotation:
    """A quotation standing as a block of its own (a pull quote or a block quote).

    text: the quoted words, without the enclosing quotation marks.
    attribution: who said it, as the article gives it ("President Volodymyr Zelenskyy"),
        or None when the article does not say.
    """

    text: str
    attribution: str | None = None


@dataclass(frozen=True)
class ListBlock:
    """A bulleted or numbered list.

    items: the text of each item, without its bullet or number.
    ordered: True for a numbered list.
    sublists: lists nested in an item, as (index of the item, the nested list).
    """

    items: tuple[str, ...]
    ordered: bool = False
    sublists: tuple[tuple[int, ListBlock], ...] = ()


@dataclass(frozen=True)
class Table:
    """A table, read row by row.

    header: the header cells, or () when the table has none.
    rows: the body rows, each a tuple of cell texts.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Figure:
    """An image standing on its own, with its caption or alternative text ("" for none)."""

    caption: str


@dataclass(frozen=True)
class Break:
    """A thematic break (a horizontal rule): a section's pause without a new chapter."""


Block = Heading | Paragraph | Quotation | ListBlock | Table | Figure | Break


@dataclass(frozen=True)
class Article:
    """An article as written.

    title: the headline.
    blocks: the body, in reading order (the title is not repeated among them).
    byline: the author(s) without a leading "By", or None.
    date: the publication date as the article writes it, or None.
    updated: when it was last updated, as the article writes it, or None.
    dateline: where the story was filed from ("KYIV, Ukraine (Reuters)"), or None.
    language: a BCP 47 tag such as "en" or "en-GB".
    description: a one-sentence summary when the source has one, else None.
    source: where it was read from (a path as text), or None.
    notices: things a user should know about how it was read (bad bytes replaced, …).
    """

    title: str
    blocks: tuple[Block, ...]
    byline: str | None = None
    date: str | None = None
    dateline: str | None = None
    updated: str | None = None
    language: str = "en"
    description: str | None = None
    source: str | None = field(default=None, compare=False)
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def headings(self) -> tuple[Heading, ...]:
        return tuple(block for block in self.blocks if isinstance(block, Heading))
