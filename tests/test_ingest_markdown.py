"""Markdown articles: every construct, in an example of our own."""

from __future__ import annotations

from pathlib import Path

import pytest

from audionews.article import Break, Figure, Heading, ListBlock, Paragraph, Quotation, Table
from audionews.errors import ArticleError
from audionews.ingest import read_article
from audionews.ingest.markdown import parse_markdown
from audionews.text.script import Role, make_script
from conftest import EXAMPLES


@pytest.fixture(scope="module")
def ferry():
    return read_article(EXAMPLES / "ferry-timetable.md")


def test_front_matter_is_metadata(ferry):
    assert (ferry.title, ferry.byline, ferry.date, ferry.language) == (
        "Island Ferries Add a Late Sailing for the Summer",
        "Mireille Baptiste",
        "2026-06-02",
        "en-GB",
    )
    assert ferry.description.startswith("A 10 p.m. crossing joins the timetable")


def test_blocks(ferry):
    kinds = [type(block).__name__ for block in ferry.blocks]
    assert kinds == [
        "Paragraph",
        "Figure",
        "Heading",
        "Paragraph",
        "Quotation",
        "Heading",
        "Paragraph",
        "ListBlock",
        "Table",
        "Paragraph",
        "Break",
        "Heading",
        "Paragraph",
        "Heading",
        "ListBlock",
    ]
    blocks = ferry.blocks
    # The "# title" heading is the title, not a chapter; setext "Why a Late Boat" is.
    assert blocks[2] == Heading("Why a Late Boat", 2)
    # Emphasis, links and code spans are plain words; the footnote marker is not read.
    assert blocks[0].text.startswith("The ferry operator serving Caraway Island will run a late")
    assert blocks[0].text.endswith("after an evening shift.")
    assert "Port Aldwick had to stay over" in blocks[3].text
    assert blocks[9] == Paragraph(
        "Passengers can still use the Ferry Finder app to check for delays."
    )
    assert blocks[1] == Figure("The MV Caraway Belle leaving the harbour at dusk")
    assert blocks[4] == Quotation(
        "I have slept in my car on the quay more times than I can count. "
        "A ten o'clock boat changes my whole week.",
        "Hamish Oduya, hospital porter",
    )
    listing = blocks[7]
    assert listing.ordered and len(listing.items) == 3
    assert listing.sublists == (
        (2, ListBlock(("single tickets go from £4.60 to £5.00;", "season tickets are unchanged."))),
    )
    assert blocks[8] == Table(
        ("Sailing", "Leaves", "Arrives"),
        (("Late outbound", "22:00", "22:35"), ("Weekend return", "22:45", "23:20")),
    )
    assert isinstance(blocks[10], Break)
    assert blocks[13] == Heading("Footnotes", 2)
    assert blocks[14] == ListBlock(
        ("The island council's 2025 transport survey had 1,214 replies.",), ordered=True
    )


def test_tables_are_read_row_by_row_with_headers(ferry):
    texts = [segment.text for segment in make_script(ferry).segments]
    start = texts.index("A table of 2 rows.")
    assert texts[start : start + 4] == [
        "A table of 2 rows.",
        "Row 1. Sailing: Late outbound. Leaves: 22:00. Arrives: 22:35.",
        "Row 2. Sailing: Weekend return. Leaves: 22:45. Arrives: 23:20.",
        "End of table.",
    ]


def test_nested_list_is_announced_inside_its_parent(ferry):
    texts = [segment.text for segment in make_script(ferry).segments]
    start = texts.index("A list of 3 items.")
    assert texts[start : start + 8] == [
        "A list of 3 items.",
        "1. A 10 p.m. sailing from Port Aldwick, daily.",
        "2. A 10:45 p.m. return from Caraway Island, Friday and Saturday only.",
        "3. Fares rise by 40p for adults:",
        "A list of 2 items.",
        "single tickets go from £4.60 to £5.00;",
        "season tickets are unchanged.",
        "End of list.",
    ]


def test_quote_and_image_roles(ferry):
    segments = list(make_script(ferry).segments)
    image = next(s for s in segments if s.text.startswith("Image:"))
    assert image.text == "Image: The MV Caraway Belle leaving the harbour at dusk."
    quotes = [s for s in segments if s.role is Role.QUOTE]
    # The speaker is the person; the description is said in the introduction before.
    assert {s.speaker for s in quotes} == {"Hamish Oduya"}
    intro = segments[segments.index(quotes[0]) - 1]
    assert intro.role is Role.NARRATION
    assert intro.text == "In the words of Hamish Oduya, hospital porter:"


def test_title_from_first_heading_without_front_matter():
    article = parse_markdown(
        "Intro words.\n\n# The Real Title\n\nBody text here.\n\n## Part\n\nMore."
    )
    assert article.title == "The Real Title"
    assert [b for b in article.blocks if isinstance(b, Heading)] == [Heading("Part", 2)]


def test_front_matter_only_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "empty.md"
    path.write_text("---\ntitle: Nothing Here\n---\n")
    with pytest.raises(ArticleError, match="no article text"):
        read_article(path)


def test_broken_front_matter_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [unclosed\n---\nBody.\n")
    with pytest.raises(ArticleError, match="front matter is not valid YAML"):
        read_article(path)
