"""An EpisodeDocument read back from a real episode's tags and side files.

Checked against independent readers: ffprobe for the chapters and tags, a plain parse of the
VTT for the cue times, and the article itself for the structure the narrator announces.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from audionews.errors import EpisodeError
from audionews.render.document import BlockKind
from audionews.render.from_sidefiles import document_from_episode
from conftest import ffprobe

# One plugin for both modules, so each episode is built once per session.
pytest_plugins = ["page_fixtures"]
pytestmark = pytest.mark.e2e


def blocks_of(doc, kind):
    return [b for c in doc.chapters for b in c.blocks if b.kind is kind]


@pytest.mark.parametrize("name", ["harbour", "courier"])
def test_times_and_texts_are_the_vtt_cues(episodes, name):
    episode = episodes[name]
    doc = document_from_episode(episode.mp3)
    sentences = doc.sentences()
    assert [(s.start_ms, s.end_ms, s.text) for s in sentences] == [
        (c.start_ms, c.end_ms, c.text) for c in episode.cues
    ]
    assert [s.id for s in sentences] == [f"s{n}" for n in range(1, len(sentences) + 1)]
    assert [(c.title, c.start_ms) for c in doc.chapters] == episode.chapters
    # Every sentence sits in the chapter whose time it falls in.
    for chapter in doc.chapters:
        for sentence in chapter.sentences():
            assert chapter.start_ms <= sentence.start_ms < chapter.end_ms


def test_tags_become_the_documents_metadata(episodes):
    episode = episodes["harbour"]
    doc = document_from_episode(episode.mp3)
    tags = ffprobe(episode.mp3, "-show_format")["format"]["tags"]
    assert (
        doc.title
        == tags["title"]
        == "Port Callow Opens Its Tidal Flood Barrier After Six Years of Work"
    )
    assert doc.byline == tags["artist"] == "Tomas Reyland"
    assert doc.date == tags["date"] == "2026-10-03"
    assert doc.identifier == tags["audionews:guid"]
    assert doc.language == "en"  # TLAN "eng" as BCP 47 wants it
    assert doc.audio == episode.mp3.name
    # The Timeline's length; the MP3 is longer only by the encoder's padding.
    duration = float(ffprobe(episode.mp3, "-show_format")["format"]["duration"]) * 1000
    assert doc.duration_ms == doc.chapters[-1].end_ms
    assert 0 <= duration - doc.duration_ms < 150


def test_structure_of_the_plain_text_article(episodes):
    doc = document_from_episode(episodes["harbour"].mp3)
    announcements = [b.sentences[0].text for b in blocks_of(doc, BlockKind.ANNOUNCEMENT)]
    assert announcements[:3] == [
        "Port Callow Opens Its Tidal Flood Barrier After Six Years of Work.",
        "By Tomas Reyland.",
        "Published 3 October 2026.",
    ]
    assert "Section 2 of 3: What Residents Were Promised." in announcements
    assert announcements[-1] == "End of briefing."
    (pull,) = blocks_of(doc, BlockKind.QUOTATION)
    assert pull.speaker == "Ines Okafor"
    assert [s.role for s in pull.sentences] == ["narration", "quote"]
    (items,) = blocks_of(doc, BlockKind.LIST)
    assert items.sentences[0].text == "A list of 3 items."
    assert [s.text for s in items.end] == ["End of list."]
    assert [[s.text for s in i.sentences] for i in items.items] == [
        [
            "No home in the lower wards would be flooded by a tide below the barrier's design"
            " height."
        ],
        ["The harbour would stay open to fishing boats throughout the works."],
        ["Insurance premiums would be reviewed once the barrier had passed its first winter."],
    ]
    # Paragraphs as the article has them (one a line), told apart by their longer pauses.
    paragraphs = [[s.text for s in b.sentences] for b in blocks_of(doc, BlockKind.PARAGRAPH)]
    assert [
        "Each gate rests flat on the riverbed for most of the year, so boats pass over it"
        " without noticing.",
        "When a surge is forecast, compressed air lifts the gates until they form a wall nearly"
        " five metres high.",
    ] in paragraphs
    quoted = [s for s in doc.sentences() if s.role == "quote"]
    assert {s.speaker for s in quoted} == {
        "Ines Okafor",
        "Priya Halvorsen",
        "Marguerite Dunlow",
    }


def test_structure_of_the_html_article(episodes):
    doc = document_from_episode(episodes["courier"].mp3)
    (figure,) = blocks_of(doc, BlockKind.FIGURE)
    assert figure.sentences[0].text == "Image: The swing bridge."
    (pull,) = blocks_of(doc, BlockKind.QUOTATION)
    assert pull.speaker == "Deborah Enwright"
    assert pull.sentences[0].text == (
        "In the words of Deborah Enwright, chief engineer at the harbour trust:"
    )
    (bullets,) = blocks_of(doc, BlockKind.LIST)
    assert len(bullets.items) == 3 and not bullets.ordered
    (table,) = blocks_of(doc, BlockKind.TABLE)
    assert [i.sentences[0].text for i in table.items] == [
        "Row 1. Source: Heritage grant. Amount: £1.2m.",
        "Row 2. Source: Public appeal. Amount: £86,000.",
    ]
    assert [s.text for s in table.end] == ["End of table."]


@pytest.mark.slow  # builds the French episode, which only slow tests use
def test_french_episode_reads_the_french_narrator(episodes):
    doc = document_from_episode(episodes["marche"].mp3)
    assert doc.language == "fr"  # TLAN "fre"
    assert doc.byline == "Camille Roussel"
    announcements = [b.sentences[0].text for b in blocks_of(doc, BlockKind.ANNOUNCEMENT)]
    assert announcements == [
        "Le marché du vendredi revient sur le port.",
        "Par Camille Roussel.",
        "Ce bulletin compte une section : Ce qui change.",
        "Section 1 sur 1 : Ce qui change.",
        "Fin du bulletin.",
    ]
    (quoted,) = [s for s in doc.sentences() if s.role == "quote"]
    assert quoted.speaker == "Hélène Marchetti"


def test_missing_transcript_is_named(episodes, tmp_path):
    lone = tmp_path / "lone.mp3"
    shutil.copyfile(episodes["harbour"].mp3, lone)
    with pytest.raises(EpisodeError, match=r"lone\.mp3: no transcript beside it \(lone\.vtt\)"):
        document_from_episode(lone)


def test_broken_side_files(episodes, tmp_path):
    episode = episodes["harbour"]
    copy = tmp_path / "copy.mp3"
    shutil.copyfile(episode.mp3, copy)
    copy.with_suffix(".vtt").write_text("not a transcript\n", encoding="utf-8")
    with pytest.raises(EpisodeError, match=r"copy\.vtt: not a WebVTT transcript"):
        document_from_episode(copy)
    # Broken JSON chapters: the ID3 chapters say the same.
    shutil.copyfile(episode.mp3.with_suffix(".vtt"), copy.with_suffix(".vtt"))
    copy.with_suffix(".chapters.json").write_text("{", encoding="utf-8")
    doc = document_from_episode(copy)
    assert [(c.title, c.start_ms) for c in doc.chapters] == episode.chapters


def test_not_an_episode(tmp_path: Path):
    with pytest.raises(EpisodeError, match="no such file"):
        document_from_episode(tmp_path / "absent.mp3")
