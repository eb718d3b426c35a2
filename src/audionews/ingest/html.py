"""HTML pages: the article found with trafilatura, its metadata read from the page.

trafilatura was chosen over readability-lxml after running both on the 14 saved pages of
../shared/corpus/readability: both find the same body text, but trafilatura also returns the
structure as XML (headings with their level, lists, quotations, tables, images) and the
author and date, where readability-lxml returns only cleaned HTML and a title. On the
development half of the extraction benchmark readability-lxml scores 0.900 F1 against
trafilatura's 0.958 (peers.json), and tried as a second opinion (read instead of
trafilatura where trafilatura's text is much shorter and contained in it) it changed one
page of 88 and no figure, so it is not a dependency.

The reading goes: page -> media players and dialogs removed (html_rules.clean_page) ->
trafilatura's precise and default extractions merged block by block (html_body) -> what is
still not the article, or would be read twice, removed (html_rules.tidy) -> the standfirst
read first, the metadata read from the page (html_meta).
"""

from __future__ import annotations

import codecs
import copy
import logging
import re
from pathlib import Path

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from audionews.article import Article, Figure, Paragraph, Quotation
from audionews.errors import ArticleError
from audionews.ingest import html_meta
from audionews.ingest.html_body import (
    Piece,
    continuations,
    embedded_posts,
    extract,
    merge,
    norm,
    pieces,
)
from audionews.ingest.html_rules import LINKED, clean_page, tidy
from audionews.ingest.language import detect_language

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def decode_html(data: bytes, path: Path) -> tuple[str, list[str]]:
    """Decode a page by its BOM, else its declared charset, else UTF-8; bad bytes replaced."""
    notices: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        encoding, data = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif match := _CHARSET.search(data[:4096]):
        encoding = match.group(1).decode("ascii").lower()
        try:
            codecs.lookup(encoding)
        except LookupError:
            notices.append(f"{path}: unknown charset {encoding!r}, read as UTF-8")
            encoding = "utf-8"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding), notices
    except UnicodeDecodeError as exc:
        notices.append(
            f"{path}: bytes that are not {encoding} (first at {exc.start}) were replaced"
        )
        return data.decode(encoding, errors="replace"), notices


def parse_html(
    text: str, source: Path | str | None = None, notices: list[str] | None = None
) -> Article:
    """Find the article in a page and read it with its metadata."""
    where = source or "<html>"
    try:
        page = lxml.html.document_fromstring(
            text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except (etree.ParserError, ValueError):
        raise ArticleError(where, "not an HTML page that can be parsed") from None
    # trafilatura reads the page as its own loader parses it (comments dropped: a comment
    # inside a paragraph would otherwise cut it short).
    tree = load_html(text)
    if tree is None:
        raise ArticleError(where, "not an HTML page that can be parsed")
    clean_page(tree)
    clean_page(page)  # nor is a player's or dialog's text a standfirst or a byline
    attributions = html_meta.quote_attributions(copy.deepcopy(page))
    found = _with_captions(_body(tree, attributions), html_meta.captions_by_image(page))
    if not found:
        raise ArticleError(where, "no article found in the page")

    linked = html_meta.json_ld(page)
    title = html_meta.title(page, linked, [piece.block for piece in found])
    found = html_meta.without_title(found, title)
    first = next((p.block.text for p in found if isinstance(p.block, Paragraph)), None)
    lead = html_meta.standfirst(page, title, first)
    kept = tidy(found, title, html_meta.figure_captions(page), lead)
    # Links alone ("Home", a menu) are no article.
    if not any(isinstance(p.block, Paragraph) and p.links < LINKED for p in kept):
        raise ArticleError(where, "no article found in the page")
    blocks = [piece.block for piece in kept]
    if lead and not any(
        f" {norm(lead)} " in f" {norm(block.text)} "
        for block in blocks
        if isinstance(block, Paragraph | Quotation)
    ):
        blocks.insert(0, Paragraph(lead))
    language = html_meta.language(page) or detect_language(
        " ".join(block.text for block in blocks if isinstance(block, Paragraph))
    )
    metadata = trafilatura.extract_metadata(text)
    return Article(
        title=title,
        blocks=tuple(blocks),
        byline=html_meta.byline(page, linked, metadata.author if metadata else None),
        date=html_meta.date(page, linked, metadata.date if metadata else None),
        language=language or "en",
        description=html_meta.meta(page, "og:description", "description", "twitter:description"),
        source=str(source) if source is not None else None,
        notices=tuple(notices or ()),
    )


def _with_captions(found: list[Piece], captions: dict[str, str]) -> list[Piece]:
    """An image read with its figure's caption after its alternative text ("Image: A woman
    threads a loom. Ines Carvalho-Reid at the loom she rescued …"): the caption can hold the
    article's words, quotations too."""
    result = []
    for piece in found:
        block = piece.block
        caption = captions.get(piece.src) if isinstance(block, Figure) else None
        if caption and isinstance(block, Figure) and norm(caption) not in norm(block.caption):
            alt = block.caption.strip()
            if alt and not re.search(r"[.!?…:]$", alt):
                alt += "."
            text = f"{alt} {caption}".strip()
            piece = Piece(Figure(text), piece.links, piece.src, piece.ghost)
        result.append(piece)
    return result


def _body(tree: etree._Element, attributions: dict[str, str]) -> list[Piece]:
    """The article's blocks: trafilatura's precise and default extractions, merged."""
    precise_xml = extract(tree, precise=True)
    broad_xml = extract(tree)
    precise = pieces(precise_xml, attributions) if precise_xml is not None else []
    broad = pieces(broad_xml, attributions) if broad_xml is not None else []
    found = continuations(tree, merge(precise, broad) if precise else broad)
    return embedded_posts(tree, found)
