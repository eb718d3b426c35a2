"""Article -> Script: chapters, announcements, lists, quotes, and that nothing is lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audionews.article import Article, Heading, ListBlock, Paragraph, Quotation, Table
from audionews.ingest import read_article
from audionews.ingest.text import parse_text
from audionews.text.script import QuoteStyle, Role, Script, make_script
from audionews.text.speech import default_lexicon, speakable_script
from conftest import EXAMPLES


def words(text: str) -> list[str]:
    return re.findall(r"\w+(?:['’]\w+)*", text)


def article_words(article: Article) -> list[str]:
    found = words(article.title)
    for value in (article.byline, article.date, article.dateline):
        found += words(value or "")
    for block in article.blocks:
        if isinstance(block, ListBlock):
            for item in block.items:
                found += words(item)
        elif isinstance(block, Quotation):
            found += words(block.attribution or "") + words(block.text)
        else:
            found += words(block.text)
    return found


def carried_words(script: Script) -> list[str]:
    return [word for segment in script.segments for word in words(segment.article_text)]


@pytest.mark.shared
def test_seed_script_structure(seed_article: Path):
    script = make_script(read_article(seed_article))
    assert [chapter.title for chapter in script.chapters] == [
        "First Part of Ukraine-Russia Prisoners of War Exchange Completed, Zelenskyy Says",
        "What We Know So Far",
        "A Moment of Relief for Families",
        "How the Exchange Happened",
        "Why It Matters",
        "The Larger Context",
        "What Comes Next?",
        "Final Thoughts",
    ]
    texts = [segment.text for segment in script.segments]
    assert texts.count("A list of 3 items.") == 2
    assert texts.count("End of list.") == 2
    assert "Section 3 of 7: How the Exchange Happened." in texts

    quotes = [s for s in script.segments if s.role is Role.QUOTE]
    assert [(q.text, q.speaker) for q in quotes[:2]] == [
        ("Our people are back.", "Volodymyr Zelenskyy"),
        ("That is the most important thing.", "Volodymyr Zelenskyy"),
    ]
    # Later quotations by surname alone are reported with the full name introduced.
    zelenskyy = [q.text for q in quotes[2:] if q.speaker == "Volodymyr Zelenskyy"]
    assert zelenskyy == [
        "We’re bringing back our defenders.",
        "Every one of them is a hero.",
        "We will not stop until every single Ukrainian held in captivity returns home,",
    ]
    first_part = [s for s in script.segments if "“the first part”" in s.text]
    assert len(first_part) == 1 and first_part[0].role is Role.NARRATION
    # A partial quotation: the narrator's sentence names whose words they are.
    assert first_part[0].speaker == "Volodymyr Zelenskyy"


@pytest.mark.shared
def test_seed_loses_nothing(seed_article: Path):
    article = read_article(seed_article)
    assert carried_words(make_script(article)) == article_words(article)


def test_example_script(example_article: Path):
    script = make_script(read_article(example_article))
    opening = [segment.text for segment in script.chapters[0].segments[:4]]
    assert opening == [
        "Port Callow Opens Its Tidal Flood Barrier After Six Years of Work.",
        "By Tomas Reyland.",
        "Published 3 October 2026.",
        "This briefing has 3 sections: How the Barrier Works; What Residents Were Promised; "
        "and What Happens Next.",
    ]
    speakers = [(s.text, s.speaker) for s in script.segments if s.role is Role.QUOTE]
    assert speakers == [
        (
            "For the first time in a generation, the lower town can sleep through a spring tide.",
            "Ines Okafor",
        ),
        ("People imagine a dam,", "Priya Halvorsen"),
        (
            "It is closer to a row of doors that we only shut when the sea knocks.",
            "Priya Halvorsen",
        ),
        ("We waited,", "Marguerite Dunlow"),
        ("and we paid for sandbags every autumn.", "Marguerite Dunlow"),
        ("Now I want to see that in my premium.", "Marguerite Dunlow"),
        ("We built this with public money,", "Ines Okafor"),
        ("The public should be able to watch it work.", "Ines Okafor"),
    ]
    assert script.chapters[-1].segments[-1].text == "End of briefing."


@pytest.mark.parametrize(
    ("style", "roles"),
    [
        pytest.param(QuoteStyle.VOICE, ["quote"], id="voice"),
        pytest.param(QuoteStyle.CUES, ["narration", "narration", "narration"], id="cues"),
        pytest.param(QuoteStyle.BOTH, ["narration", "quote", "narration"], id="both"),
    ],
)
def test_quote_styles(style: QuoteStyle, roles: list[str]):
    article = parse_text("Pier Reopens\n“The pier is safe again.” — Ana Lindqvist")
    segments = make_script(article, quote_style=style).chapters[0].segments
    around = [s for s in segments if s.role is not Role.ANNOUNCEMENT][1:]
    assert [s.role.value for s in around] == roles
    if style is not QuoteStyle.VOICE:
        assert [around[0].text, around[-1].text] == ["Quote,", "End quote."]


def test_section_announcements_and_list_sizes():
    article = parse_text(
        "Ferry Fares Rise\nPrices went up.\nWhy\nThree reasons:\n- Fuel.\nWhat Next\nWe wait."
    )
    texts = [segment.text for segment in make_script(article).segments]
    assert texts == [
        "Ferry Fares Rise.",
        "This briefing has 2 sections: Why and What Next.",
        "Prices went up.",
        "Section 1 of 2: Why.",
        "Three reasons:",
        "A list of 1 item.",
        "Fuel.",
        "End of list.",
        "Section 2 of 2: What Next.",
        "We wait.",
        "End of briefing.",
    ]


def test_pauses_grow_with_the_boundary():
    article = parse_text("Ferry Fares Rise\nPrices rose. Fares too.\nMore came.\nWhy\nFuel.")
    pauses = {s.text: s.pause_ms for s in make_script(article).segments}
    assert pauses["Prices rose."] < pauses["Fares too."] < pauses["More came."]


# --- nothing of the article is lost, over generated articles --------------------------------

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)
_sentence = st.lists(_word, min_size=1, max_size=12).map(lambda ws: " ".join(ws).capitalize())
_marks = st.sampled_from(["", "“{}”", '"{}"', "‘{}’", "“{}", "{}”", "'{}'", "({})"])
_quoted = st.tuples(_marks, _sentence).map(
    lambda pair: pair[0].format(pair[1]) if pair[0] else pair[1]
)
_paragraph = st.lists(
    st.tuples(_quoted, st.sampled_from([".", "!", "?", ",", ":", " said Okafor.", " — yes."])),
    min_size=1,
    max_size=5,
).map(lambda parts: " ".join(text + end for text, end in parts))
_block = st.one_of(
    _paragraph.map(Paragraph),
    _sentence.map(lambda text: Heading(text.title())),
    st.lists(_paragraph, min_size=1, max_size=4).map(lambda items: ListBlock(tuple(items))),
    st.tuples(_paragraph, st.none() | _sentence).map(lambda pair: Quotation(*pair)),
)


@settings(max_examples=100, deadline=None)
@given(
    title=_sentence,
    blocks=st.lists(_block, min_size=1, max_size=12),
    style=st.sampled_from(list(QuoteStyle)),
)
def test_every_word_is_spoken_once(title: str, blocks: list, style: QuoteStyle):
    article = Article(title=title, blocks=tuple(blocks))
    script = make_script(article, quote_style=style)
    assert carried_words(script) == article_words(article)
    spoken = " ".join(segment.text for segment in script.segments)
    for word in article_words(article):
        assert word in spoken


_line = st.one_of(
    _paragraph,
    _sentence,
    _sentence.map(lambda text: "- " + text),
    _sentence.map(lambda text: "By " + text.title()),
    st.just(""),
)


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(_line, min_size=2, max_size=15), title=_sentence)
def test_plain_text_loses_nothing(lines: list[str], title: str):
    text = "\n".join([title, *lines])
    if not "".join(lines).strip():
        return
    article = parse_text(text)
    expected = [w for line in [title, *lines] for w in words(line.removeprefix("- "))]
    # "By" before a byline is metadata wording, not article text.
    got = article_words(article)
    assert [w for w in got if w != "By"] == [w for w in expected if w != "By"]
    assert carried_words(make_script(article)) == got


def test_hard_wrapped_example_with_blank_lines():
    script = make_script(read_article(EXAMPLES / "library-hours.txt"))
    assert [chapter.title for chapter in script.chapters] == [
        "Valemouth Library to Stay Open Until Ten on Weeknights",
        "Who Uses the Late Hours?",
        "What It Will Cost",
    ]
    assert (script.byline, script.date, script.updated) == (
        "Hannah Corrigan",
        None,
        "14 November 2026",
    )
    assert "Updated 14 November 2026." in [segment.text for segment in script.segments]
    texts = [segment.text for segment in script.segments]
    assert texts.count("A list of 3 items.") == 2
    assert "2. Heating and lighting for the extra hours." in texts
    scare = [
        s
        for s in script.segments
        if "“better than forecast”" in s.text or '"better than forecast"' in s.text
    ]
    assert [s.role for s in scare] == [Role.NARRATION]
    quotes = [(s.text, s.speaker) for s in script.segments if s.role is Role.QUOTE]
    assert quotes[0] == ("We kept hearing the same thing,", "Farid Osei")
    assert quotes[2] == ("It's that simple.", "Farid Osei")
    # The closing quotation runs over two paragraphs, unattributed: Osei is still speaking.
    assert quotes[-3:] == [
        ("We would rather pay for open doors than empty rooms.", "Farid Osei"),
        ("That was the choice.", "Farid Osei"),
        ("And I think most people here would make the same one.", "Farid Osei"),
    ]


def test_every_segment_says_which_block_and_item_it_comes_from() -> None:
    """The page and the talking books group sentences back into the article's blocks."""
    article = Article(
        "Title",
        (
            Paragraph("First sentence. Second sentence."),
            ListBlock(("One.", "Two."), sublists=((1, ListBlock(("Two a.",))),)),
            Heading("A section"),
            Table(("Name", "Age"), (("Ana", "40"), ("Tom", "39"))),
        ),
    )
    script = make_script(article)
    places = [(s.text, s.block, s.item) for s in script.segments]
    assert places == [
        ("Title.", -1, None),
        ("This briefing has 1 section: A section.", -1, None),
        ("First sentence.", 0, None),
        ("Second sentence.", 0, None),
        ("A list of 2 items.", 1, None),
        ("One.", 1, 0),
        ("Two.", 1, 1),
        ("A list of 1 item.", 1, 1),
        ("Two a.", 1, 1),
        ("End of list.", 1, 1),
        ("End of list.", 1, None),
        ("Section 1 of 1: A section.", 2, None),
        ("A table of 2 rows.", 3, None),
        ("Row 1.", 3, 0),
        ("Name: Ana. Age: 40.", 3, 0),
        ("Row 2.", 3, 1),
        ("Name: Tom. Age: 39.", 3, 1),
        ("End of table.", 3, None),
        ("End of briefing.", -1, None),
    ]
    spoken = speakable_script(script, default_lexicon())
    assert [(s.block, s.item) for s in spoken.segments] == [(b, i) for _, b, i in places]
