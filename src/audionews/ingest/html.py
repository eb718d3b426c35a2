"""HTML pages: the article found with trafilatura, its metadata read from the page.

trafilatura was chosen over readability-lxml after running both on the 14 saved pages of
../shared/corpus/readability: both find the same body text, but trafilatura also returns the
structure as XML (headings with their level, lists, quotations, tables, images) and the
author and date, where readability-lxml returns only cleaned HTML and a title. What lies
outside the article (navigation, adverts, footers, share buttons, related links, cookie
notices, scripts) is what trafilatura leaves out; this module reads only what it keeps.

Metadata comes from the page itself, in order of trust: JSON-LD (schema.org), Open Graph and
other meta tags, then the page's own elements (h1, byline). Titles lose their site-name suffix
(" | The Courier", " - BBC News").
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from pathlib import Path
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

from audionews.article import (
    Article,
    Block,
    Figure,
    Heading,
    ListBlock,
    Paragraph,
    Quotation,
    Table,
)
from audionews.errors import ArticleError
from audionews.ingest.language import detect_language

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|/|·|•|»|:)\s+")
_DATE_WORDS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\d{4}|\bupdated\b"
    r"|\b\d{1,2}:\d{2}\b",
    re.I,
)
_ATTRIBUTION = re.compile(r"^(?:—|–|―|-{1,2})\s*(?P<who>\S.*)$")

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
    extracted = trafilatura.extract(
        text,
        output_format="xml",
        include_tables=True,
        include_images=True,
        include_links=False,
        include_formatting=False,
        include_comments=False,
        favor_precision=True,
    )
    if not extracted:
        raise ArticleError(where, "no article found in the page")
    body = etree.fromstring(extracted.encode("utf-8"))
    main = body.find("main")
    blocks = _blocks(main if main is not None else body, _quote_attributions(page))

    linked = _json_ld(page)
    title = _title(page, linked, blocks)
    blocks = _tidy(_without_title(blocks, title), title)
    if not any(isinstance(block, Paragraph) for block in blocks):
        raise ArticleError(where, "no article found in the page")
    language = _language(page) or detect_language(
        " ".join(block.text for block in blocks if isinstance(block, Paragraph))
    )
    metadata = trafilatura.extract_metadata(text)
    return Article(
        title=title,
        blocks=tuple(blocks),
        byline=_byline(page, linked, metadata.author if metadata else None),
        date=_date(page, linked, metadata.date if metadata else None),
        language=language or "en",
        description=_meta(page, "og:description", "description", "twitter:description"),
        source=str(source) if source is not None else None,
        notices=tuple(notices or ()),
    )


# --- body --------------------------------------------------------------------------------


def _words(element: etree._Element) -> str:
    """The text of an element; an inline quotation (from <q>) keeps its quotation marks."""
    parts = [element.text or ""]
    for child in element:
        inner = _words(child)
        parts.append(f"“{inner}”" if child.tag == "quote" else inner)
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).casefold().strip()


def _quote_attributions(page: Any) -> dict[str, str]:
    """Who each block quote of the page is attributed to, by its <footer> or <cite>.

    trafilatura keeps a block quote's words but drops its footer, so the attribution is read
    from the page and matched back by the quotation's text.
    """
    found: dict[str, str] = {}
    for quote in page.xpath("//blockquote"):
        sources = quote.xpath(".//footer | .//cite | .//figcaption")
        if not sources:
            continue
        who = " ".join(sources[-1].text_content().split()).lstrip("—–-― ").strip()
        for source in sources:
            source.drop_tree()
        words = _norm(quote.text_content())
        if who and words:
            found[words] = who
    return found


def _blocks(container: etree._Element, attributions: dict[str, str] | None = None) -> list[Block]:
    attributions = attributions or {}
    blocks: list[Block] = []
    for element in container:
        tag = element.tag
        if tag == "head":
            text = _words(element)
            rend = element.get("rend", "h2")
            level = int(rend[1:]) if rend[1:].isdigit() else 2
            if text:
                blocks.append(Heading(text, level))
        elif tag == "p":
            text = _words(element)
            if text:
                blocks.append(Paragraph(text))
        elif tag == "quote":
            blocks.extend(_quotation(element, attributions))
        elif tag == "list":
            listing = _list(element)
            if listing.items:
                blocks.append(listing)
        elif tag == "table":
            table = _table(element)
            if table.rows or table.header:
                blocks.append(table)
        elif tag == "graphic":
            caption = " ".join((element.get("alt") or element.get("title") or "").split())
            if caption:
                blocks.append(Figure(caption))
        elif tag in ("div", "main", "section"):
            blocks.extend(_blocks(element, attributions))
    return blocks


def _quotation(element: etree._Element, attributions: dict[str, str]) -> list[Block]:
    parts = [_words(child) for child in element if child.tag == "p"] or [_words(element)]
    parts = [part for part in parts if part]
    attribution = attributions.get(_norm(" ".join(parts)))
    if attribution is None and parts and (match := _ATTRIBUTION.match(parts[-1])):
        attribution = match.group("who")
        parts.pop()
    text = " ".join(parts).strip().lstrip('“"«').rstrip('”"»').strip()
    return [Quotation(text, attribution)] if text else []


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
        items.append(_words(item))
    return ListBlock(tuple(items), element.get("rend") == "ol", tuple(sublists))


def _table(element: etree._Element) -> Table:
    header: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    for row in element.findall("row"):
        cells = row.findall("cell")
        texts = tuple(_words(cell) for cell in cells)
        if not any(texts):
            continue
        if not header and not rows and cells and all(c.get("role") == "head" for c in cells):
            header = texts
        else:
            rows.append(texts)
    return Table(header, tuple(rows))


# --- metadata ----------------------------------------------------------------------------


def _meta(page: Any, *names: str) -> str | None:
    for name in names:
        for attribute in ("property", "name", "itemprop"):
            found = page.xpath(f'//meta[@{attribute}="{name}"]/@content')
            for value in found:
                text = " ".join(str(value).split())
                if text:
                    return text
    return None


def _json_ld(page: Any) -> list[dict[str, Any]]:
    """schema.org objects from the page's JSON-LD scripts, flattened."""
    found: list[dict[str, Any]] = []

    def collect(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            found.append(value)
            collect(value.get("@graph"))

    for script in page.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            collect(json.loads(script))
        except (ValueError, RecursionError):
            continue
    return [item for item in found if "Article" in str(item.get("@type", "")) or "headline" in item]


def _clean_title(raw: str, site: str | None) -> str:
    """A page title without its site-name suffix or prefix."""
    raw = " ".join(raw.split())
    parts = _SEPARATORS.split(raw)
    if len(parts) < 2:
        return raw
    if site:
        kept = [part for part in parts if part.casefold() != site.casefold()]
        if kept and len(kept) < len(parts):
            return raw_join(raw, kept)
    # The site's name is the short end part; the headline is the rest.
    if len(parts[-1].split()) <= 4 and len(" ".join(parts[:-1]).split()) >= 3:
        return raw_join(raw, parts[:-1])
    if len(parts[0].split()) <= 3 and len(" ".join(parts[1:]).split()) >= 3:
        return raw_join(raw, parts[1:])
    return raw


def raw_join(raw: str, kept: list[str]) -> str:
    """Rejoin kept parts of a title with the separators that stood between them."""
    start = raw.find(kept[0])
    end = raw.rfind(kept[-1]) + len(kept[-1])
    return raw[start:end].strip() if start >= 0 and end > start else " ".join(kept)


def _title(page: Any, linked: list[dict[str, Any]], blocks: list[Block]) -> str:
    site = _meta(page, "og:site_name", "application-name")
    titles = page.xpath("//title/text()")
    document_title = _clean_title(titles[0], site) if titles and titles[0].strip() else None
    headings = [" ".join(h.text_content().split()) for h in page.xpath("//h1")]
    headings = [h for h in headings if h]
    candidates = [document_title, _meta(page, "og:title", "twitter:title")]
    candidates += [str(item.get("headline")) for item in linked if item.get("headline")]
    # What the page calls itself, without the site's name, as Readability reads it; the h1
    # gives its exact spelling when the two agree.
    for candidate in candidates:
        if not candidate or len(candidate.split()) < 3:
            continue
        for heading in headings:
            if _similar(heading, candidate):
                return heading
        return candidate
    if headings:
        return headings[0]
    first = next((b.text for b in blocks if isinstance(b, Heading)), None)
    return first or next((c for c in candidates if c), None) or "Untitled article"


def _similar(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return re.sub(r"\W+", " ", text).casefold().strip()

    a, b = norm(a), norm(b)
    return a == b or (len(a) > 15 and (a in b or b in a))


def _without_title(blocks: list[Block], title: str) -> list[Block]:
    """Drop the heading that repeats the title, and any kicker heading standing before it."""
    for index, block in enumerate(blocks[:4]):
        if isinstance(block, Heading) and _similar(block.text, title):
            before = blocks[:index]
            if all(isinstance(b, Heading) for b in before):
                return blocks[index + 1 :]
            return before + blocks[index + 1 :]
    return blocks


_RELATED = re.compile(
    r"^(?:other|more|related|recommended|most (?:read|popular|viewed)|read (?:more|next|also)|"
    r"you (?:may|might) (?:also )?like|trending|editor'?s? picks|latest|top stories|also read|"
    r"see also|further reading on|sponsored)\b",
    re.I,
)
_CREDIT = re.compile(r"^(?:source|photo|image|picture|credit|illustration|video)s?\s*:", re.I)
_TRAILING_CREDIT = re.compile(
    r"(?<=[.!?”\"])\s+(?:source|photo|picture|image|credit)s?\s*:\s*[^.!?]{1,40}$", re.I
)
HEADING_MAX_WORDS = 14


def _tidy(blocks: list[Block], title: str) -> list[Block]:
    """What trafilatura keeps that is still not the article, removed.

    - a "Related stories" / "Read more" / "Other columns" heading or lead-in, and everything
      after it: teasers for other articles;
    - picture credits ("Source: Supplied", "Jane Doe/Quanta Magazine");
    - an image whose caption is only the headline again.
    A "heading" longer than a headline is a standfirst paragraph.
    """
    tidy: list[Block] = []
    for block in blocks:
        if isinstance(block, Heading) and _RELATED.match(block.text):
            break
        if (
            isinstance(block, Paragraph)
            and _RELATED.match(block.text)
            and (len(block.text.split()) <= 5)
        ):
            break
        if isinstance(block, Paragraph) and _is_credit(block.text):
            continue
        if isinstance(block, Paragraph) and (credit := _TRAILING_CREDIT.search(block.text)):
            block = Paragraph(block.text[: credit.start()].rstrip())
        if isinstance(block, Figure) and _similar(block.caption, title):
            continue
        if isinstance(block, Heading) and len(block.text.split()) > HEADING_MAX_WORDS:
            tidy.append(Paragraph(block.text))
            continue
        tidy.append(block)
    return tidy


def _is_credit(text: str) -> bool:
    words = text.split()
    if _CREDIT.match(text) and len(words) <= 8:
        return True
    return (
        len(words) <= 6 and "/" in text and not re.search(r"[.!?]$", text) and ("://" not in text)
    )


def _language(page: Any) -> str | None:
    for value in page.xpath(
        "/html/@lang | /html/@xml:lang", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"}
    ):
        if str(value).strip():
            return str(value).strip()
    declared = page.xpath(
        '//meta[translate(@http-equiv,"CONTENTLANGUAGE","contentlanguage")'
        '="content-language"]/@content'
    )
    if declared and str(declared[0]).strip():
        return str(declared[0]).strip().split(",")[0]
    locale = _meta(page, "og:locale")
    return locale.replace("_", "-") if locale else None


def _person(name: str) -> str | None:
    """A byline cleaned of "By", dates and repeats; None when it is no name."""
    name = " ".join(name.split())
    # "Deal Professor By Jane Smith": the name follows the last "By".
    name = re.split(r"(?:^|\s)(?:by|par|por|von)(?:\s*:\s*|\s+)", name, flags=re.I)[-1]
    if date := _DATE_WORDS.search(name):
        name = name[: date.start()]
    name = name.strip(" ,;|-–—:")
    if not name or len(name.split()) > 12 or name.casefold() in {"username", "admin", "staff"}:
        return None
    if re.search(r"https?://|www\.|@", name):
        return None
    seen: list[str] = []
    for part in re.split(r"\s*;\s*", name):
        if part and part.casefold() not in {s.casefold() for s in seen}:
            seen.append(part)
    if not seen:
        return None
    joined = "; ".join(seen)
    # A byline set in capitals is a name, not an acronym: "JOE SMITH" is read "Joe Smith".
    if joined.isupper():
        joined = re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), joined.lower())
    return joined


def _byline(page: Any, linked: list[dict[str, Any]], extracted: str | None) -> str | None:
    for item in linked:
        authors = item.get("author")
        authors = authors if isinstance(authors, list) else [authors]
        names = [a.get("name") if isinstance(a, dict) else a for a in authors]
        names = [str(n) for n in names if isinstance(n, str) and n.strip()]
        if names and (person := _person(" and ".join(names))):
            return person
    for element in page.xpath(
        '//*[contains(@class, "byline") or @itemprop="author" or @rel="author" or '
        'contains(@class, "author-name")]'
    ):
        # Links to author pages inside a byline are the names, without roles or dates.
        linked_names = [
            " ".join(a.text_content().split())
            for a in element.xpath(".//a[@href]")
            if re.search(r"author|people|staff|profile|contributor", a.get("href", ""))
        ]
        text = " and ".join(n for n in linked_names if n) or element.text_content()
        if text.strip() and (person := _person(text)):
            return person
    meta_author = _meta(page, "author", "article:author", "sailthru.author")
    if meta_author and (person := _person(meta_author)):
        return person
    return _person(extracted) if extracted else None


def _date(page: Any, linked: list[dict[str, Any]], extracted: str | None) -> str | None:
    for item in linked:
        if published := item.get("datePublished"):
            return str(published)[:10]
    published = _meta(page, "article:published_time", "datePublished", "date", "pubdate")
    if published:
        return published[:10]
    return extracted
