"""The article's body from a page: trafilatura's XML read into blocks, two extractions merged.

trafilatura's precise mode (favor_precision) finds where the article is but drops parts of it
(the words of a link, a section whose heading looks like a teaser); its default mode keeps
more of them but also more of the page around the article. Both are run and merged block by
block: the precise extraction decides which blocks are the article, and where the default
one has the same block with words the precise one lost, the fuller version is read. What
only the default mode finds is kept as context ("ghost" blocks: a teaser's headline tells
the rules that the blurb after it is a teaser too) but never read. When the precise
extraction is less than half of the default one, it lost the article (a long review of
which only the verdict was kept) and the default one is read instead.

Measured on the development half of the extraction benchmark (scripts/bench_extraction.py,
F1 / precision / recall of the text read): the precise mode alone 0.952 / 0.945 / 0.959;
merged with the default mode 0.952 / 0.945 / 0.960; also reading what the default mode
finds between two precise blocks 0.952 / 0.943 / 0.961 (so it is not done); the default
or recall mode alone is below the precise one (0.959 and 0.956 against 0.962 on the
blocks' text). The fallback does not trigger on those pages.

Then two things no extraction mode does: an article whose body the page splits over several
containers of the same class is read whole (``continuations``), and posts the article
embeds (a quoted tweet) are read in their place as quotations, each followed by its
signature as the page sets it (``embedded_posts``).
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import re
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml import etree

from audionews.article import Block, Figure, Heading, ListBlock, Paragraph, Quotation, Table

_ATTRIBUTION = re.compile(r"^(?:—|–|―|-{1,2})\s*(?P<who>\S.*)$")
# Below this share of the default extraction's words the precise one has lost the article.
FALLBACK_SHARE = 0.5


@dataclass(frozen=True)
class Piece:
    """A block with what the rules need to know of where it came from.

    links: the share of its text that is link text (1.0: a link and nothing else).
    src: for an image, where it was loaded from.
    ghost: found only by the broad extraction outside the article: never read, but it tells
        the rules what stands around the article (a teaser's headline before its blurb).
    """

    block: Block
    links: float = 0.0
    src: str = ""
    ghost: bool = False


_SPACE_BEFORE = re.compile(r"\s+(?=[,.;:!?)\]}»”’%])")
_SPACE_AFTER = re.compile(r"(?<=[(\[{«“‘$£€])\s+")


def words(element: etree._Element) -> str:
    """The text of an element; an inline quotation (from <q>) keeps its quotation marks.

    trafilatura trims the spaces around a link ("reported<ref>WeWork</ref>"), so a link is
    set apart by spaces, and the spaces this puts before punctuation are taken out again.
    """
    return _SPACE_AFTER.sub("", _SPACE_BEFORE.sub("", _words(element)))


def _words(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        inner = _words(child)
        if child.tag == "quote":
            inner = f"“{inner}”"
        elif child.tag == "ref":
            inner = f" {inner} "
        parts.append(inner)
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _link_share(element: etree._Element) -> float:
    text = len("".join(words(element).split()))
    if not text:
        return 0.0
    linked = sum(len("".join(words(ref).split())) for ref in element.iter("ref"))
    return min(1.0, linked / text)


def norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).casefold().strip()


def extract(page: Any, *, precise: bool = False) -> etree._Element | None:
    """One trafilatura extraction of the page (an lxml tree, left untouched) as XML."""
    extracted = trafilatura.extract(
        copy.deepcopy(page),
        output_format="xml",
        include_tables=True,
        include_images=True,
        include_links=True,
        include_formatting=False,
        include_comments=False,
        favor_precision=precise,
    )
    if not extracted:
        return None
    body = etree.fromstring(extracted.encode("utf-8"))
    main = body.find("main")
    return main if main is not None else body


def pieces(container: etree._Element, attributions: dict[str, str]) -> list[Piece]:
    """trafilatura's XML elements as blocks, in reading order.

    trafilatura sometimes leaves text loose between two elements, where an inline element
    (an <em>, a link) split a paragraph: "given the source is </p>DigiTimes<p>, we would".
    Such text, and a paragraph that goes on from it, are joined back to the paragraph they
    continue.
    """
    found: list[Piece] = []
    _loose(found, container.text)
    for element in container:
        _element(element, attributions, found)
        _loose(found, element.tail)
    return found


def _element(element: etree._Element, attributions: dict[str, str], found: list[Piece]) -> None:
    tag = element.tag
    if tag == "head":
        text = words(element)
        rend = element.get("rend", "h2")
        level = int(rend[1:]) if rend[1:].isdigit() else 2
        if text:
            found.append(Piece(Heading(text, level), _link_share(element)))
    elif tag == "p":
        for piece in _paragraph(element):
            _add_paragraph(found, piece)
    elif tag == "quote":
        found.extend(Piece(q, _link_share(element)) for q in _quotation(element, attributions))
    elif tag == "list":
        listing = _list(element)
        if listing.items:
            found.append(Piece(listing, _link_share(element)))
    elif tag in ("table", "row"):
        if tag == "row":
            # A row trafilatura left without its table: read as a table of one row.
            table = etree.Element("table")
            table.append(copy.deepcopy(element))
            element = table
        if is_layout_table(element):
            found.extend(_layout_cells(element, attributions))
            return
        table = _table(element)
        if table.rows or table.header:
            found.append(Piece(table, _link_share(element)))
    elif tag == "graphic":
        found.append(_graphic(element))
    elif tag in ("div", "main", "section"):
        found.extend(pieces(element, attributions))
    elif tag in ("ref", "hi", "lb"):
        # An inline element left between two paragraphs: the words of the paragraph it split.
        _loose(found, words(element), _link_share(element))


def _loose(found: list[Piece], text: str | None, links: float = 0.0) -> None:
    text = " ".join((text or "").split())
    if text and not re.fullmatch(r"(?:https?://|www\.)\S*", text):
        _add_paragraph(found, Piece(Paragraph(text), links))


def _add_paragraph(found: list[Piece], piece: Piece) -> None:
    """Add a paragraph, joined to the one before when it goes on from it mid-sentence."""
    block = piece.block
    before = found[-1].block if found else None
    if (
        isinstance(block, Paragraph)
        and isinstance(before, Paragraph)
        and not re.search(r"[.!?:…\"”»)]$", before.text)
        and (
            (re.match(r"[,.;:)\]!?]|[^\W\d_]", block.text) and not block.text[0].isupper())
            or (len(before.text.split()) >= 5 and len(block.text.split()) <= 3)
        )
    ):
        joined = f"{before.text} {block.text}"
        joined = _SPACE_BEFORE.sub("", joined)
        a, b = len(before.text), len(block.text)
        links = (found[-1].links * a + piece.links * b) / (a + b)
        found[-1] = Piece(Paragraph(joined), links)
        return
    found.append(piece)


# A cell holding more words than this is running text, not a datum.
LAYOUT_CELL_WORDS = 60
LAYOUT_MENU_LINKS = 0.8
_BLOCK_TAGS = ("p", "head", "list", "quote", "table", "graphic")


def is_layout_table(element: etree._Element) -> bool:
    """A table used to lay out a page: a cell holds paragraphs, headings or lists, or a long
    run of text. A data table's cells hold short data."""
    for cell in element.iter("cell"):
        if any(child.tag in _BLOCK_TAGS for child in cell):
            return True
        if len(words(cell).split()) > LAYOUT_CELL_WORDS:
            return True
    return False


def _layout_cells(element: etree._Element, attributions: dict[str, str]) -> list[Piece]:
    """A layout table read as its content, cell after cell, each as the blocks it holds."""
    found: list[Piece] = []
    cells = [cell for row in element.findall("row") for cell in row.findall("cell")]
    for cell in cells:
        if any(child.tag in _BLOCK_TAGS for child in cell):
            # Text standing loose beside the blocks is a paragraph of its own.
            loose = " ".join((cell.text or "").split())
            if loose:
                found.append(Piece(Paragraph(loose)))
            found.extend(pieces(cell, attributions))
        else:
            text = words(cell)
            # A cell of links beside the content is the page's menu.
            if text and _link_share(cell) < LAYOUT_MENU_LINKS:
                found.append(Piece(Paragraph(text), _link_share(cell)))
    return found


def _paragraph(element: etree._Element) -> list[Piece]:
    """A paragraph; images inside it stand before it as figures of their own."""
    found = [_graphic(graphic) for graphic in element.iter("graphic")]
    text = words(element)
    if text:
        found.append(Piece(Paragraph(text), _link_share(element)))
    return found


def _graphic(element: etree._Element) -> Piece:
    caption = " ".join((element.get("alt") or element.get("title") or "").split())
    return Piece(Figure(caption), 0.0, element.get("src") or "")


def _quotation(element: etree._Element, attributions: dict[str, str]) -> list[Block]:
    parts = [words(child) for child in element if child.tag == "p"] or [words(element)]
    parts = [part for part in parts if part]
    attribution = attributions.get(norm(" ".join(parts)))
    signed = post_signature(parts[-1]) if parts and len(parts) > 1 else None
    if signed is not None:
        parts.pop()
        text = " ".join(parts).strip().lstrip('“"«').rstrip('”"»').strip()
        return [Quotation(text), Paragraph(signed)] if text else []
    if attribution is None and parts and (match := _ATTRIBUTION.match(parts[-1])):
        attribution = speaker(match.group("who"))
        parts.pop()
    text = " ".join(parts).strip().lstrip('“"«').rstrip('”"»').strip()
    return [Quotation(text, attribution)] if text else []


_SIGNATURE = re.compile(r"^(?:—|–|―|-{1,2})?\s*(?P<who>\S.*?\(@\w+\).*)$")


def post_signature(footer: str) -> str | None:
    """The signature under an embedded post ("— Jane Roe (@janeroe) November 18, 2019") as the
    page gives it, or None when the line is not one.

    It is read after the post, as the page sets it, rather than as "In the words of Jane
    Roe:" before: the signature also says where and when it was posted, and a post is the
    page showing what someone wrote, not the writer quoting them.
    """
    match = _SIGNATURE.match(" ".join(footer.split()))
    return match.group("who").strip() if match else None


_POSTED = re.compile(
    r"[\s,]*(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|"
    r"\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4})\s*$",
    re.I,
)


def speaker(who: str) -> str | None:
    """Who said a block quote, as a name: an embedded post's footer ("Jane Roe (@janeroe)
    November 18, 2019") gives its author's name without the handle and the date."""
    who = _POSTED.sub("", " ".join(who.split()).lstrip("—–-― "))
    who = re.sub(r"\s*\(@\w+\)\s*$", "", who).strip(" ,")
    return who or None


def _list(element: etree._Element) -> ListBlock:
    items: list[str] = []
    sublists: list[tuple[int, ListBlock]] = []
    for item in element.findall("item"):
        nested = item.find("list")
        if nested is not None:
            item.remove(nested)
            sub = _list(nested)
            if sub.items:
                sublists.append((len(items), sub))
        text = words(item)
        if text:
            items.append(text)
    return ListBlock(tuple(items), element.get("rend") == "ol", tuple(sublists))


def _table(element: etree._Element) -> Table:
    header: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    for row in element.findall("row"):
        cells = row.findall("cell")
        texts = tuple(words(cell) for cell in cells)
        if not any(texts):
            continue
        if not header and not rows and cells and all(c.get("role") == "head" for c in cells):
            header = texts
        elif texts != header:  # a header row repeated in the body is read once
            rows.append(texts)
    if not header and header_row(rows):
        header, rows = rows[0], rows[1:]
    return Table(header, tuple(rows))


_FIGURE = re.compile(r"[-+−]?[$£€¥]?\d[\d.,:/]*\s?%?")
# A column is numeric when at least this share of its body cells are figures.
NUMERIC_COLUMN = 0.8


def header_row(rows: list[tuple[str, ...]]) -> bool:
    """Whether a table's first row names its columns though the page did not mark it so
    (no <th>): it holds words only, and under one of them at least stand figures."""
    if len(rows) < 3 or not all(rows[0]) or any(_FIGURE.fullmatch(c) for c in rows[0]):
        return False
    for column in range(len(rows[0])):
        cells = [row[column] for row in rows[1:] if column < len(row) and row[column]]
        figures = sum(bool(_FIGURE.fullmatch(cell)) for cell in cells)
        if cells and figures >= NUMERIC_COLUMN * len(cells):
            return True
    return False


def key(piece: Piece) -> str:
    """What two extractions of the same block have in common."""
    block = piece.block
    if isinstance(block, Figure):
        return "figure " + (piece.src or block.caption)
    if isinstance(block, ListBlock):
        return "list " + norm(" ".join(block.items))
    if isinstance(block, Table):
        return "table " + norm(" ".join(" ".join(row) for row in (block.header, *block.rows)))
    return norm(getattr(block, "text", ""))


def word_count(found: list[Piece]) -> int:
    return sum(len(key(piece).split()) for piece in found if not isinstance(piece.block, Figure))


def _fuller(short: Piece, long: Piece) -> bool:
    """Whether ``long`` is the same block as ``short`` with words that ``short`` lost."""
    if type(short.block) is not type(long.block) or isinstance(short.block, Figure):
        return False
    a, b = key(short).split(), key(long).split()
    if len(b) <= len(a):
        return False
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    kept = sum(size for _, _, size in matcher.get_matching_blocks())
    return kept >= 0.9 * len(a)


def merge(precise: list[Piece], broad: list[Piece], fill: bool = False) -> list[Piece]:
    """The precise extraction, each block in its fullest version; with ``fill``, also what
    the broad one finds between two of the precise one's blocks."""
    if not broad:
        return precise
    if word_count(precise) < FALLBACK_SHARE * word_count(broad):
        return broad
    matcher = difflib.SequenceMatcher(
        None, [key(p) for p in precise], [key(p) for p in broad], autojunk=False
    )
    merged: list[Piece] = []
    opcodes = matcher.get_opcodes()
    equal = [i for i, op in enumerate(opcodes) if op[0] == "equal"]
    first, last = (equal[0], equal[-1]) if equal else (len(opcodes), -1)
    for index, (op, p1, p2, b1, b2) in enumerate(opcodes):
        others = broad[b1:b2] if op in ("insert", "replace") else []
        used: list[Piece] = []
        for piece in precise[p1:p2]:
            fuller = next((o for o in others if _fuller(piece, o)), None)
            if fuller is not None:
                used.append(fuller)
            merged.append(fuller or piece)
        if fill and op == "insert" and first < index < last:
            merged.extend(others)
        else:
            merged.extend(dataclasses.replace(o, ghost=True) for o in others if o not in used)
    return merged


# --- an article set in several containers ----------------------------------------------------

# A container holding less running text than this is no part of the article's body.
CONTINUATION_MIN_WORDS = 50
_TEXT_TAGS = ("p", "h2", "h3", "h4", "ul", "ol", "blockquote")


def continuations(tree: etree._Element, found: list[Piece]) -> list[Piece]:
    """The article with the parts of it set in other containers of the same kind.

    Some pages split the body into several containers with the same class (an advert or a
    newsletter box between them); an extractor then often keeps only the first. The
    container that holds most of the paragraphs read is found in the page, and every other
    element with the same tag and class that holds running text none of which was read is
    read too, in its place in the page.
    """
    by_text: dict[str, etree._Element] = {}
    for element in tree.iter("p"):
        key_text = norm(element.text_content())[:80]
        if len(key_text) >= 40:
            by_text.setdefault(key_text, element)
    parents: dict[etree._Element, list[int]] = {}
    for index, piece in enumerate(found):
        if isinstance(piece.block, Paragraph) and not piece.ghost:
            element = by_text.get(norm(piece.block.text)[:80])
            if element is not None and element.getparent() is not None:
                parents.setdefault(element.getparent(), []).append(index)
    if not parents:
        return found
    body, indexes = max(parents.items(), key=lambda item: len(item[1]))
    if not body.get("class") or len(indexes) < 2:
        return found
    order = {element: n for n, element in enumerate(tree.iter())}
    read = {norm(p.block.text)[:80] for p in found if isinstance(p.block, Paragraph)}
    before: list[Piece] = []
    after: list[Piece] = []
    for other in tree.iter(body.tag):
        if other is body or other.get("class") != body.get("class"):
            continue
        if any(a is body for a in other.iterancestors()) or any(
            a is other for a in body.iterancestors()
        ):
            continue
        extra = _plain_pieces(other)
        texts = [p.block.text for p in extra if isinstance(p.block, Paragraph) and p.links < 0.5]
        if any(norm(t)[:80] in read for t in texts):
            continue
        if sum(len(t.split()) for t in texts) < CONTINUATION_MIN_WORDS:
            continue
        (before if order[other] < order[body] else after).extend(extra)
    if not before and not after:
        return found
    first, last = min(indexes), max(indexes)
    return [*found[:first], *before, *found[first : last + 1], *after, *found[last + 1 :]]


def _plain_pieces(container: etree._Element) -> list[Piece]:
    """Running text of a page's container, read straight from its HTML."""
    found: list[Piece] = []
    for element in container.iter(*_TEXT_TAGS):
        if any(a.tag in _TEXT_TAGS for a in element.iterancestors()):
            continue  # read with the element that holds it
        text = " ".join(element.text_content().split())
        if not text:
            continue
        linked = sum(len(a.text_content()) for a in element.iter("a")) / max(1, len(text))
        if linked >= 0.5:
            continue  # links to elsewhere: a menu, a list of other stories
        if element.tag == "p":
            found.append(Piece(Paragraph(text), linked))
        elif element.tag in ("h2", "h3", "h4"):
            found.append(Piece(Heading(text, int(element.tag[1])), linked))
        elif element.tag == "blockquote":
            found.append(Piece(Quotation(text), linked))
        else:
            entries = list(element.iter("li"))
            if entries and all(li.find(".//a") is not None for li in entries):
                continue  # every item a link: a list of other stories
            items = tuple(" ".join(li.text_content().split()) for li in entries)
            if any(items):
                found.append(
                    Piece(ListBlock(tuple(i for i in items if i), element.tag == "ol"), linked)
                )
    return found


# --- embedded posts ------------------------------------------------------------------------

_EMBED = re.compile(
    r"twitter-tweet|instagram-media|tiktok-embed|bluesky-embed|mastodon-embed|threads-post", re.I
)
_SHORT_LINK = re.compile(r"\s*(?:https?://)?(?:t\.co|pic\.twitter\.com|bit\.ly)/\S+")


def embedded_posts(tree: etree._Element, found: list[Piece]) -> list[Piece]:
    """Posts embedded in the article (a tweet quoted by the writer), read as quotations.

    Extractors drop an embed's markup as a widget, and with it words the article quotes.
    Each embed is read in its place: after the paragraph that stands before it in the page.
    """
    keys = [norm(_text_of(p.block))[:80] for p in found]
    inserted: dict[int, list[Piece]] = {}
    found = list(found)
    for quote in tree.iter("blockquote"):
        if not _EMBED.search(quote.get("class") or ""):
            continue
        body = quote.find(".//p")
        said = _SHORT_LINK.sub(
            "", " ".join((body if body is not None else quote).text_content().split())
        )
        said = " ".join(said.split())
        footer = (
            " ".join(quote.text_content().split())[len(" ".join(body.text_content().split())) :]
            if body is not None
            else ""
        )
        if len(said.split()) < 3:
            continue
        already = next((i for i, k in enumerate(keys) if norm(said)[:60] in k), None)
        if already is not None:
            _sign_read_post(found, keys, already, said, footer, inserted)
            continue
        anchor = None
        for before in reversed(quote.xpath("preceding::p")):
            key_text = norm(before.text_content())[:80]
            if len(key_text) >= 20 and key_text in keys:
                anchor = keys.index(key_text)
                break
        if anchor is None:
            continue
        signed = post_signature(footer)
        if signed is not None:
            post = [Piece(Quotation(said)), Piece(Paragraph(signed))]
        else:
            post = [Piece(Quotation(said, speaker(footer) if footer.strip() else None))]
        inserted.setdefault(anchor, []).extend(post)
    if not inserted:
        return found
    merged: list[Piece] = []
    for index, piece in enumerate(found):
        merged.append(piece)
        merged.extend(inserted.get(index, []))
    return merged


def _sign_read_post(
    found: list[Piece],
    keys: list[str],
    index: int,
    said: str,
    footer: str,
    inserted: dict[int, list[Piece]],
) -> None:
    """A post the extraction read without its signature: the signature is read after it
    (after the last block of the post's words), and not as "In the words of …" before it."""
    signed = post_signature(footer)
    whole = norm(said)
    # The block must be the post's words, not a paragraph of the writer's that quotes them.
    if signed is None or found[index].ghost or keys[index] not in whole:
        return
    end = index
    while end + 1 < len(keys) and len(keys[end + 1]) >= 10 and keys[end + 1][:40] in whole:
        end += 1
    if end + 1 < len(found) and norm(signed) in norm(_text_of(found[end + 1].block)):
        return
    block = found[index].block
    if isinstance(block, Quotation) and block.attribution == speaker(footer):
        found[index] = dataclasses.replace(found[index], block=Quotation(block.text))
    inserted.setdefault(end, []).append(Piece(Paragraph(signed)))


def _text_of(block: Block) -> str:
    if isinstance(block, ListBlock):
        return " ".join(block.items)
    if isinstance(block, Figure):
        return block.caption
    if isinstance(block, Table):
        return " ".join(" ".join(r) for r in (block.header, *block.rows))
    return getattr(block, "text", "")
