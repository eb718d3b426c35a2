"""HTML pages: the article and nothing else, with its metadata and language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audionews.article import Figure, Heading, ListBlock, Quotation, Table
from audionews.errors import ArticleError
from audionews.ingest import ArticleFormat, read_article
from audionews.ingest.html import decode_html
from audionews.text.script import Role, make_script
from conftest import SHARED

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = SHARED / "corpus" / "readability"

# Words that only the page around the article holds: navigation, adverts, footer, promos.
NOT_THE_ARTICLE = [
    "cookie",
    "Subscribe",
    "ADVERT",
    "Weather forecast",
    "Share on",
    "Related stories",
    "newsletter",
    "Sign up",
    "Most read",
    "Council tax rise",
    "All rights reserved",
    "Privacy policy",
    "Terms of use",
    "garden furniture",
    "trackPageView",
    "font-family",
]


def spoken_text(article) -> str:
    return "\n".join(segment.text for segment in make_script(article).segments)


def test_own_page_article_and_metadata():
    article = read_article(FIXTURES / "courier-bridge.html")
    assert article.title == "Old Swing Bridge Reopens to Cyclists After Repairs"
    assert article.byline == "Ruth Calloway"
    assert article.date == "2026-09-14"
    assert article.language == "en-GB"
    assert article.description.startswith("The 1890s swing bridge over the Callow")
    assert [b.text for b in article.blocks if isinstance(b, Heading)] == [
        "What Was Wrong",
        "Who Paid",
        "What Comes Next",
    ]
    assert (
        Quotation(
            "We were closer to losing this bridge than most people realise.",
            "Deborah Enwright, chief engineer at the harbour trust",
        )
        in article.blocks
    )
    assert (
        ListBlock(
            (
                "a heritage grant of £1.2m;",
                "the harbour trust's reserves;",
                "a public appeal that raised £86,000.",
            ),
        )
        in article.blocks
    )
    assert (
        Table(("Source", "Amount"), (("Heritage grant", "£1.2m"), ("Public appeal", "£86,000")))
        in article.blocks
    )
    # The figure's caption, which the extractor drops, is read with its image.
    assert (
        Figure(
            "The swing bridge. The bridge turned for a tall ship on its first afternoon back in "
            "service."
        )
        in article.blocks
    )


def test_inline_q_is_a_quotation_with_its_speaker():
    segments = list(make_script(read_article(FIXTURES / "courier-bridge.html")).segments)
    # A partial quotation inside the narrator's sentence: read by the narrator, the sentence
    # naming whose words they are.
    (partial,) = [s for s in segments if "the cost of a new span" in s.text]
    assert partial.role is Role.NARRATION
    assert "“the cost of a new span was almost twice the cost of a repair”" in partial.text
    assert partial.speaker == "Deborah Enwright"
    (block_quote,) = [s for s in segments if s.text.startswith("We were closer")]
    assert block_quote.role is Role.QUOTE
    assert block_quote.speaker == "Deborah Enwright"


@pytest.mark.parametrize("junk", NOT_THE_ARTICLE)
def test_nothing_outside_the_article_is_read(junk: str):
    assert junk.lower() not in spoken_text(read_article(FIXTURES / "courier-bridge.html")).lower()


def test_declared_charset_is_respected_and_language_is_french():
    article = read_article(FIXTURES / "marche-vendredi.html")
    assert article.title == "Le marché du vendredi revient sur le port"
    assert article.byline == "Camille Roussel"
    assert article.language == "fr"
    texts = [s.text for s in make_script(article).segments]
    assert texts[-1] == "Fin du bulletin."
    assert "Section 1 sur 1 : Ce qui change." in texts


def test_bad_bytes_are_replaced_with_a_notice(tmp_path: Path):
    page = tmp_path / "p.html"
    page.write_bytes(
        b"<html><head><title>T</title></head><body><article><h1>Harbour news</h1><p>"
        + "Caf\u00e9 owners met the council on Monday to talk about the new quay. ".encode() * 5
        + b"\xff\xfe broken bytes here.</p></article></body></html>"
    )
    text, notices = decode_html(page.read_bytes(), page)
    assert "\ufffd" in text
    first_bad = page.read_bytes().index(b"\xff")
    assert notices == [f"{page}: bytes that are not utf-8 (first at {first_bad}) were replaced"]
    article = read_article(page)
    assert article.notices == tuple(notices)


def test_page_without_an_article_is_a_clear_error(tmp_path: Path):
    page = tmp_path / "empty.html"
    page.write_text(
        "<html><body><nav><a href='/'>Home</a></nav><footer>© 2026</footer></body></html>"
    )
    with pytest.raises(ArticleError, match="no article found in the page"):
        read_article(page)


def test_format_is_detected_from_content_without_extension(tmp_path: Path):
    page = tmp_path / "download"
    page.write_bytes((FIXTURES / "courier-bridge.html").read_bytes())
    assert read_article(page).title == "Old Swing Bridge Reopens to Cyclists After Repairs"
    # --format overrides detection: read as plain text, the markup is just text.
    as_text = read_article(page, ArticleFormat.TEXT)
    assert as_text.title.startswith("<!DOCTYPE html>")


# --- the saved real-world pages (../shared) -----------------------------------------------

PAGES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []
# Expected bylines that are not a person's name (a site name, dates): a real author is better.
NOT_A_PERSON = {"bbc-1": "BBC News", "seattletimes-1": "a date"}
# Where the page itself disagrees with the expected byline, and what the page shows.
PAGE_SAYS = {"herald-sun-1": "Laurie Oakes"}


@pytest.mark.shared
@pytest.mark.parametrize("page", PAGES or ["(corpus absent)"])
def test_corpus_page(page: str):
    folder = CORPUS / page
    expected = json.loads((folder / "expected-metadata.json").read_text())
    article = read_article(folder / "source.html")
    assert article.title == expected["title"]
    if page in PAGE_SAYS:
        assert article.byline == PAGE_SAYS[page]
    elif expected["byline"] and page not in NOT_A_PERSON:
        wanted = re.sub(r"^By\s+", "", expected["byline"])
        assert article.byline is not None and article.byline.casefold() == wanted.casefold()
    said = spoken_text(article).lower()
    for junk in (
        "subscribe",
        "newsletter",
        "cookie",
        "share this",
        "advertisement",
        "all rights reserved",
        "related stories",
        "other opinion columns",
        "read more:",
        "sign up",
    ):
        assert junk not in said, junk
    if page == "lemonde-1":
        assert article.language == "fr"
    if page == "la-nacion":
        assert article.language == "es"
