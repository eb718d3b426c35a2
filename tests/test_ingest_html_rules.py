"""Real pages read right (issue 13): one named test per reading rule, each on a small page of
our own (tests/fixtures/pages, or built here) that reproduces the situation met on real
pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from audionews.article import Figure, Heading, ListBlock, Paragraph, Quotation, Table
from audionews.ingest import read_article
from audionews.ingest.html_body import (
    Piece,
    continuations,
    embedded_posts,
    header_row,
    merge,
    pieces,
    speaker,
    words,
)
from audionews.ingest.html_meta import figure_captions, person
from audionews.ingest.html_rules import tidy
from audionews.text.script import Role, make_script
from conftest import SHARED

PAGES = Path(__file__).parent / "fixtures" / "pages"
READABILITY = SHARED / "corpus" / "readability"

BODY = """
<p>The harbour board met on Monday evening to decide how the new slipway should be paid for,
after the old one cracked in two places during the storms of last winter.</p>
<p>Members agreed to ask the county for half of the cost and to raise the rest from mooring
fees over the next five years, a plan that boat owners had asked for at the spring meeting.</p>
<p>Work could start in April if the county agrees, and the slipway would be closed for about
six weeks while the concrete is poured and left to cure.</p>
<p>Owners of the smaller boats will be able to use the beach ramp at the north end of the
harbour while the work goes on, the board said.</p>
"""


def page(
    tmp_path: Path, head: str = "", top: str = "", bottom: str = "", outside: str = ""
) -> Path:
    """A small news page of our own with the given pieces set into it."""
    path = tmp_path / "page.html"
    path.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Harbour board agrees slipway plan</title>{head}</head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>Harbour board agrees slipway plan</h1>{top}{BODY}{bottom}</article>"
        f"{outside}<footer><p>Harbour Notes, 1 Quay Street</p></footer></body></html>",
        encoding="utf-8",
    )
    return path


def segments(article) -> list:
    return list(make_script(article).segments)


def said(article) -> str:
    return "\n".join(segment.text for segment in segments(article))


def times_read(article, words_: str) -> int:
    return said(article).count(words_)


# --- layout tables -------------------------------------------------------------------------


def test_layout_table_is_read_as_its_content_with_its_headings():
    article = read_article(PAGES / "layout-table.html")
    assert [b.text for b in article.blocks if isinstance(b, Heading)] == [
        "What changes for passengers",
        "Why the operator cut crossings",
        "What happens next",
    ]
    assert article.blocks[0] == Paragraph(
        "The island ferry will run four crossings a day from the first of November instead of"
        " six, the operator said on Thursday, after a summer in which the morning boats were"
        " often half empty and fuel costs rose for the third year in a row."
    )
    text = said(article)
    assert "Row 1. The island ferry" not in text
    for menu in ("Archive", "About these notes", "Write to us"):
        assert menu not in text


def test_data_table_beside_a_layout_table_stays_a_table():
    article = read_article(PAGES / "layout-table.html")
    tables = [b for b in article.blocks if isinstance(b, Table)]
    assert tables == [Table(("Season", "Crossings a day"), (("Summer", "6"), ("Winter", "4")))]


def test_long_layout_cell_is_never_one_long_segment(tmp_path: Path):
    sentence = "The harbour wall was built in eighteen ninety and has been mended many times. "
    cell = sentence * 30  # about 450 words of running text in one cell
    path = tmp_path / "p.html"
    path.write_text(
        "<html><head><title>Harbour wall history for the town</title></head><body><table><tr>"
        f"<td><a href='/'>Home</a></td><td>{cell}</td></tr></table></body></html>"
    )
    article = read_article(path)
    assert not any(isinstance(b, Table) for b in article.blocks)
    longest = max(len(s.text.split()) for s in segments(article))
    assert longest <= 150
    assert times_read(article, "The harbour wall was built") == 30


def test_table_header_repeated_as_a_body_row_is_read_once():
    xml = etree.fromstring(
        "<main><table><row><cell role='head'>Pos</cell><cell role='head'>Player</cell></row>"
        "<row><cell>Pos</cell><cell>Player</cell></row>"
        "<row><cell>DL</cell><cell>Sam Ortiz</cell></row></table></main>"
    )
    assert [p.block for p in pieces(xml, {})] == [Table(("Pos", "Player"), (("DL", "Sam Ortiz"),))]


def test_first_row_of_words_over_figures_is_the_header_of_a_table_without_th():
    article = read_article(PAGES / "standings-table.html")
    (table,) = [b for b in article.blocks if isinstance(b, Table)]
    assert table.header == ("Place", "Crew", "Points", "Wins")
    assert table.rows[0] == ("1", "Quay Street", "52", "3") and len(table.rows) == 5


@pytest.mark.parametrize(
    "rows",
    [
        [("Harbour", "Quay"), ("North", "Beach"), ("Old", "Town")],  # words only
        [("Place", "2019"), ("1", "52"), ("2", "47")],  # a figure in the first row
        [("Place", "Crew"), ("1", "Quay Street")],  # too few rows to tell
    ],
)
def test_first_row_is_no_header_without_words_over_figures(rows):
    assert not header_row(rows)


def test_long_table_names_its_columns_once_and_each_row_is_announced():
    article = read_article(PAGES / "standings-table.html")
    spoken = segments(article)
    start = next(i for i, s in enumerate(spoken) if s.text.startswith("A table of"))
    read = [(s.role, s.text) for s in spoken[start : start + 4]]
    assert read == [
        (Role.ANNOUNCEMENT, "A table of 5 rows; columns: Place, Crew, Points, Wins."),
        (Role.ANNOUNCEMENT, "Row 1."),
        (Role.NARRATION, "1, Quay Street, 52, 3."),
        (Role.ANNOUNCEMENT, "Row 2."),
    ]
    assert "Points:" not in said(article)


def test_short_table_names_each_cell_by_its_column():
    article = read_article(PAGES / "layout-table.html")
    texts = [s.text for s in segments(article)]
    start = texts.index("A table of 2 rows.")
    assert texts[start + 1 : start + 5] == [
        "Row 1.",
        "Season: Summer. Crossings a day: 6.",
        "Row 2.",
        "Season: Winter. Crossings a day: 4.",
    ]


# --- media players and dialogs ----------------------------------------------------------


def test_media_player_and_dialog_text_is_never_read():
    article = read_article(PAGES / "player-and-dialog.html")
    text = said(article).lower()
    for junk in (
        "modal window",
        "dialog window",
        "escape will cancel",
        "text color",
        "font size",
        "current time",
        "does not support",
        "never miss a story",
        "enter your email",
    ):
        assert junk not in text, junk
    assert not any(isinstance(b, ListBlock) for b in article.blocks)
    assert len([b for b in article.blocks if isinstance(b, Paragraph)]) == 5


def test_card_shown_over_a_link_in_running_text_is_not_read(tmp_path: Path):
    top = (
        "<p>The plan was put forward by councillor <span class='who'>"
        "<a href='/people/roe'>Jane Roe</a><span class='card'><img src='/roe.jpg' alt=''>"
        "<a href='/people/roe'>Jane Roe</a><a href='/news/1'>Council votes to close the ferry"
        " office</a> <a href='/news/2'>Roe calls for a bus route to the quay</a> "
        "<a href='/people/roe'>MORE</a></span></span> (Harbour ward), who chairs the board's"
        " finance committee.</p>"
    )
    text = said(read_article(page(tmp_path, top=top)))
    assert "by councillor Jane Roe (Harbour ward), who chairs the board's finance" in text
    for junk in ("ferry office", "bus route", "MORE"):
        assert junk not in text, junk


def test_words_after_a_link_beside_an_image_are_read(tmp_path: Path):
    top = (
        "<p>The plan was put forward by <a href='/people/roe'>Jane Roe</a><span> and her"
        " deputy <img src='/icon.png' alt=''><a href='/people/poe'>Sam Poe</a> of the"
        " <a href='/board'>harbour board</a></span> on Monday.</p>"
    )
    text = said(read_article(page(tmp_path, top=top)))
    assert "Jane Roe and her deputy Sam Poe of the harbour board on Monday" in text


# --- images and captions ------------------------------------------------------------------


def test_caption_that_is_also_alt_text_is_read_once_as_a_caption():
    article = read_article(PAGES / "figures.html")
    assert times_read(article, "Visitors walking along the new deck on opening day") == 1
    assert "Image: Visitors walking along the new deck on opening day." in said(article)


def test_caption_repeated_as_a_list_is_read_once_as_a_caption():
    article = read_article(PAGES / "figures.html")
    caption = "Anglers are back at the end of the pier for the first time in a year"
    assert times_read(article, caption) == 1
    assert Figure(caption) in article.blocks
    assert "A list of 1 item." not in said(article)


def test_file_names_and_addresses_are_never_read_as_alt_text():
    text = said(read_article(PAGES / "figures.html"))
    for name in ("bandb2", "DSC_0042", ".jpg", "http", "example.org"):
        assert name not in text, name


def test_image_label_in_alt_text_is_not_said_twice():
    text = said(read_article(PAGES / "figures.html"))
    assert "Image: The rebuilt kiosk at the end of the pier." in text
    assert "Image: Image" not in text


def test_every_image_is_announced_the_same_way():
    article = read_article(PAGES / "figures.html")
    figures = [s.text for s in segments(article) if s.text.startswith("Image: ")]
    captions = [b.caption for b in article.blocks if isinstance(b, Figure)]
    assert len(figures) == len(captions) == 3


def test_paragraph_after_an_image_block_is_read():
    text = said(read_article(PAGES / "figures.html"))
    assert "The kiosk at the end of the pier was rebuilt from photographs" in text
    assert "Engineers replaced more than four thousand planks" in text


def test_caption_outside_a_figure_is_read_as_a_caption_without_its_credit():
    article = read_article(PAGES / "captions.html")
    text = said(article)
    caption = "Children from the primary school carry lanterns they made in class past the"
    assert f"Image: {caption}" in text and times_read(article, caption) == 1
    assert "Jane Roe" not in text and "Photo" not in text


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("The quay at dawn [File: Harbour Trust]", "The quay at dawn"),
        (
            "A lander as an artist imagines it [Harbour Trust via Nasa]",
            "A lander as an artist imagines it",
        ),
        ("Boats at the quay. (AP Photo/Jane Roe, File)", "Boats at the quay."),
        ("The first map of the bay. (Harbour/Survey)", "The first map of the bay."),
        ("Tea (and/or coffee) at the kiosk", "Tea (and/or coffee) at the kiosk"),
        ("(Harbour/Survey/Trust)", None),
    ],
)
def test_credit_at_the_end_of_a_caption_is_not_read(given: str, read: str | None):
    kept = tidy([Piece(Figure(given))], "Harbour news", set())
    assert [p.block for p in kept] == ([Figure(read)] if read else [])


def test_emphasised_line_under_an_image_is_its_caption():
    article = read_article(PAGES / "captions.html")
    assert Figure("A paper whale by the pupils of Quay School") in article.blocks
    assert times_read(article, "A paper whale by the pupils") == 1
    page_ = lxml.html.fromstring(
        "<div class='content'>The band played on.<br><img src='/b.jpg' alt=''>"
        "<center><em>The band on the breakwater via <a href='/x'>Harbour Notes</a></em>"
        "</center><br>It played for two hours.</div>"
    )
    assert "the band on the breakwater via harbour notes" in figure_captions(page_)


def test_emphasis_inside_running_text_after_an_image_is_no_caption():
    page_ = lxml.html.fromstring(
        "<div><p><img src='/b.jpg' alt=''></p><p>The band played <em>twice</em> that night,"
        " once at dusk and once at midnight.</p></div>"
    )
    assert figure_captions(page_) == set()


def test_paragraph_repeating_the_alt_text_beside_it_is_the_images_caption():
    article = read_article(PAGES / "captions.html")
    assert times_read(article, "Boats in the harbour lit by lanterns") == 1
    assert "Image: Boats in the harbour lit by lanterns." in said(article)


def test_gallery_caption_given_whole_and_cut_short_is_read_once_without_its_buttons():
    page_ = lxml.html.fromstring(PAGES.joinpath("captions.html").read_bytes())
    whole = (
        "Volunteers fold paper lanterns in the church hall on the Thursday before the walk,"
        " working late into the evening to finish them all."
    )
    # As the extractor gives a gallery: the item's text, its caption whole, then cut short.
    short = whole.split(" into")[0]
    item = f"{whole} less {short} ... more Photo: Sam Poe, Harbour Notes"
    kept = tidy([Piece(ListBlock((item,)))], "Lantern walk", figure_captions(page_))
    assert [p.block for p in kept] == [Figure(whole)]


def test_caption_that_starts_with_the_whole_alt_text_is_read_once_in_full(tmp_path: Path):
    top = (
        "<figure><img src='/img/hall.jpg' alt='Volunteers fold paper lanterns in the church"
        " hall'><figcaption>Volunteers fold paper lanterns in the church hall on the Thursday"
        " before the walk.</figcaption></figure>"
    )
    article = read_article(page(tmp_path, top=top))
    figures = [b for b in article.blocks if isinstance(b, Figure)]
    assert figures == [
        Figure("Volunteers fold paper lanterns in the church hall on the Thursday before the walk.")
    ]


def test_credit_marked_in_a_figcaption_is_not_read(tmp_path: Path):
    top = (
        "<figure><img src='/img/quay.jpg' alt='The old quay'><figcaption><span>Boats moored"
        " along the old quay on Friday.</span> <span class='credit'><span>Credit</span> Jane"
        " Roe/Harbour Photos</span></figcaption></figure>"
        "<figure><img src='/img/map.jpg' alt='A map'><figcaption><div class='attribution'>"
        "Sam Poe for Harbour Notes</div></figcaption></figure>"
    )
    text = said(read_article(page(tmp_path, top=top)))
    assert "Boats moored along the old quay on Friday." in text
    for credit in ("Jane Roe", "Harbour Photos", "Sam Poe"):
        assert credit not in text, credit


def test_alt_text_made_from_a_file_name_or_naming_page_furniture_is_not_read():
    text = said(read_article(PAGES / "captions.html"))
    assert "Paper_Whale" not in text and "Lantern Walk 2019" not in text
    assert "logo" not in text


# --- the standfirst -----------------------------------------------------------------------


def test_standfirst_is_read_after_the_title_and_not_again_as_alt_text():
    article = read_article(PAGES / "figures.html")
    standfirst = (
        "The Victorian pier has new decking, a rebuilt kiosk and railings cast to the"
        " original pattern."
    )
    narration = [s for s in segments(article) if s.role is not Role.ANNOUNCEMENT]
    assert narration[0].text == standfirst
    assert times_read(article, standfirst) == 1


def test_standfirst_by_its_class_is_read_first(tmp_path: Path):
    dek = "Boat owners will pay for half of the work through their mooring fees."
    article = read_article(page(tmp_path, top=f"<p class='article-dek'>{dek}</p>"))
    assert article.blocks[0] == Paragraph(dek)


def test_page_without_a_standfirst_starts_with_its_first_paragraph(tmp_path: Path):
    article = read_article(page(tmp_path))
    assert article.blocks[0].text.startswith("The harbour board met on Monday evening")


# --- teasers, tags, other stories -------------------------------------------------------


def test_read_more_heading_inside_the_article_does_not_cut_off_the_rest():
    article = read_article(PAGES / "teasers.html")
    text = said(article)
    assert "More than two thousand people answered the council's survey" in text
    assert "Students preparing for exams asked for quiet study space" in text
    assert "The survey was sent to every household on the electoral roll" in text
    assert [b.text for b in article.blocks if isinstance(b, Heading)] == [
        "Read more about the survey",
        "Who was asked",
    ]


def test_section_after_a_teaser_heading_naming_its_story_is_read(tmp_path: Path):
    bottom = (
        "<h3>Related post: <a href='/ferry'>Ferry timetable cut</a></h3>"
        "<h2>What the work needs</h2><p>Does the slipway need a crane? No, a digger.</p>"
        "<p>The contractor will bring one digger and a concrete mixer, and will store them"
        " behind the lifeboat station while the work goes on, the board said on Monday.</p>"
    )
    article = read_article(page(tmp_path, bottom=bottom))
    text = said(article)
    assert "Ferry timetable" not in text
    assert Heading("What the work needs", 2) in article.blocks
    assert "Does the slipway need a crane?" in text and "No, a digger." in text


def test_inline_read_more_teaser_is_not_read():
    text = said(read_article(PAGES / "teasers.html"))
    assert "Mobile library to visit fewer villages" not in text
    assert "Read more" not in text.replace("Read more about the survey", "")


def test_topic_tags_are_not_read():
    text = said(read_article(PAGES / "teasers.html"))
    assert "Topics" not in text
    assert "Libraries, Council" not in text


def test_next_article_and_other_stories_are_not_read():
    text = said(read_article(PAGES / "teasers.html"))
    for teaser in (
        "Next article",
        "Related stories",
        "Swimming pool closes",
        "The pool will reopen in time for the school holidays",
        "Saturday market moves",
        "Traders say the new site has more room for stalls",
    ):
        assert teaser not in text, teaser


def test_calls_to_action_and_page_furniture_are_not_read(tmp_path: Path):
    bottom = (
        "<p>Continue reading the main story</p>"
        "<p>Sign up for our free newsletter and get the harbour news in your inbox.</p>"
        "<p>Updated at 4:12 p.m.</p>"
        '<p>[button link="/tips" type="big"]Send us your story[/button]</p>'
    )
    text = said(read_article(page(tmp_path, bottom=bottom)))
    for junk in ("Continue reading", "newsletter", "Updated at", "[button", "[/button]"):
        assert junk not in text, junk


def test_short_paragraph_ending_with_a_call_to_act_is_not_read(tmp_path: Path):
    top = (
        "<p><strong>Start the week with Harbour Mornings, the tide tables and the day's news."
        " <a href='/nl'>Sign up</a> for the free newsletter.</strong></p>"
    )
    bottom = (
        "<p>Get Harbour Monthly through your letterbox every month. 12 issues for £20."
        " Click here for more information.</p>"
        "<p><em>Jane Roe's book about the coast, The Long Quay, is out now. Follow her on"
        " Twitter @janeroe.</em></p>"
    )
    text = said(read_article(page(tmp_path, top=top, bottom=bottom)))
    for junk in ("Harbour Mornings", "Harbour Monthly", "12 issues", "The Long Quay", "@janeroe"):
        assert junk not in text, junk
    assert "Owners of the smaller boats will be able to use the beach ramp" in text


def test_article_sentence_about_subscribers_is_read(tmp_path: Path):
    bottom = (
        "<p>The ferry company said it had fixed the fault and continued to sign up new"
        " subscribers to its season ticket throughout the week.</p>"
    )
    text = said(read_article(page(tmp_path, bottom=bottom)))
    assert "continued to sign up new subscribers to its season ticket" in text


def test_call_to_act_inside_a_long_paragraph_or_before_its_end_keeps_the_paragraph(
    tmp_path: Path,
):
    long_ = (
        "<p>The board will publish the full costs of the slipway, the mooring fees for each"
        " size of boat and the dates of the work on its website in the coming weeks, once"
        " the county has answered, and owners who want a say in the plan can write to the"
        " harbour master before the end of March. Click here to read the plan.</p>"
    )
    before_end = (
        "<p>Moorings for next year can be booked on the board's website. Click here to book"
        " one. Fees will rise by two per cent in April.</p>"
    )
    text = said(read_article(page(tmp_path, bottom=long_ + before_end)))
    assert "owners who want a say in the plan can write to the harbour master" in text
    assert "Fees will rise by two per cent in April." in text


def test_newsletter_box_round_an_email_form_is_not_read(tmp_path: Path):
    bottom = (
        "<div class='box'><h3>Harbour Mornings</h3><h4>The tide tables and the day's stories,"
        " every morning before seven.</h4><form action='/nl'><input type='email'"
        " name='address'><button>Go</button></form><p>We will not share your address.</p>"
        "</div>"
    )
    text = said(read_article(page(tmp_path, bottom=bottom)))
    for junk in ("Harbour Mornings", "tide tables", "share your address"):
        assert junk not in text, junk
    assert "Owners of the smaller boats will be able to use the beach ramp" in text


def test_linked_teaser_with_a_long_headline_is_not_read(tmp_path: Path):
    # A link set between the paragraphs, as a card: its lead-in and its headline in spans.
    bottom = (
        "<a class='teaser' href='/news/ferry'><span><span>Also on harbournotes.com</span>"
        " <span>Ferry company says the winter timetable will keep two sailings a day to the"
        " island despite the storms</span></span></a><p>The board meets again in May.</p>"
    )
    text = said(read_article(page(tmp_path, bottom=bottom)))
    assert "winter timetable" not in text
    assert "The board meets again in May." in text


def test_list_of_links_to_other_stories_inside_the_article_is_not_read(tmp_path: Path):
    top = (
        "<p>The slipway was built in 1962 and has been repaired four times since then, most"
        " recently after the floods of 2014.</p><ul><li><a href='/a'>Ferry timetable cut"
        " for the winter</a></li><li><a href='/b'>Photos: the harbour in the storm</a></li>"
        "<li><a href='/c'>Lifeboat crew called out twice on Sunday night</a></li></ul>"
    )
    bottom = (
        "<ul><li>a new slipway, paid for by the <a href='/county'>county</a> and the board"
        "</li><li>a beach ramp at the north end</li></ul>"
    )
    article = read_article(page(tmp_path, top=top, bottom=bottom))
    text = said(article)
    for teaser in ("Ferry timetable", "the harbour in the storm", "Lifeboat crew"):
        assert teaser not in text, teaser
    assert (
        ListBlock(
            ("a new slipway, paid for by the county and the board", "a beach ramp at the north end")
        )
        in article.blocks
    )


@pytest.mark.parametrize(
    "line", ["5 min read", "Reading time: 3 minutes", "Tempo de leitura: 2 minutos"]
)
def test_reading_time_is_not_read(tmp_path: Path, line: str):
    text = said(read_article(page(tmp_path, top=f"<p>{line}</p>")))
    assert line not in text
    assert "The harbour board met on Monday evening" in text


def test_teaser_set_in_brackets_is_not_read(tmp_path: Path):
    top = "<p>[Related: <a href='/a'>Ferry timetable cut for the winter</a>]</p>"
    text = said(read_article(page(tmp_path, top=top)))
    assert "Ferry timetable" not in text


def test_a_heading_that_names_no_section_of_its_own_is_read_as_text(tmp_path: Path):
    plan = (
        "<h3>Before the workout</h3><p>Eat a banana and drink a glass of water an hour before.</p>"
    )
    bottom = f"<h2>Plan A</h2>{plan}<h2>Plan B</h2>{plan.replace('banana', 'pear')}"
    article = read_article(page(tmp_path, bottom=bottom))
    headings = [b.text for b in article.blocks if isinstance(b, Heading)]
    assert headings == ["Plan A", "Plan B"]
    assert Paragraph("Before the workout") in article.blocks


# --- how the extraction is made ---------------------------------------------------------


def test_link_text_keeps_the_spaces_around_it():
    xml = etree.fromstring(
        "<p>He said (<ref>this</ref>) and reported<ref>WeWork</ref>, then <ref>left</ref>.</p>"
    )
    assert words(xml) == "He said (this) and reported WeWork, then left."


def test_paragraph_split_by_an_inline_element_is_joined_back():
    xml = etree.fromstring(
        "<main><p>The report says the screen stays the same size, although given the source is"
        "</p>DigiTimes<p>, we would not rule out a larger one.</p></main>"
    )
    assert [p.block for p in pieces(xml, {})] == [
        Paragraph(
            "The report says the screen stays the same size, although given the source is"
            " DigiTimes, we would not rule out a larger one."
        )
    ]


def test_text_left_after_an_image_element_is_read_as_a_paragraph():
    xml = etree.fromstring(
        '<main><p>Before the image.</p><graphic src="quay.jpg" alt="The new quay"/>'
        "The paragraph that follows the image in the page.<p>After it.</p></main>"
    )
    assert [p.block for p in pieces(xml, {})] == [
        Paragraph("Before the image."),
        Figure("The new quay"),
        Paragraph("The paragraph that follows the image in the page."),
        Paragraph("After it."),
    ]


def test_block_the_precise_extraction_cut_short_is_read_in_full():
    short = Piece(Paragraph("The reporter said that for his part in the fight."))
    full = Piece(
        Paragraph("The reporter said that the league will fine him for his part in the fight.")
    )
    other = Piece(Paragraph("A second paragraph that both extractions found."))
    assert [p.block for p in merge([short, other], [full, other])] == [full.block, other.block]


def test_what_only_the_broad_extraction_finds_around_the_article_is_not_read():
    article = [Piece(Paragraph(f"Paragraph {n} of the article itself.")) for n in range(6)]
    teaser = Piece(Heading("Another story entirely"), links=1.0)
    merged = merge(article, [teaser, *article])
    assert [p.block for p in merged if not p.ghost] == [p.block for p in article]
    assert any(p.ghost and p.block == teaser.block for p in merged)


def test_broad_extraction_is_read_when_the_precise_one_lost_most_of_the_article():
    verdict = [Piece(Paragraph("The verdict: a fine game held back by its camera."))]
    review = [
        Piece(Heading("Story")),
        Piece(Paragraph(" ".join(["The story follows a young mechanic across the desert."] * 8))),
        Piece(ListBlock(("Pros: sharp writing", "Cons: a clumsy camera"))),
        *verdict,
    ]
    assert merge(verdict, review) == review


def test_article_split_over_containers_of_one_class_is_read_whole():
    tree = lxml.html.parse(str(PAGES / "split-body.html")).getroot()
    chunks = tree.xpath('//div[@class="story-body article-chunk"]')
    first = [Piece(Paragraph(" ".join(p.text_content().split()))) for p in chunks[0].iter("p")]
    rest = [Paragraph(" ".join(p.text_content().split())) for p in chunks[1].iter("p")]
    read = [p.block for p in continuations(tree, first)]
    assert read == [p.block for p in first] + rest
    assert not any("inbox" in b.text for b in read)


def test_container_of_another_kind_is_not_taken_for_the_article():
    tree = lxml.html.parse(str(PAGES / "split-body.html")).getroot()
    for chunk in tree.xpath('//div[@class="story-body article-chunk"]')[1:]:
        chunk.set("class", "promo-grid")
    chunk = tree.xpath('//div[@class="story-body article-chunk"]')[0]
    first = [Piece(Paragraph(" ".join(p.text_content().split()))) for p in chunk.iter("p")]
    assert continuations(tree, first) == first


def test_embedded_post_is_read_in_its_place_as_a_quotation_then_its_signature():
    article = read_article(PAGES / "embedded-post.html")
    post = Quotation(
        "The new bins need two hands and a foot to open. The gulls are laughing at us."
    )
    assert post in article.blocks
    index = article.blocks.index(post)
    assert article.blocks[index - 1].text.startswith("Not everyone is pleased with the design")
    # The signature as the page sets it, under the post: who posted it, where and when.
    assert article.blocks[index + 1] == Paragraph("Maya Quill (@mayaquill) June 3, 2026")
    text = said(article)
    assert "t.co" not in text
    assert "In the words of" not in text


def test_two_posts_signed_alike_are_each_read_with_their_signature(tmp_path: Path):
    def post(words_: str) -> str:
        return (
            f"<blockquote class='twitter-tweet'><p>{words_}</p><p>— Harbour Board"
            " (@harbourboard) <a href='https://twitter.com/x/status/1'>March 2, 2026</a></p>"
            "</blockquote>"
        )

    middle = (
        "<p>The board posted its decision on its account within minutes of the vote.</p>"
        + post("The slipway plan is agreed: the county will be asked for half of the cost.")
        + post("Work could start in April and would close the slipway for six weeks.")
    )
    text = said(read_article(page(tmp_path, top=middle)))
    assert text.count("Harbour Board (@harbourboard) March 2, 2026") == 2
    assert "the county will be asked for half of the cost" in text


def test_post_the_extraction_read_without_its_signature_gets_it_after_its_words():
    tree = lxml.html.fromstring(
        "<html><body><p>The board posted its decision on its account within minutes.</p>"
        "<blockquote class='twitter-tweet'><p>The slipway plan is agreed: the county will be"
        " asked for half of the cost.<br><br>Work could"
        " start in April.</p>— Harbour Board (@harbourboard) <a href='/s/1'>March 2, 2026</a>"
        "</blockquote><p>Owners welcomed the news at the quay on Tuesday.</p></body></html>"
    )
    found = [
        Piece(Paragraph("The board posted its decision on its account within minutes.")),
        Piece(
            Quotation(
                "The slipway plan is agreed: the county will be asked for half of the cost.",
                "Harbour Board",
            )
        ),
        Piece(Paragraph("Work could start in April.")),
        Piece(Paragraph("Owners welcomed the news at the quay on Tuesday.")),
    ]
    assert [p.block for p in embedded_posts(tree, found)] == [
        Paragraph("The board posted its decision on its account within minutes."),
        Quotation("The slipway plan is agreed: the county will be asked for half of the cost."),
        Paragraph("Work could start in April."),
        Paragraph("Harbour Board (@harbourboard) March 2, 2026"),
        Paragraph("Owners welcomed the news at the quay on Tuesday."),
    ]


def test_writer_quoting_a_post_in_a_paragraph_gets_no_signature_after_it():
    tree = lxml.html.fromstring(
        "<html><body><p>The board wrote: “The slipway plan is agreed at last, and the county"
        " will be asked for half of the cost.”</p>"
        "<blockquote class='twitter-tweet'><p>The slipway plan is agreed at last, and the"
        " county will be asked for half of the cost.</p>— Harbour Board (@harbourboard)"
        " <a href='/s/1'>March 2, 2026</a></blockquote></body></html>"
    )
    found = [
        Piece(
            Paragraph(
                "The board wrote: “The slipway plan is agreed at last, and the county will be"
                " asked for half of the cost.”"
            )
        )
    ]
    assert embedded_posts(tree, found) == found


def test_block_quote_signed_with_a_name_keeps_its_speaker(tmp_path: Path):
    middle = (
        "<blockquote><p>We will not let the harbour silt up again.</p>"
        "<p>— Deborah Enwright, chief engineer</p></blockquote>"
    )
    article = read_article(page(tmp_path, top=middle))
    assert (
        Quotation("We will not let the harbour silt up again.", "Deborah Enwright, chief engineer")
        in article.blocks
    )


def test_speaker_of_an_embedded_post_is_a_name():
    assert speaker("— Jane Roe (@janeroe) November 18, 2019") == "Jane Roe"
    assert speaker("Deborah Enwright, chief engineer") == "Deborah Enwright, chief engineer"


def test_call_to_action_set_as_list_items_is_not_read(tmp_path: Path):
    bottom = (
        "<ul><li>Subscribe to Harbour Monthly and never miss an issue.</li>"
        "<li>Sign up for our newsletter.</li></ul>"
        "<p>Follow us on Twitter and Facebook.</p><p>Image copyright Harbour Photos</p>"
    )
    text = said(read_article(page(tmp_path, bottom=bottom)))
    for junk in ("Harbour Monthly", "newsletter", "Follow us", "copyright"):
        assert junk not in text, junk


# --- bylines ------------------------------------------------------------------------------


def test_byline_from_json_ld_wrapped_in_cdata(tmp_path: Path):
    data = json.dumps(
        {"@type": "NewsArticle", "author": {"@type": "Person", "name": "Ines Marlow"}}
    )
    head = f'<script type="application/ld+json">//<![CDATA[\n{data}\n//]]></script>'
    assert read_article(page(tmp_path, head=head)).byline == "Ines Marlow"


def test_byline_from_rel_author(tmp_path: Path):
    top = '<p class="meta">Story by <a rel="author" href="/people/ines">Ines Marlow</a></p>'
    assert read_article(page(tmp_path, top=top)).byline == "Ines Marlow"


def test_byline_from_itemprop_author(tmp_path: Path):
    top = (
        '<div itemprop="author" itemscope itemtype="https://schema.org/Person">'
        '<span itemprop="name">Ines Marlow</span><span>Harbour reporter</span></div>'
    )
    assert read_article(page(tmp_path, top=top)).byline == "Ines Marlow"


def test_author_metadata_comes_before_loose_byline_elements(tmp_path: Path):
    head = '<meta name="author" content="Ines Marlow">'
    top = '<p class="byline">Pictures by Otto Brandt</p>'
    assert read_article(page(tmp_path, head=head, top=top)).byline == "Ines Marlow"


def test_byline_in_a_comment_or_sidebar_is_not_the_authors(tmp_path: Path):
    outside = (
        '<section id="comments"><div class="comment"><p class="byline">By J J.</p>'
        "<p>Great news for the harbour!</p></div></section>"
        '<aside class="sidebar"><p class="byline">By Mark Tully on Otherpaper</p></aside>'
    )
    assert read_article(page(tmp_path, outside=outside)).byline is None
    top = '<p class="byline">By Ines Marlow</p>'
    assert read_article(page(tmp_path, top=top, outside=outside)).byline == "Ines Marlow"


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("Ben Okafor Games Editor", "Ben Okafor"),
        ("By Ruth Calloway, Senior Reporter", "Ruth Calloway"),
        ("Ruth Calloway | Staff Writer", "Ruth Calloway"),
        ("By Ruth Calloway Updated March 3, 2026 10:14 a.m.", "Ruth Calloway"),
        ("Ines Marlow on Otherpaper", "Ines Marlow"),
    ],
)
def test_byline_is_names_only(printed: str, name: str):
    assert person(printed) == name


def test_site_name_is_no_byline():
    assert person("Harbour Notes", site="Harbour Notes") is None


@pytest.mark.parametrize(
    ("printed", "names"),
    [
        ("By Ines Marlow and Otto Brandt", "Ines Marlow and Otto Brandt"),
        ("Ines Marlow, Otto Brandt, Sam Ortiz", "Ines Marlow, Otto Brandt and Sam Ortiz"),
        ("Ines Marlow, Science Editor, and Otto Brandt", "Ines Marlow and Otto Brandt"),
    ],
)
def test_co_authors_are_kept_with_and_between_them(printed: str, names: str):
    assert person(printed) == names


def test_co_authors_from_json_ld(tmp_path: Path):
    data = json.dumps(
        {"@type": "NewsArticle", "author": [{"name": "Ines Marlow"}, {"name": "Otto Brandt"}]}
    )
    head = f'<script type="application/ld+json">{data}</script>'
    assert read_article(page(tmp_path, head=head)).byline == "Ines Marlow and Otto Brandt"


@pytest.mark.parametrize(
    ("printed", "name"), [("By AFP", "AFP"), ("AP", "AP"), ("JOE MARLOW", "Joe Marlow")]
)
def test_agency_names_keep_their_capitals(printed: str, name: str):
    assert person(printed) == name


# --- the saved real-world pages (../shared) -----------------------------------------------

FILE_NAME = re.compile(r"[\w-]+\.(?:jpe?g|png|gif|webp|svg)\b", re.I)
CORPUS_PAGES = (
    sorted(p.name for p in READABILITY.iterdir() if p.is_dir()) if READABILITY.is_dir() else []
)


@pytest.mark.shared
@pytest.mark.parametrize("name", CORPUS_PAGES or ["(corpus absent)"])
def test_real_page_reads_nothing_twice_no_file_name_and_no_long_segment(name: str):
    article = read_article(READABILITY / name / "source.html")
    texts = [s.text for s in segments(article) if s.role is not Role.ANNOUNCEMENT]
    for text in texts:
        assert len(text.split()) <= 150, text[:80]
        assert not FILE_NAME.search(text), text
    long_enough = [t for t in texts if len(t.split()) >= 5]
    assert len(long_enough) == len(set(long_enough))


# --- press releases and wire stories -----------------------------------------------------


def test_company_description_closing_a_press_release_is_not_read():
    text = said(read_article(PAGES / "press-release.html"))
    assert "regional transport operator" not in text
    assert "Channel Stock Exchange" not in text
    assert "mostly to day visitors who come over without a car" in text


def test_company_description_under_its_own_about_heading_is_read():
    text = said(read_article(PAGES / "press-release-about.html"))
    assert "Quayline is a regional transport operator" in text


def test_article_paragraph_naming_the_company_mid_story_is_read(tmp_path: Path):
    middle = (
        "<p>Harbour Marine is a family business founded in 1952 and based in the old"
        " boatyard, which employs twelve people.</p>"
    )
    text = said(read_article(page(tmp_path, top=middle)))
    assert "Harbour Marine is a family business" in text


@pytest.mark.parametrize(
    "credit",
    [
        "(Reporting by Jane Roe in Porthaven; Editing by John Doe)",
        "Reporting by Jane Roe; additional reporting by Ana de la Cruz; Editing by John Doe",
        "Additional reporting by Sam Ortiz",
    ],
)
def test_wire_credit_line_is_not_read(tmp_path: Path, credit: str):
    text = said(read_article(page(tmp_path, bottom=f"<p>{credit}</p>")))
    assert "reporting" not in text.casefold()
    assert "Owners of the smaller boats will be able to use the beach ramp" in text


def test_sentence_opening_with_reporting_by_is_read(tmp_path: Path):
    bottom = (
        "<p>Reporting by the harbour master found that the old slipway had been unsafe for"
        " two winters before it cracked.</p>"
    )
    text = said(read_article(page(tmp_path, bottom=bottom)))
    assert "Reporting by the harbour master found" in text


@pytest.mark.parametrize(
    ("call", "marker"),
    [
        ("Send us YOUR photos of the gale", "gale"),
        ("We’d like to hear what you think about this story.", "think"),
        ("Harbour guide: the best tide watches (Buy Now)", "watches"),
        ("Listen to Harbour Hour live at 12:45 on weekdays - or listen back here.", "weekdays"),
        (
            "Harbour Notes prints letters from readers every Friday. Tell us what you think"
            " about the slipway. And here's our email: letters@example.org.",
            "every Friday",
        ),
    ],
)
def test_more_calls_to_act_are_not_read(tmp_path: Path, call: str, marker: str):
    text = said(read_article(page(tmp_path, bottom=f"<p>{call}</p>")))
    assert marker not in text, call
    assert "Owners of the smaller boats will be able to use the beach ramp" in text


def test_sentence_asking_to_listen_here_is_read(tmp_path: Path):
    bottom = "<p>Come down to the quay at dawn. Listen to the gulls here.</p>"
    text = said(read_article(page(tmp_path, bottom=bottom)))
    assert "Listen to the gulls here." in text
