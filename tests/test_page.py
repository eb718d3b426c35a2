"""The episode page as HTML, read back with html5lib (the WHATWG parser, as browsers parse).

These tests need no browser and no build: they render documents made here and check what a
parser finds in the page, never the page's source text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

import html5lib
import pytest

from audionews.render.document import (
    BlockKind,
    EpisodeDocument,
    ListItem,
    TimedBlock,
    TimedChapter,
    TimedSentence,
)
from audionews.render.page import render_page

NS = {"h": "http://www.w3.org/1999/xhtml"}


def parse(page: str):
    return html5lib.parse(page, treebuilder="lxml", namespaceHTMLElements=False)


def text_of(element) -> str:
    return "".join(element.itertext())


class Sentences:
    """Numbers sentences and lays them end to end in time, as a Timeline would."""

    def __init__(self) -> None:
        self.count = 0
        self.clock = 0

    def __call__(self, text: str, role: str = "narration", **extra) -> TimedSentence:
        self.count += 1
        start = self.clock
        self.clock += 1000 + 37 * len(text)
        sentence = TimedSentence(f"s{self.count}", role, text, start, self.clock, **extra)
        self.clock += 400
        return sentence


def sample_document() -> EpisodeDocument:
    """Every kind of block, three heading levels, a French quote, an ordered list."""
    s = Sentences()
    opening = (
        TimedBlock(BlockKind.ANNOUNCEMENT, (s("Storm over the harbour.", "announcement"),)),
        TimedBlock(
            BlockKind.PARAGRAPH,
            (
                s("The storm arrived at dawn."),
                s("We were ready,", "quote", speaker="Diane Osei"),
                s("she said."),
                s("Nous étions prêts.", "quote", speaker="Diane Osei", language="fr"),
            ),
        ),
    )
    c1 = TimedChapter("c1", "Storm over the harbour", 1, 0, s.clock, opening)
    start = s.clock
    section = (
        TimedBlock(BlockKind.ANNOUNCEMENT, (s("Section 1 of 2: The night.", "announcement"),)),
        TimedBlock(
            BlockKind.QUOTATION,
            (
                s("In the words of Ana Lima:"),
                s("It was the longest night.", "quote", speaker="Ana Lima"),
                s("Nobody slept.", "quote", speaker="Ana Lima"),
            ),
            speaker="Ana Lima",
        ),
        TimedBlock(
            BlockKind.LIST,
            (s("A list of 2 items.", "announcement"),),
            (ListItem((s("1. Close the gates."),)), ListItem((s("2. Wait for the tide."),))),
            (s("End of list.", "announcement"),),
            ordered=True,
        ),
    )
    c2 = TimedChapter("c2", "The night", 2, start, s.clock, section)
    start = s.clock
    sub = (
        TimedBlock(
            BlockKind.TABLE,
            (s("A table of 1 row.", "announcement"),),
            (ListItem((s("Row 1. Gate: North. Height: 5 m."),)),),
            (s("End of table.", "announcement"),),
        ),
        TimedBlock(BlockKind.FIGURE, (s("Image: The north gate at dawn."),)),
    )
    c3 = TimedChapter("c3", "The gates", 3, start, s.clock, sub)
    start = s.clock
    last = (
        TimedBlock(
            BlockKind.LIST,
            (s("A list of 2 items.", "announcement"),),
            (ListItem((s("Sandbags."),)), ListItem((s("Pumps."), s("Boats.")))),
            (s("End of list.", "announcement"),),
        ),
        TimedBlock(BlockKind.ANNOUNCEMENT, (s("End of briefing.", "announcement"),)),
    )
    c4 = TimedChapter("c4", "After", 2, start, s.clock, last)
    return EpisodeDocument(
        title="Storm over the harbour",
        language="en-GB",
        audio="storm over the harbour.mp3",
        duration_ms=s.clock,
        identifier="urn:uuid:00000000-0000-0000-0000-000000000000",
        chapters=(c1, c2, c3, c4),
        byline="Ana Lima and Tom Reed",
        date="2026-03-10",
        description="One-sentence summary.",
        show="Harbour Briefings",
    )


@pytest.fixture(scope="module")
def sample():
    doc = sample_document()
    return doc, parse(render_page(doc))


def test_head_and_masthead(sample):
    _, tree = sample
    root = tree.getroot()
    assert root.get("lang") == "en-GB"
    assert root.get("dir") == "ltr"
    assert tree.findtext(".//title") == "Storm over the harbour – Harbour Briefings"
    assert [text_of(h) for h in tree.iter("h1")] == ["Storm over the harbour"]
    assert text_of(tree.find(".//p[@class='byline']")) == "By Ana Lima and Tom Reed"
    time = tree.find(".//time")
    assert (time.get("datetime"), time.text) == ("2026-03-10", "10 March 2026")
    audio = tree.find(".//audio")
    assert audio.get("controls") is not None
    # The file name is a URL path: its spaces are escaped, so the browser finds the file.
    assert audio.get("src") == "storm%20over%20the%20harbour.mp3"


def test_self_contained_nothing_fetched(sample):
    _, tree = sample
    assert tree.find(".//link") is None
    assert tree.find(".//img") is None
    scripts = list(tree.iter("script"))
    assert [s.get("src") for s in scripts] == [None, None]
    urls = [
        value
        for element in tree.iter()
        for name, value in element.attrib.items()
        if name in ("src", "href", "action", "poster")
    ]
    assert urls and all(not re.match(r"[a-z]+:", url) and not url.startswith("//") for url in urls)


def test_content_security_policy_allows_only_our_style_and_script(sample):
    _, tree = sample
    meta = tree.find(".//meta[@http-equiv='Content-Security-Policy']")
    policy = dict(part.strip().split(" ", 1) for part in meta.get("content").split(";"))
    script = next(s for s in tree.iter("script") if s.get("type") is None).text
    style = tree.find(".//style").text

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == digest(script)
    assert policy["style-src"] == digest(style)


def test_chapter_navigation_without_script(sample):
    doc, tree = sample
    nav = tree.find(".//nav[@aria-label='Chapters']")
    links = nav.findall(".//a")
    assert len(links) == len(doc.chapters)
    for link, chapter in zip(links, doc.chapters, strict=True):
        seconds = chapter.start_ms // 1000
        assert text_of(link.find("span[@class='time']")) == f"{seconds // 60}:{seconds % 60:02d}"
        assert text_of(link.find("span[@class='title']")) == chapter.title
        # Without script a chapter link still goes to that chapter's transcript.
        target = tree.find(f".//*[@id='{link.get('href')[1:]}']")
        heading = target[0]
        assert heading.tag in ("h2", "h3") and text_of(heading) == chapter.title
    # The sub-section (level 3) is nested under its section in the list.
    nested = nav.findall("ol/li/ol/li/a")
    assert [text_of(a.find("span[@class='title']")) for a in nested] == ["The gates"]


def test_one_heading_per_chapter_following_levels(sample):
    _, tree = sample
    body = tree.find(".//div[@id='transcript-body']")
    headings = [
        (element.tag, text_of(element))
        for element in body.iter()
        if isinstance(element.tag, str) and re.fullmatch(r"h[1-6]", element.tag)
    ]
    assert headings == [
        ("h2", "Storm over the harbour"),
        ("h2", "The night"),
        ("h3", "The gates"),
        ("h2", "After"),
    ]


def test_every_sentence_once_in_reading_order(sample):
    doc, tree = sample
    spans = tree.findall(".//div[@id='transcript-body']//span[@id]")
    spans = [span for span in spans if "s" in span.get("class", "").split()]
    assert [text_of(span) for span in spans] == [s.text for s in doc.sentences()]


def test_quotations_name_their_speaker(sample):
    _, tree = sample
    figure = tree.find(".//figure[@class='quotation']")
    quoted = [text_of(span) for span in figure.findall("blockquote//span")]
    assert quoted == ["It was the longest night.", "Nobody slept."]
    assert text_of(figure.find("figcaption")) == "— Ana Lima"
    # An inline quotation: in <q>, its speaker named before it, once per run of quotes.
    paragraph = next(p for p in tree.iter("p") if p.find("q") is not None)
    assert [text_of(q) for q in paragraph.findall("q")] == ["We were ready,", "Nous étions prêts."]
    assert [text_of(s) for s in paragraph.findall("span[@class='speaker']")] == ["Diane Osei"]


def test_speaker_named_unless_the_text_names_them():
    s = Sentences()
    said = TimedBlock(
        BlockKind.PARAGRAPH,
        (
            s("Enwright said the trust had considered it, but"),
            s("the cost was twice as much", "quote", speaker="Deborah Enwright, chief engineer"),
            s(", she told the board."),
        ),
    )
    unsaid = TimedBlock(
        BlockKind.PARAGRAPH,
        (
            s("We will reopen in May,", "quote", speaker="Deborah Enwright, chief engineer"),
            s("she added."),
        ),
    )
    doc = EpisodeDocument(
        title="Bridge",
        language="en",
        audio="b.mp3",
        duration_ms=s.clock,
        identifier="x",
        chapters=(TimedChapter("c1", "Bridge", 1, 0, s.clock, (said, unsaid)),),
    )
    tree = parse(render_page(doc))
    first, second = tree.findall(".//div[@id='transcript-body']//p")
    assert first.find("span[@class='speaker']") is None
    # A sentence that starts with a comma follows the quotation without a space.
    assert text_of(first) == (
        "Enwright said the trust had considered it, but the cost was twice as much,"
        " she told the board."
    )
    assert text_of(second.find("span[@class='speaker']")) == "Deborah Enwright"
    assert text_of(second) == "Deborah Enwright: We will reopen in May, she added."


def test_lists_are_lists(sample):
    _, tree = sample
    ordered = tree.find(".//ol[@class='list numbered-in-text']")
    assert [text_of(li) for li in ordered.findall("li")] == [
        "1. Close the gates.",
        "2. Wait for the tide.",
    ]
    bullets = tree.find(".//ul[@class='list']")
    assert [text_of(li) for li in bullets.findall("li")] == ["Sandbags.", "Pumps. Boats."]
    rows = tree.find(".//ul[@class='table']")
    assert [text_of(li) for li in rows.findall("li")] == ["Row 1. Gate: North. Height: 5 m."]


def test_language_of_parts(sample):
    _, tree = sample
    french = [e for e in tree.iter() if e.get("lang") == "fr"]
    assert [text_of(e) for e in french] == ["Nous étions prêts.", "Nous étions prêts."]
    assert french[0].tag == "q" and french[1].tag == "span"


def test_cues_inlined_from_the_document(sample):
    doc, tree = sample
    data = json.loads(tree.find(".//script[@id='episode-data']").text)
    assert [(c["start_ms"], c["end_ms"], c["text"], c["speaker"]) for c in data["cues"]] == [
        (s.start_ms, s.end_ms, s.text, s.speaker) for s in doc.sentences()
    ]
    # Each cue names the element that shows it, and the chapter it belongs to.
    for cue in data["cues"]:
        element = tree.find(f".//*[@id='{cue['id']}']")
        assert text_of(element) == cue["text"]
    chapter_of = {s.start_ms: n for n, c in enumerate(doc.chapters) for s in c.sentences()}
    assert [c["chapter"] for c in data["cues"]] == [chapter_of[c["start_ms"]] for c in data["cues"]]
    assert [(c["title"], c["start_ms"]) for c in data["chapters"]] == [
        (c.title, c.start_ms) for c in doc.chapters
    ]


def test_the_page_own_words(sample):
    _, tree = sample
    assert text_of(tree.find(".//details/summary")) == "Keyboard keys"
    assert text_of(tree.find(".//a[@class='skip']")) == "Skip to the transcript"
    # No Python object ever leaks into the page as text.
    everything = "".join(tree.getroot().itertext()) + " ".join(
        value for element in tree.iter() for value in element.attrib.values()
    )
    assert not re.search(r"built-in method|object at 0x|None|Undefined", everything)


def test_controls_that_need_script_are_hidden_without_it(sample):
    _, tree = sample
    needs = [e for e in tree.iter() if e.get("data-needs-script") is not None]
    assert {e.get("class") for e in needs} >= {"controls", "search", "keys"}
    assert all(e.get("hidden") is not None for e in needs)


def hostile_document() -> EpisodeDocument:
    s = Sentences()
    nasty = '</script><script>alert("x")</script><!-- & "quotes" \'apos\''
    blocks = (
        TimedBlock(BlockKind.ANNOUNCEMENT, (s(nasty, "announcement"),)),
        TimedBlock(
            BlockKind.PARAGRAPH,
            (
                s('<img src=x onerror="alert(1)"> and </p></section>'),
                s(
                    "שלום עולם \u202eevil\u202c done",
                    "quote",
                    speaker="<b>Dr. Evil</b>",
                    language="he",
                ),
                s("Bell\x07 and escape\x1b[31m and nul\x00 gone"),
                s("</SCRIPT >\u2028\u2029 then {{ template }} and ${js}"),
            ),
        ),
    )
    chapters = (
        TimedChapter("c1", '</nav><script>alert("t")</script>', 1, 0, s.clock, blocks),
        TimedChapter(
            "c2",
            "\u202eRTL override title",
            2,
            s.clock,
            s.clock + 1000,
            (TimedBlock(BlockKind.PARAGRAPH, (s("Last."),)),),
        ),
    )
    return EpisodeDocument(
        title='</title><script>alert("title")</script>',
        language='en" onload="alert(1)',
        audio='a" onerror="alert(1).mp3',
        duration_ms=s.clock + 1000,
        identifier="x",
        chapters=chapters,
        byline='<a href="javascript:alert(1)">Mallory</a>',
        date='2026-03-10"><script>',
        description='"><script>alert("d")</script>',
        show="<i>Show</i>",
    )


def test_hostile_text_stays_text():
    doc = hostile_document()
    tree = parse(render_page(doc))
    # No element or attribute came from the document's text.
    scripts = list(tree.iter("script"))
    assert [s.get("type") for s in scripts] == ["application/json", None]
    assert tree.find(".//img") is None and tree.find(".//b") is None
    assert all(not name.startswith("on") for e in tree.iter() for name in e.attrib)
    assert len(tree.findall(".//nav")) == 1 and len(tree.findall(".//a[@href]")) >= 3
    assert not any(
        (e.get("href") or "").startswith("javascript") for e in tree.iter() if e.get("href")
    )
    # Every text arrives as the same characters, less the control characters.
    assert tree.findtext(".//title") == doc.title + " – <i>Show</i>"
    assert text_of(tree.find(".//h1")) == doc.title
    assert text_of(tree.find(".//p[@class='byline']")) == "By " + doc.byline
    assert text_of(tree.find(".//p[@class='date']")) == doc.date
    assert tree.find(".//meta[@name='description']").get("content") == doc.description
    spans = [e for e in tree.iter("span") if "s" in (e.get("class") or "").split() and e.get("id")]
    expected = [re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", s.text) for s in doc.sentences()]
    assert [text_of(e) for e in spans] == expected
    assert expected[3] == "Bell and escape[31m and nul gone"
    speaker = next(e for e in tree.iter("span") if e.get("class") == "speaker")
    assert text_of(speaker) == "<b>Dr. Evil</b>"
    # Bidirectional text is isolated: the sentence, the chapter titles, the byline.
    assert spans[2].get("dir") == "auto" and spans[2].get("lang") == "he"
    titles = tree.findall(".//nav//span[@class='title']")
    assert [(text_of(t), t.get("dir")) for t in titles] == [
        (doc.chapters[0].title, "auto"),
        (doc.chapters[1].title, "auto"),
    ]
    assert tree.find(".//p[@class='byline']/bdi") is not None
    # The data block is still one JSON text that says exactly what the document says.
    data = json.loads(scripts[0].text)
    assert [c["text"] for c in data["cues"]] == expected
    assert data["chapters"][0]["title"] == doc.chapters[0].title
    # A language tag that is not one is dropped, never written as a broken attribute.
    assert tree.getroot().get("lang") == "und"
    assert tree.find(".//audio").get("src") == "a%22%20onerror%3D%22alert%281%29.mp3"


def test_right_to_left_article():
    doc = sample_document()
    hebrew = EpisodeDocument(
        title="סערה בנמל",
        language="he",
        audio="storm.mp3",
        duration_ms=doc.duration_ms,
        identifier="x",
        chapters=doc.chapters,
    )
    tree = parse(render_page(hebrew))
    root = tree.getroot()
    assert (root.get("lang"), root.get("dir")) == ("he", "rtl")
    # The page's own words stay English, and say so.
    nav = tree.find(".//nav")
    assert (nav.get("aria-label"), nav.get("lang")) == ("Chapters", "en")


def test_french_article_gets_french_controls():
    doc = sample_document()
    french = EpisodeDocument(
        title="Tempête sur le port",
        language="fr",
        audio="t.mp3",
        duration_ms=doc.duration_ms,
        identifier="x",
        chapters=doc.chapters,
        date="2026-03-01",
        byline="Camille Roussel",
    )
    tree = parse(render_page(french))
    assert tree.find(".//nav").get("aria-label") == "Chapitres"
    assert tree.find(".//nav").get("lang") is None
    assert tree.find(".//time").text == "1er mars 2026"
    assert text_of(tree.find(".//p[@class='byline']")) == "Par Camille Roussel"
    assert [o.text for o in tree.findall(".//select/option")][:2] == ["1×", "1,25×"]
    # The sentence in French is no longer "another language".
    assert [e.tag for e in tree.iter() if e.get("lang") == "fr"] == ["html"]
