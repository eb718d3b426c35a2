"""A page's metadata: title, byline, date, language, standfirst, figure captions.

Metadata comes from the page itself, in order of trust: JSON-LD (schema.org, also when it is
wrapped in CDATA), Open Graph and other meta tags, the page's author markup (rel=author,
itemprop=author), then the page's loose elements (a "byline" class) outside comments,
sidebars and footers. Titles lose their site-name suffix (" | The Courier", " - BBC News").
A byline is names only: no "By", job titles, dates or site names; co-authors are joined
with "and"; an agency's name keeps its capitals (AFP, AP).
"""

from __future__ import annotations

import json
import re
from typing import Any

from audionews.article import Block, Heading
from audionews.ingest.html_body import Piece, norm, speaker

_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|/|·|•|»|:)\s+")
_CDATA_OPEN = re.compile(r"^\s*(?://|/\*)?\s*(?:<!\[CDATA\[|<!--)\s*(?:\*/)?")
_CDATA_CLOSE = re.compile(r"(?://|/\*)?\s*(?:\]\]>|-->)\s*(?:\*/)?\s*$")
_DATE_WORDS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\d{4}|\bupdated\b"
    r"|\b\d{1,2}:\d{2}\b|\b(?:published|posted|updated)\b",
    re.I,
)


def meta(page: Any, *names: str) -> str | None:
    for name in names:
        for attribute in ("property", "name", "itemprop"):
            found = page.xpath(f'//meta[@{attribute}="{name}"]/@content')
            for value in found:
                text = " ".join(str(value).split())
                if text:
                    return text
    return None


def json_ld(page: Any) -> list[dict[str, Any]]:
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
        # Some pages wrap their JSON-LD in CDATA (or its commented form) for old XHTML readers.
        script = _CDATA_CLOSE.sub("", _CDATA_OPEN.sub("", script))
        try:
            collect(json.loads(script, strict=False))
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


def title(page: Any, linked: list[dict[str, Any]], blocks: list[Block]) -> str:
    site = meta(page, "og:site_name", "application-name")
    titles = page.xpath("//title/text()")
    document_title = _clean_title(titles[0], site) if titles and titles[0].strip() else None
    headings = [" ".join(h.text_content().split()) for h in page.xpath("//h1")]
    headings = [h for h in headings if h]
    candidates = [document_title, meta(page, "og:title", "twitter:title")]
    candidates += [str(item.get("headline")) for item in linked if item.get("headline")]
    # What the page calls itself, without the site's name, as Readability reads it; the h1
    # gives its exact spelling when the two agree.
    for candidate in candidates:
        if not candidate or len(candidate.split()) < 3:
            continue
        for heading in headings:
            if similar(heading, candidate):
                return heading
        return candidate
    if headings:
        return headings[0]
    first = next((b.text for b in blocks if isinstance(b, Heading)), None)
    return first or next((c for c in candidates if c), None) or "Untitled article"


def similar(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    return a == b or (len(a) > 15 and (a in b or b in a))


def without_title(found: list[Piece], title: str) -> list[Piece]:
    """Drop the heading that repeats the title, and any kicker heading standing before it."""
    for index, piece in enumerate(found[:4]):
        if isinstance(piece.block, Heading) and similar(piece.block.text, title):
            before = found[:index]
            if all(isinstance(p.block, Heading) for p in before):
                return found[index + 1 :]
            return before + found[index + 1 :]
    return found


def language(page: Any) -> str | None:
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
    locale = meta(page, "og:locale")
    return locale.replace("_", "-") if locale else None


def date(page: Any, linked: list[dict[str, Any]], extracted: str | None) -> str | None:
    for item in linked:
        if published := item.get("datePublished"):
            return str(published)[:10]
    published = meta(page, "article:published_time", "datePublished", "date", "pubdate")
    if published:
        return published[:10]
    return extracted


def quote_attributions(page: Any) -> dict[str, str]:
    """Who each block quote of the page is attributed to, by its <footer> or <cite>.

    trafilatura keeps a block quote's words but drops its footer, so the attribution is read
    from the page and matched back by the quotation's text.
    """
    found: dict[str, str] = {}
    for quote in page.xpath("//blockquote"):
        sources = quote.xpath(".//footer | .//cite | .//figcaption")
        if not sources:
            continue
        who = speaker(sources[-1].text_content())
        for source in sources:
            source.drop_tree()
        words = norm(quote.text_content())
        if who and words:
            found[words] = who
    return found


# --- byline ------------------------------------------------------------------------------

# Where a name is someone else's: a comment's author, a sidebar's, a teaser's.
_ELSEWHERE = re.compile(
    r"comment|reply|respon|sidebar|related|recommend|teaser|promo|widget|footer|newsletter|"
    r"most-?(?:read|popular)|trending|outbrain|taboola",
    re.I,
)
_ROLE = re.compile(
    r"\b(?:editor|editors|reporter|correspondent|writer|contributor|columnist|producer|"
    r"journalist|critic|photographer|anchor|intern|analyst|staff|editor-in-chief|"
    r"redakteur|redaktion|rédacteur|redactor|periodista|journaliste)\b",
    re.I,
)
_ROLE_WORDS = {
    "senior",
    "chief",
    "associate",
    "deputy",
    "managing",
    "executive",
    "contributing",
    "staff",
    "special",
    "foreign",
    "political",
    "politics",
    "games",
    "gaming",
    "sports",
    "science",
    "technology",
    "tech",
    "business",
    "health",
    "entertainment",
    "music",
    "film",
    "news",
    "digital",
    "features",
    "feature",
    "investigative",
    "economics",
    "education",
    "environment",
    "travel",
    "food",
    "fashion",
    "culture",
    "arts",
    "opinion",
    "editorial",
    "video",
    "photo",
    "social",
    "media",
    "web",
    "online",
    "assistant",
    "general",
    "national",
    "international",
    "local",
    "metro",
    "regional",
    "data",
    "graphics",
    "multimedia",
    "legal",
    "weather",
    "markets",
    "finance",
    "money",
    "tv",
    "movies",
    "reviews",
    "review",
    "lead",
    "principal",
    "freelance",
    "guest",
    "the",
    "a",
    "an",
    "and",
    "&",
    "of",
    "for",
    "at",
}
_AGENCIES = {
    "AFP",
    "AP",
    "AAP",
    "PA",
    "UPI",
    "ANI",
    "PTI",
    "IANS",
    "EFE",
    "ANSA",
    "DPA",
    "KYODO",
    "APA",
    "CP",
    "SDA",
    "ATS",
    "TASS",
    "BBC",
    "CNN",
    "NPR",
}
_JOINERS_WORD = re.compile(r"\s(?:and|und|et|y|e)\s", re.I)
_JOINERS = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", re.I)


def _without_role(part: str) -> str:
    """ "Ben Silverman Games Editor" -> "Ben Silverman": a name before its job title."""
    match = _ROLE.search(part)
    if not match:
        return part
    words = part[: match.start()].split()
    while words and words[-1].casefold().strip(",") in _ROLE_WORDS:
        words.pop()
    if all(w.casefold() in _ROLE_WORDS | {"our"} for w in words):
        return ""  # a job title alone ("Senior Reporter") or a desk ("Our Foreign Staff")
    return " ".join(words)


def _one_name(part: str, site: str | None) -> str | None:
    part = part.strip(" ,;|-–—:·•/()[]")
    # "Jane Doe on Deadspin", "Jane Doe for The Courier": the site is not the author.
    part = re.split(r"\s+(?:on|for|at|in)\s+[A-Z]", part, maxsplit=1)[0]
    part = _without_role(part).strip(" ,;|-–—:·•/")
    if not part or (site and part.casefold() == site.casefold()):
        return None
    words = part.split()
    if len(words) > 5 or not re.search(r"[^\W\d_]{2}", part):
        return None
    # A name starts with a capital (in scripts that have them): "o n" is a broken fragment.
    first = part[0]
    if first.isalpha() and first.lower() != first.upper() and not first.isupper():
        return None
    if all(len(re.sub(r"\W", "", w)) <= 1 for w in words):
        return None  # initials alone ("J J.") are no name to read
    if part.isupper() and part.replace(" ", "").upper() not in _AGENCIES:
        # A byline set in capitals is a name, not an acronym: "JOE SMITH" is "Joe Smith";
        # an agency keeps its capitals (AFP, AP).
        part = " ".join(
            w
            if w.upper() in _AGENCIES
            else re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), w.lower())
            for w in part.split()
        )
    return part


def person(raw: str, site: str | None = None) -> str | None:
    """A byline as names only ("Jane Doe and John Roe"); None when it holds no name."""
    text = " ".join(raw.split())
    # "Deal Professor By Jane Smith": the names follow the last "By".
    text = re.split(r"(?:^|\s)(?:by|par|por|von|di|door)(?:\s*:\s*|\s+)", text, flags=re.I)[-1]
    if found := _DATE_WORDS.search(text):
        text = text[: found.start()]
    if re.search(r"https?://|www\.|@", text):
        return None
    # A parenthesis ("Jane Doe (with John Roe)") is kept whole, as the page words it.
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        held.append(match.group(0))
        return f"\x00{len(held) - 1}\x00"

    text = re.sub(r"\([^()]*\)", hold, text)
    conjunction = _JOINERS_WORD.search(text)
    and_word = conjunction.group(0).strip() if conjunction else "and"
    names: list[str] = []
    bare: set[str] = set()
    for part in re.split(r"\s*[|/•·]\s*|\s+[-–—]\s+", text):
        for piece in _JOINERS.split(part):
            name = _one_name(re.sub(r"\s*\x00\d+\x00", "", piece), site)
            if name and name.casefold() not in bare:
                bare.add(name.casefold())
                names.append(
                    name + "".join(f" {held[int(i)]}" for i in re.findall(r"\x00(\d+)\x00", piece))
                )
    names = [n for n in names if n.casefold() not in {"username", "admin", "staff", "editor"}]
    if not names:
        # No one is named, only a desk ("Our Foreign Staff"): the credit as the paper prints it.
        credit = text.strip(" ,;|-–—:")
        if _ROLE.search(credit) and len(credit.split()) <= 4 and credit[:1].isupper():
            return credit
        return None
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" {and_word} " + names[-1]


def _elsewhere(element: Any) -> bool:
    """Whether an element stands in a comment, a sidebar, a footer or a teaser."""
    if element.tag in ("aside", "nav", "footer"):
        return True
    for ancestor in element.iterancestors():
        if ancestor.tag in ("aside", "nav", "footer"):
            return True
        marks = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if _ELSEWHERE.search(marks):
            return True
    return False


def _linked_authors(page: Any, linked: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for item in linked:
        authors = item.get("author") or item.get("creator")
        authors = authors if isinstance(authors, list) else [authors]
        for author in authors:
            name = author.get("name") if isinstance(author, dict) else author
            if isinstance(name, str) and name.strip():
                found.append(name)
        if found:
            break
    return found


def byline(page: Any, linked: list[dict[str, Any]], extracted: str | None) -> str | None:
    """The article's authors: the page's author metadata first, loose elements last."""
    site = meta(page, "og:site_name", "application-name")
    candidates: list[str] = []
    if authors := _linked_authors(page, linked):
        candidates.append(" and ".join(authors))
    for key in ("author", "article:author", "sailthru.author", "parsely-author", "dc.creator"):
        if value := meta(page, key):
            candidates.append(value)
    marked = [
        element
        for element in page.xpath('//*[@rel="author"] | //*[@itemprop="author"]')
        if not _elsewhere(element)
    ]
    names = []
    for element in marked:
        inner = element.xpath('.//*[@itemprop="name"]/@content | .//*[@itemprop="name"]')
        found = inner[0] if inner else element
        text = found if isinstance(found, str) else found.text_content()
        text = text or element.get("content") or ""
        if text.strip() and text.strip() not in names:
            names.append(" ".join(text.split()))
    if names:
        candidates.append(" and ".join(names))
    for element in page.xpath(
        '//*[contains(@class, "byline") or contains(@class, "author-name") or '
        'contains(@class, "author_name")]'
    ):
        if not _elsewhere(element):
            candidates.append(element.text_content())
    for candidate in candidates:
        if name := person(candidate, site):
            return name
    # trafilatura's own guess, when the page shows that name somewhere of the article's own.
    if extracted and (name := person(extracted, site)) and _shown_in_article(page, name):
        return name
    return None


def _shown_in_article(page: Any, name: str) -> bool:
    word = max(name.split(), key=len)
    return any(
        not _elsewhere(node.getparent()) and node.getparent().tag not in ("script", "style")
        for node in page.xpath("//body//text()[contains(., $word)]", word=word)
        if node.getparent() is not None
    )


# --- standfirst and captions ---------------------------------------------------------------

_STANDFIRST = re.compile(
    r"standfirst|\bdek\b|deck|sub-?head|sub-?title|subtitle|summary|\blede\b|\bintro\b|"
    r"excerpt|strap|article-?desc|description|teaser-?text|\blead\b|kicker-?text",
    re.I,
)
STANDFIRST_WORDS = (6, 90)


def standfirst(page: Any, title_text: str, first_text: str | None) -> str | None:
    """The summary set under the headline, when the page has one.

    It stands after the title's h1 and before the article's first paragraph, and is marked
    as such (a standfirst, dek, summary or description class or itemprop) or says what the
    page's own description says.
    """
    headings = [
        h for h in page.iter("h1") if similar(" ".join(h.text_content().split()), title_text)
    ]
    if not headings:
        return None
    described = {
        norm(d)
        for d in (
            meta(page, "og:description"),
            meta(page, "description"),
            meta(page, "twitter:description"),
        )
        if d
    }
    start = headings[0]
    stop_at = norm(first_text)[:60] if first_text else None
    for element in start.xpath("following::*"):
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "noscript"):
            continue
        text = " ".join(element.text_content().split())
        key = norm(text)
        if stop_at and key.startswith(stop_at):
            return None  # the article begins: no standfirst before it
        if element.tag not in ("p", "h2", "h3", "div", "span", "section", "header"):
            continue
        if not STANDFIRST_WORDS[0] <= len(text.split()) <= STANDFIRST_WORDS[1]:
            continue
        if any(child.tag in ("p", "div", "h2", "h3", "ul", "ol", "figure") for child in element):
            continue  # a container: its own children are looked at in turn
        marks = " ".join(element.get(name) or "" for name in ("class", "id", "itemprop"))
        says_description = any(
            key == d
            or (len(key) >= 30 and len(d) >= 30 and (d.startswith(key) or key.startswith(d)))
            for d in described
        )
        if (
            (_STANDFIRST.search(marks) or says_description)
            and not _elsewhere(element)
            and not element.xpath(".//a[string-length(normalize-space()) > 20]")
        ):
            return text
    return None


def figure_captions(page: Any) -> set[str]:
    """The page's figure captions, normalised, to read them as captions wherever they stand."""
    found = set()
    for caption in page.xpath("//figcaption | //figure//*[contains(@class, 'caption')]"):
        text = norm(caption.text_content())
        if text:
            found.add(text)
    return found


def captions_by_image(page: Any) -> dict[str, str]:
    """Each figure's caption by its image's address, for figures of one image with a
    figcaption: the extractor keeps the image but drops the caption, which is read with it."""
    found: dict[str, str] = {}
    for figure in page.iter("figure"):
        images = figure.xpath(".//img[@src]")
        captions = figure.xpath(".//figcaption")
        if len(images) != 1 or not captions:
            continue
        text = " ".join(captions[0].text_content().split())
        if text:
            found[images[0].get("src")] = text
    return found
