"""EPUB 3 books with Media Overlays from hand-made timed documents, read back with zipfile and
lxml. EPUBCheck and real episodes are in test_epub_real.py."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from audionews.errors import EpisodeError
from audionews.render.epub import write_epub
from talkingbook_helpers import sample_document, silent_mp3

OPF = "{http://www.idpf.org/2007/opf}"
SMIL = "{http://www.w3.org/ns/SMIL}"
XHTML = "{http://www.w3.org/1999/xhtml}"
HOSTILE = "Storm </title><script>alert(\"x\")</script> & 'quotes' \x00\x1b[31m\x85 \ud800 ✓ مرحبا"


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return silent_mp3(tmp_path_factory.mktemp("audio") / "storm.mp3", 12.1)


def _clock_ms(value: str) -> int:
    hours, minutes, rest = value.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(rest)) * 1000)


def _package(book: Path):
    with zipfile.ZipFile(book) as archive:
        return etree.fromstring(archive.read("EPUB/package.opf"))


def test_the_container_is_laid_out_as_ocf_requires(mp3: Path, tmp_path: Path) -> None:
    book = write_epub(sample_document(), mp3, tmp_path / "storm.epub")
    with zipfile.ZipFile(book.path) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/epub+zip"
        assert archive.read("EPUB/audio.mp3") == mp3.read_bytes()
        for name in archive.namelist():
            if name.endswith((".xhtml", ".smil", ".opf", ".xml")):
                etree.fromstring(archive.read(name))


def test_every_sentence_has_an_overlay_clip_equal_to_its_time(mp3: Path, tmp_path: Path) -> None:
    doc = sample_document()
    book = write_epub(doc, mp3, tmp_path / "storm.epub")
    found = {}
    with zipfile.ZipFile(book.path) as archive:
        for index, chapter in enumerate(doc.chapters, start=1):
            smil = etree.fromstring(archive.read(f"EPUB/c{index:02d}.smil"))
            page = etree.fromstring(archive.read(f"EPUB/c{index:02d}.xhtml"))
            for par in smil.iter(f"{SMIL}par"):
                src = par.find(f"{SMIL}text").get("src")
                audio = par.find(f"{SMIL}audio")
                target = page.xpath("//*[@id=$id]", id=src.split("#")[1])[0]
                found[src] = (
                    _clock_ms(audio.get("clipBegin")),
                    _clock_ms(audio.get("clipEnd")),
                    " ".join("".join(target.itertext()).split()),
                )
            assert {s.id for s in chapter.sentences()} == {
                src.split("#")[1] for src in found if src.startswith(f"c{index:02d}.xhtml")
            }
    for index, chapter in enumerate(doc.chapters, start=1):
        for sentence in chapter.sentences():
            assert found[f"c{index:02d}.xhtml#{sentence.id}"] == (
                sentence.start_ms,
                sentence.end_ms,
                sentence.text,
            )


def test_durations_and_accessibility_metadata(mp3: Path, tmp_path: Path) -> None:
    doc = sample_document()
    book = write_epub(doc, mp3, tmp_path / "storm.epub")
    metadata = _package(book.path).find(f"{OPF}metadata")
    metas = [(m.get("property"), m.get("refines"), m.text) for m in metadata.iter(f"{OPF}meta")]
    per_overlay = {r: _clock_ms(t) for p, r, t in metas if p == "media:duration" and r}
    total = [_clock_ms(t) for p, r, t in metas if p == "media:duration" and not r]
    speech = [sum(s.end_ms - s.start_ms for s in c.sentences()) for c in doc.chapters]
    assert list(per_overlay.values()) == speech
    assert total == [sum(speech)] == [book.duration_ms]
    values = {(p, t) for p, _, t in metas}
    assert ("media:active-class", "-epub-media-overlay-active") in values
    for expected in [
        ("schema:accessMode", "textual"),
        ("schema:accessMode", "auditory"),
        ("schema:accessModeSufficient", "textual"),
        ("schema:accessModeSufficient", "auditory"),
        ("schema:accessibilityFeature", "synchronizedAudioText"),
        ("schema:accessibilityFeature", "tableOfContents"),
        ("schema:accessibilityFeature", "readingOrder"),
        ("schema:accessibilityHazard", "none"),
    ]:
        assert expected in values
    assert any(p == "schema:accessibilitySummary" and t for p, _, t in metas)
    language = metadata.find("{http://purl.org/dc/elements/1.1/}language").text
    assert language == "en-GB"


def test_the_navigation_document_nests_chapters_by_level(mp3: Path, tmp_path: Path) -> None:
    book = write_epub(sample_document(), mp3, tmp_path / "storm.epub")
    with zipfile.ZipFile(book.path) as archive:
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
    toc = nav.find(f".//{XHTML}nav")
    assert toc.get("{http://www.idpf.org/2007/ops}type") == "toc"

    def outline(ol) -> list:
        return [
            (
                li.find(f"{XHTML}a").text,
                li.find(f"{XHTML}a").get("href"),
                outline(li.find(f"{XHTML}ol")) if li.find(f"{XHTML}ol") is not None else [],
            )
            for li in ol.findall(f"{XHTML}li")
        ]

    assert outline(toc.find(f"{XHTML}ol")) == [
        (
            "Storm over the harbour",
            "c01.xhtml#s1",
            [
                ("How it works", "c02.xhtml#s5", [("The gates", "c03.xhtml#s10", [])]),
                ("Costs", "c04.xhtml#s14", []),
            ],
        ),
    ]


def test_hostile_text_gives_well_formed_documents(mp3: Path, tmp_path: Path) -> None:
    book = write_epub(sample_document(title=HOSTILE, text=HOSTILE), mp3, tmp_path / "s.epub")
    with zipfile.ZipFile(book.path) as archive:
        for name in archive.namelist():
            assert name.isascii() and " " not in name
            if name.endswith((".xhtml", ".smil", ".opf")):
                raw = archive.read(name)
                assert b"\x1b" not in raw and b"\x00" not in raw
                etree.fromstring(raw)
        title = _package(book.path).find(".//{http://purl.org/dc/elements/1.1/}title").text
    assert title == "Storm </title><script>alert(\"x\")</script> & 'quotes' [31m ✓ مرحبا"


def test_a_failure_leaves_the_earlier_book(mp3: Path, tmp_path: Path) -> None:
    good = write_epub(sample_document(), mp3, tmp_path / "storm.epub")
    before = good.path.read_bytes()
    doc = sample_document()
    broken = dataclasses.replace(doc, chapters=(doc.chapters[0], doc.chapters[0]))
    with pytest.raises(EpisodeError):
        write_epub(broken, mp3, tmp_path / "storm.epub")
    assert good.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["storm.epub"]
