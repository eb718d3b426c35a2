"""The page and the talking books wired into the build: the episode document made from the
Script and Timeline, written beside every episode, read back by ``audionews page``; ``build
--page/--daisy/--epub`` through the registry's atomic targets; the feed item's link.

Real episodes (conftest.py) are checked with independent readers: webvtt-py for the cues,
html5lib for the pages, ffprobe for the tags, feedparser for the feed.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import feedparser
import html5lib
import pytest
from click.testing import CliRunner

from audionews.article import Article, Figure, Heading, ListBlock, Paragraph, Quotation, Table
from audionews.cli import main
from audionews.errors import AudionewsError
from audionews.options import BuildOptions
from audionews.outputs.documents import DOCUMENT_SUFFIX, read_document, write_page
from audionews.outputs.feed import Show, init_feed
from audionews.pipeline import UpToDate, make
from audionews.render.document import BlockKind, EpisodeDocument
from audionews.render.from_build import document_from_build
from audionews.render.from_sidefiles import document_from_episode
from audionews.text.script import make_script
from audionews.timeline import Chapter, SegmentTime, Timeline
from conftest import Built, ffprobe
from talkingbook_helpers import read_cues

BASE = "https://example.org/harbour"
BUILT = [
    pytest.param("harbour", id="text"),
    pytest.param("ferry", id="markdown"),
    pytest.param("courier", id="html"),
    pytest.param("seed", id="seed", marks=pytest.mark.shared),
]


def page_tree(path: Path):
    return html5lib.parse(
        path.read_text(encoding="utf-8"), treebuilder="lxml", namespaceHTMLElements=False
    )


def page_cues(path: Path) -> list[tuple[int, int, str, str | None]]:
    """The cues a page carries inline, read by an HTML5 parser."""
    data = json.loads(page_tree(path).find(".//script[@id='episode-data']").text)
    return [(c["start_ms"], c["end_ms"], c["text"], c["speaker"]) for c in data["cues"]]


def load(built: Built) -> EpisodeDocument:
    path = built.mp3.with_name(built.mp3.stem + DOCUMENT_SUFFIX)
    assert built.summary["document"] == str(path)
    return EpisodeDocument.from_dict(json.loads(path.read_text(encoding="utf-8")))


# ---- The document of a build --------------------------------------------------------------

ARTICLE = Article(
    "Storm",
    (
        Paragraph("First sentence. Second sentence."),
        Quotation("We are safe.", attribution="Diane Osei"),
        ListBlock(("One.", "Two."), ordered=True, sublists=((1, ListBlock(("Two a.",))),)),
        Heading("A section"),
        Table(("Name", "Age"), (("Ana", "40"), ("Tom", "39"))),
        Figure("A gate."),
    ),
    language="en-GB",
)


def _timeline(silent: str) -> Timeline:
    """Every segment 500 ms of speech after 250 ms of pause; ``silent`` is heard as nothing;
    the second chapter is a part of a section (level 3: the Script and the Timeline count
    the opening as 1, sections as 2 and their parts as 3, as the document does)."""
    script = make_script(ARTICLE)
    times, clock = [], 0
    starts: dict[int, int] = {}
    for number, chapter in enumerate(script.chapters):
        for index, segment in enumerate(chapter.segments):
            starts.setdefault(number, clock)
            length = 0 if segment.text == silent else 500
            times.append(SegmentTime(number, index, clock, clock + length))
            clock += length + 250
    chapters = (Chapter("Storm", 0, starts[1]), Chapter("A section", starts[1], clock, level=3))
    return Timeline(tuple(times), chapters, clock)


def test_the_document_groups_segments_back_into_the_articles_blocks():
    timeline = _timeline(silent="Second sentence.")
    doc = document_from_build(
        make_script(ARTICLE),
        ARTICLE.blocks,
        timeline,
        audio="storm.mp3",
        identifier="urn:uuid:x",
        show="Desk",
    )
    assert (doc.title, doc.language, doc.audio, doc.show) == ("Storm", "en-GB", "storm.mp3", "Desk")
    assert [(c.id, c.title, c.level) for c in doc.chapters] == [
        ("c1", "Storm", 1),
        ("c2", "A section", 3),
    ]

    def shape(chapter):
        found = []
        for block in chapter.blocks:
            texts = [s.text for s in block.sentences]
            items = [[s.text for s in item.sentences] for item in block.items]
            found.append((block.kind, texts, items, [s.text for s in block.end]))
        return found

    assert shape(doc.chapters[0]) == [
        (BlockKind.ANNOUNCEMENT, ["Storm."], [], []),
        (BlockKind.ANNOUNCEMENT, ["This briefing has 1 section: A section."], [], []),
        # "Second sentence." was heard as nothing: it has no cue, so no sentence.
        (BlockKind.PARAGRAPH, ["First sentence."], [], []),
        (BlockKind.QUOTATION, ["In the words of Diane Osei:", "We are safe."], [], []),
        (
            BlockKind.LIST,
            ["A list of 2 items."],
            [["1. One."], ["2. Two.", "A list of 1 item.", "Two a.", "End of list."]],
            ["End of list."],
        ),
    ]
    assert shape(doc.chapters[1]) == [
        (BlockKind.ANNOUNCEMENT, ["Section 1 of 1: A section."], [], []),
        (
            BlockKind.TABLE,
            ["A table of 2 rows."],
            # The row's number is the announcer's own segment (issue 13), within its row.
            [["Row 1.", "Name: Ana. Age: 40."], ["Row 2.", "Name: Tom. Age: 39."]],
            ["End of table."],
        ),
        (BlockKind.FIGURE, ["Image: A gate."], [], []),
        (BlockKind.ANNOUNCEMENT, ["End of briefing."], [], []),
    ]
    quotation = doc.chapters[0].blocks[3]
    assert quotation.speaker == "Diane Osei"
    assert [(s.role, s.speaker) for s in quotation.sentences] == [
        ("narration", None),
        ("quote", "Diane Osei"),
    ]
    assert doc.chapters[0].blocks[4].ordered is True
    # Ids in reading order without a gap; times the Timeline's own.
    sentences = doc.sentences()
    assert [s.id for s in sentences] == [f"s{n}" for n in range(1, len(sentences) + 1)]
    heard = [(t.start_ms, t.end_ms) for t in timeline.segments if t.end_ms > t.start_ms]
    assert [(s.start_ms, s.end_ms) for s in sentences] == heard
    assert (doc.duration_ms, doc.chapters[1].end_ms) == (timeline.duration_ms, timeline.duration_ms)
    # It goes through JSON and back unchanged.
    assert EpisodeDocument.from_dict(json.loads(json.dumps(doc.to_dict()))) == doc


# ---- Real episodes ------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("name", BUILT)
def test_every_build_writes_its_document_and_its_sentences_are_the_cues(request, name: str):
    built: Built = request.getfixturevalue(name)
    doc = load(built)
    cues = read_cues(built.mp3.with_suffix(".vtt"))
    assert [(s.start_ms, s.end_ms, " ".join(s.text.split())) for s in doc.sentences()] == [
        (start, end, text) for start, end, text, _ in cues
    ]
    quoted = [(s.text, s.speaker) for s in doc.sentences() if s.speaker]
    assert [" ".join(t.split()) for t, _ in quoted] == [text for _, _, text, who in cues if who]
    tags = ffprobe(built.mp3, "-show_format")["format"]["tags"]
    assert doc.identifier == tags["audionews:guid"]
    assert doc.language == tags["audionews:language"]
    chapters = ffprobe(built.mp3, "-show_chapters")["chapters"]
    assert [(c.title, c.start_ms) for c in doc.chapters] == [
        (c["tags"]["title"], round(float(c["start_time"]) * 1000)) for c in chapters
    ]
    # The page of the build carries the same cues, and the same title.
    page = built.mp3.with_suffix(".html")
    assert built.summary["page"] == str(page)
    assert page_cues(page) == [(s.start_ms, s.end_ms, s.text, s.speaker) for s in doc.sentences()]
    assert page_tree(page).findtext(".//h1") == tags["title"]


@pytest.mark.e2e
def test_page_command_makes_the_builds_page(harbour: Built, tmp_path: Path):
    mp3 = harbour.mp3
    again = mp3.with_name("again.html")
    result = CliRunner().invoke(main, ["page", str(mp3), "-o", str(again)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"wrote {again}\n"
    assert again.read_bytes() == mp3.with_suffix(".html").read_bytes()
    again.unlink()
    # Written into another folder, the page finds the MP3 by a relative path.
    result = CliRunner().invoke(main, ["page", str(mp3), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    page = tmp_path / mp3.with_suffix(".html").name
    audio = page_tree(page).find(".//audio").get("src")
    assert (page.parent / audio).resolve() == mp3.resolve()


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["harbour", "courier"])
def test_an_episode_built_before_gets_its_page_from_its_side_files(
    request, name: str, tmp_path: Path
):
    """An episode from before ``S.document.json`` (or whose document belongs to another build)
    still gets its page: its structure read back from the transcript and tags."""
    built: Built = request.getfixturevalue(name)
    for suffix in (".mp3", ".vtt", ".chapters.json"):
        shutil.copyfile(built.mp3.with_suffix(suffix), tmp_path / f"old{suffix}")
    old = tmp_path / "old.mp3"
    result = CliRunner().invoke(main, ["page", str(old)])
    assert result.exit_code == 0, result.stderr
    assert (
        result.stderr
        == f"wrote {tmp_path / 'old.html'} (structure read back from its transcript)\n"
    )
    cues = read_cues(old.with_suffix(".vtt"))
    shown = page_cues(old.with_suffix(".html"))
    assert [(a, b, " ".join(t.split())) for a, b, t, _ in shown] == [
        (a, b, t) for a, b, t, _ in cues
    ]
    # The full language tag survives in the tags, for the page and the books.
    assert document_from_episode(old).language == load(built).language
    # A document of another build is not used.
    data = json.loads(built.mp3.with_name(built.mp3.stem + DOCUMENT_SUFFIX).read_text())
    (tmp_path / f"old{DOCUMENT_SUFFIX}").write_text(json.dumps({**data, "build_key": "0" * 32}))
    assert read_document(old) is None
    assert write_page(old).exact is False
    (tmp_path / f"old{DOCUMENT_SUFFIX}").write_text(json.dumps(data))
    assert read_document(old) == replace(load(built), audio="old.mp3")
    assert write_page(old).exact is True


def test_page_command_errors_are_one_line(tmp_path: Path):
    missing = tmp_path / "nope.mp3"
    result = CliRunner().invoke(main, ["page", str(missing)])
    assert (result.exit_code, result.stderr) == (
        1,
        f"audionews: cannot read {missing}: no such file\n",
    )
    fake = tmp_path / "fake.mp3"
    fake.write_bytes(b"not an mp3 at all" * 100)
    result = CliRunner().invoke(main, ["page", str(fake)])
    assert result.exit_code == 1 and result.stderr.startswith(f"audionews: cannot read {fake}")
    assert result.stderr.count("\n") == 1
    assert not fake.with_suffix(".html").exists()


@pytest.mark.e2e
def test_feed_add_copies_or_makes_the_page_and_links_to_it(
    harbour: Built, ferry: Built, tmp_path: Path
):
    feed = tmp_path / "feed"
    init_feed(feed, Show(title="Harbour", base_url=BASE))
    # An episode with its page, and one built before pages existed.
    old = tmp_path / "old" / "tides.mp3"
    old.parent.mkdir()
    for suffix in (".mp3", ".vtt", ".chapters.json"):
        shutil.copyfile(ferry.mp3.with_suffix(suffix), old.with_suffix(suffix))
    for mp3 in (harbour.mp3, old):
        result = CliRunner().invoke(main, ["feed", "add", str(feed), str(mp3)])
        assert result.exit_code == 0, result.stderr
    parsed = feedparser.parse(str(feed / "feed.xml"))
    assert not parsed.bozo
    links = sorted(entry.link for entry in parsed.entries)
    # A feed names an episode's files after its title (tides.mp3 is the ferry article's).
    tides = ferry.mp3.stem
    names = sorted([harbour.mp3.with_suffix(".html").name, f"{tides}.html"])
    assert links == [f"{BASE}/episodes/{name}" for name in names]
    copied = feed / "episodes" / harbour.mp3.with_suffix(".html").name
    assert copied.read_bytes() == harbour.mp3.with_suffix(".html").read_bytes()
    made = feed / "episodes" / f"{tides}.html"
    assert page_tree(made).find(".//audio").get("src") == f"{tides}.mp3"
    # Removing an episode removes its page.
    guid = next(e.id for e in parsed.entries if e.link.endswith(f"{tides}.html"))
    assert CliRunner().invoke(main, ["feed", "remove", str(feed), guid]).exit_code == 0
    assert not made.exists()


# ---- Through the registry, with synthetic speech -----------------------------------------

HTML = """<!DOCTYPE html><html lang="en-GB"><head><title>Tide gates close</title></head>
<body><article><h1>Tide gates close</h1><p>The gates closed at noon. Water rose fast.</p>
<h2>Why</h2><p>A storm surge was forecast for the evening tide.</p></article></body></html>
"""


@pytest.mark.usefixtures("tone_engine")
def test_build_writes_page_and_books_whole_or_not_at_all(tmp_path: Path, monkeypatch):
    article = tmp_path / "tide.html"
    article.write_text(HTML)
    out = tmp_path / "out"
    options = BuildOptions(page=True, daisy=True, epub=True)
    episode = make(article, out, options)
    assert not isinstance(episode, UpToDate)
    stem = out / "tide-gates-close"
    expected = {
        "page": Path(f"{stem}.html"),
        "document": Path(f"{stem}.document.json"),
        "daisy": Path(f"{stem}.daisy"),
        "daisy_zip": Path(f"{stem}.daisy.zip"),
        "epub": Path(f"{stem}.epub"),
    }
    assert {key: episode.files[key] for key in expected} == expected
    assert (expected["daisy"] / "ncc.html").is_file()
    # The full BCP 47 tag: in the tags, the document, the page and the books.
    assert ffprobe(episode.mp3, "-show_format")["format"]["tags"]["audionews:language"] == "en-GB"
    assert read_document(episode.mp3).language == "en-GB"
    assert page_tree(expected["page"]).getroot().get("lang") == "en-GB"
    assert 'xml:lang="en-GB"' in (expected["daisy"] / "content.html").read_text()
    # The page and books add nothing to the build key: asking for them again is up to date,
    # and asking for a book that is missing is not.
    assert isinstance(make(article, out, options, skip_up_to_date=True), UpToDate)
    assert isinstance(make(article, out, BuildOptions(), skip_up_to_date=True), UpToDate)
    expected["epub"].unlink()
    assert not isinstance(make(article, out, options, skip_up_to_date=True), UpToDate)

    # A renderer that fails leaves every earlier file as it was, and nothing half-written.
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise AudionewsError("the renderer failed")

    monkeypatch.setattr("audionews.render.epub.fill_epub", broken)
    with pytest.raises(AudionewsError, match="the renderer failed"):
        make(article, out, BuildOptions(page=True, epub=True))
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.usefixtures("tone_engine")
def test_feed_build_gets_a_page_the_item_links_to(tmp_path: Path):
    feed = tmp_path / "feed"
    init_feed(feed, Show(title="Harbour", base_url=BASE))
    article = tmp_path / "tide.html"
    article.write_text(HTML)
    result = CliRunner().invoke(main, ["build", str(article), "--feed", str(feed), "--json"])
    assert result.exit_code == 0, result.stderr
    page = Path(json.loads(result.stdout)["page"])
    assert page == feed / "episodes" / "tide-gates-close.html"
    (entry,) = feedparser.parse(str(feed / "feed.xml")).entries
    assert entry.link == f"{BASE}/episodes/tide-gates-close.html"
    assert page_tree(page).find(".//audio").get("src") == "tide-gates-close.mp3"
