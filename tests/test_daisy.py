"""DAISY 2.02 books from hand-made timed documents, checked with our DAISY 2.02 rule checker
(tests/daisy202.py) and read back with lxml. The real-episode tests are in
test_daisy_real.py."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from audionews.errors import EpisodeError
from audionews.render.daisy import write_daisy
from audionews.render.document import TimedChapter
from daisy202 import check_book, element_text, ncc_clips
from talkingbook_helpers import sample_document, silent_mp3

XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return silent_mp3(tmp_path_factory.mktemp("audio") / "storm.mp3", 12.1)


def test_a_sample_book_passes_every_rule(mp3: Path, tmp_path: Path) -> None:
    book = write_daisy(sample_document(), mp3, tmp_path / "storm.daisy")
    assert check_book(book.folder) == []
    assert book.files[0] == "ncc.html"
    assert sorted(book.files) == sorted(p.name for p in book.folder.iterdir())
    assert book.zip == tmp_path / "storm.daisy.zip"
    with zipfile.ZipFile(book.zip) as archive:
        assert sorted(archive.namelist()) == sorted(book.files)
        assert archive.read("ncc.html") == (book.folder / "ncc.html").read_bytes()


def test_every_sentence_has_its_text_and_its_exact_clip(mp3: Path, tmp_path: Path) -> None:
    doc = sample_document()
    book = write_daisy(doc, mp3, tmp_path / "storm.daisy")
    clips = ncc_clips(book.folder)
    for sentence in doc.sentences():
        mine = [c for c in clips if c.text_src == f"content.html#{sentence.id}"]
        assert (sentence.start_ms, sentence.end_ms) in [(c.begin_ms, c.end_ms) for c in mine]
        assert element_text(book.folder, mine[0].text_src) == sentence.text
    # The pauses are clips of their own: the book plays the whole 12 s, not only the speech.
    assert clips[0].begin_ms == 0 and clips[-1].end_ms == 12000
    assert book.duration_ms == 12000


def test_ncc_headings_follow_the_chapter_levels(mp3: Path, tmp_path: Path) -> None:
    book = write_daisy(sample_document(), mp3, tmp_path / "storm.daisy")
    ncc = etree.parse(str(book.folder / "ncc.html"))
    body = ncc.getroot().find(f"{XHTML}body")
    assert [(etree.QName(h).localname, "".join(h.itertext()).strip()) for h in body] == [
        ("h1", "Storm over the harbour"),
        ("h2", "How it works"),
        ("h3", "The gates"),
        ("h2", "Costs"),
    ]
    metas = {m.get("name"): m.get("content") for m in ncc.iter(f"{XHTML}meta")}
    assert metas["ncc:depth"] == "3"
    assert metas["ncc:tocItems"] == "4"
    assert metas["ncc:totalTime"] == "00:00:12"
    assert metas["ncc:multimediaType"] == "audioFullText"
    assert metas["ncc:setInfo"] == "1 of 1"
    assert metas["dc:creator"] == "Ana Lima"
    assert metas["dc:language"] == "en-GB"
    assert metas["dc:date"] == "2026-03-10"


def test_a_level_skipped_on_the_way_down_is_closed_up(mp3: Path, tmp_path: Path) -> None:
    doc = sample_document()
    # The opening followed straight by a sub-section: h1 then h3 is no hierarchy.
    chapters = list(doc.chapters)
    chapters[1] = dataclasses.replace(chapters[1], level=3)
    book = write_daisy(dataclasses.replace(doc, chapters=tuple(chapters)), mp3, tmp_path / "b")
    body = etree.parse(str(book.folder / "ncc.html")).getroot().find(f"{XHTML}body")
    assert [etree.QName(h).localname for h in body] == ["h1", "h2", "h3", "h2"]
    assert check_book(book.folder) == []


def test_announcements_are_in_the_text_and_marked(mp3: Path, tmp_path: Path) -> None:
    book = write_daisy(sample_document(), mp3, tmp_path / "storm.daisy")
    content = etree.parse(str(book.folder / "content.html"))
    heading = content.xpath("//*[@id='s5']")[0]
    assert etree.QName(heading).localname == "h2"
    prefix = heading.find(f"{XHTML}span")
    assert prefix.get("class") == "announcement" and prefix.text == "Section 1 of 2: "
    marked = {n.get("id") for n in content.iter() if n.get("class") == "announcement"}
    assert {"s2", "s6", "s9", "s15", "s18"} <= marked
    french = content.xpath("//*[@id='s13']")[0]
    assert french.get("lang") == "fr"
    assert french.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"


HOSTILE = "Storm </title><script>alert(\"x\")</script> & 'quotes' \x00\x1b[31m\x85 \ud800 ✓ مرحبا"


def test_hostile_text_gives_valid_xml_and_safe_names(mp3: Path, tmp_path: Path) -> None:
    doc = sample_document(title=HOSTILE, text=HOSTILE)
    book = write_daisy(doc, mp3, tmp_path / "storm.daisy")
    assert check_book(book.folder) == []
    for name in book.files:
        assert name.isascii() and name == name.lower() and "/" not in name and len(name) <= 64
        if name.endswith((".html", ".smil")):
            raw = (book.folder / name).read_bytes()
            assert b"\x1b" not in raw and b"\x00" not in raw and b"\xc2\x85" not in raw
            etree.fromstring(raw)  # raises if not well-formed
    title = etree.parse(str(book.folder / "ncc.html")).find(f".//{XHTML}title").text
    assert title == "Storm </title><script>alert(\"x\")</script> & 'quotes' [31m ✓ مرحبا"


def test_a_document_that_does_not_fit_is_refused_and_writes_nothing(
    mp3: Path, tmp_path: Path
) -> None:
    good = write_daisy(sample_document(), mp3, tmp_path / "storm.daisy")
    before = {p.name: p.read_bytes() for p in good.folder.iterdir()}
    doc = sample_document()
    overlapping = list(doc.chapters)
    overlapping[0] = TimedChapter("c1", "x", 1, 0, 3000, (doc.chapters[1].blocks[0],))
    broken = dataclasses.replace(doc, chapters=tuple(overlapping))
    with pytest.raises(EpisodeError, match="talking book"):
        write_daisy(broken, mp3, tmp_path / "storm.daisy")
    with pytest.raises(EpisodeError, match="used twice"):
        write_daisy(
            dataclasses.replace(doc, chapters=(doc.chapters[0], doc.chapters[0])),
            mp3,
            tmp_path / "x",
        )
    longer = dataclasses.replace(
        doc, chapters=(*doc.chapters[:-1], dataclasses.replace(doc.chapters[-1], end_ms=60_000))
    )
    with pytest.raises(EpisodeError, match="audio"):
        write_daisy(longer, mp3, tmp_path / "storm.daisy")
    assert {p.name: p.read_bytes() for p in good.folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["storm.daisy", "storm.daisy.zip"]


def test_long_episodes_are_cut_into_parts_at_chapters(mp3: Path, tmp_path: Path) -> None:
    doc = sample_document()
    book = write_daisy(doc, mp3, tmp_path / "storm.daisy", max_audio_ms=6500)
    assert book.audio == ("audio01.mp3", "audio02.mp3")
    assert check_book(book.folder) == []
    # Each part starts at a chapter (c3 at 6 s), so a clip's time in its part plus the part's
    # start is the sentence's time in the episode.
    offsets = {"audio01.mp3": 0, "audio02.mp3": 6000}
    clips = ncc_clips(book.folder)
    for sentence in doc.sentences():
        spans = [
            (c.begin_ms + offsets[c.src], c.end_ms + offsets[c.src])
            for c in clips
            if c.text_src == f"content.html#{sentence.id}"
        ]
        assert (sentence.start_ms, sentence.end_ms) in spans


@pytest.mark.parametrize(
    ("file", "old", "new", "problem"),
    [
        pytest.param(
            "c02.smil",
            'clip-begin="npt=4.000s"',
            'clip-begin="npt=4.100s"',
            "not where the previous ended",
            id="gap-between-clips",
        ),
        pytest.param(
            "c02.smil",
            'clip-end="npt=6.000s"',
            'clip-end="npt=6.500s"',
            "not where the previous ended",
            id="clip-past-next",
        ),
        pytest.param(
            "c04.smil",
            'clip-end="npt=12.000s"',
            'clip-end="npt=19.000s"',
            "after audio.mp3",
            id="clip-past-the-audio",
        ),
        pytest.param(
            "c01.smil",
            'content.html#s3"',
            'content.html#nowhere"',
            "names no element",
            id="text-names-no-id",
        ),
        pytest.param(
            "ncc.html",
            '<meta name="dc:identifier"',
            '<meta name="x:identifier"',
            "dc:identifier appears 0 times",
            id="required-meta-missing",
        ),
        pytest.param(
            "ncc.html",
            'content="00:00:12"',
            'content="00:00:15"',
            "ncc:totalTime",
            id="total-time-wrong",
        ),
        pytest.param(
            "ncc.html",
            '<h2 id="nav-c2">\n      <a href="c02.smil#txt-s5">How it works</a>\n    </h2>',
            '<h3 id="nav-c2">\n      <a href="c02.smil#txt-s5">How it works</a>\n    </h3>',
            "heading h3 follows h1",
            id="heading-skips-a-level",
        ),
        pytest.param(
            "c03.smil", "<smil>", "<smil><broken>", "not well-formed", id="smil-not-well-formed"
        ),
        pytest.param(
            "content.html", "XHTML 1.0 Transitional", "XHTML 9", "not XHTML 1.0", id="wrong-doctype"
        ),
    ],
)
def test_the_checker_finds_broken_books(
    mp3: Path, tmp_path: Path, file: str, old: str, new: str, problem: str
) -> None:
    book = write_daisy(sample_document(), mp3, tmp_path / "storm.daisy")
    path = book.folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert any(problem in line for line in check_book(book.folder)), check_book(book.folder)
