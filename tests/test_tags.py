"""ID3 chapters written by us, read back by ffprobe (independently) and by mutagen."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from audionews.errors import EpisodeError
from audionews.outputs.tags import (
    BUILD_KEY,
    EpisodeTags,
    read_build_key,
    read_chapters,
    read_tags,
    write_tags,
)
from audionews.timeline import Chapter
from conftest import ffprobe


@pytest.fixture
def silent_mp3(tmp_path: Path) -> Path:
    path = tmp_path / "tone.mp3"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=6",
            "-ar",
            "44100",
            "-ac",
            "1",
            "-b:a",
            "96k",
            "-id3v2_version",
            "0",
            str(path),
        ],
        check=True,
    )
    return path


# Titles of falling then rising length: mutagen's own order (by frame size) is not time order.
CHAPTERS = [
    Chapter("A much longer opening chapter title than the rest", 0, 1500),
    Chapter("Mid", 1500, 3000),
    Chapter("Medium length title", 3000, 4500),
    Chapter("X", 4500, 6000),
]


def test_chapters_are_listed_by_ffprobe_in_time_order(silent_mp3: Path):
    tags = EpisodeTags(
        title="Tide Report",
        show="Harbour News",
        artist="Tomas Reyland",
        date=dt.date(2026, 10, 3),
        description="The barrier closed.",
        transcript="Line one.\nLine two.",
    )
    write_tags(silent_mp3, tags, CHAPTERS)
    probed = ffprobe(silent_mp3, "-show_chapters", "-show_format")
    assert [c["tags"]["title"] for c in probed["chapters"]] == [c.title for c in CHAPTERS]
    assert [(c["start"], c["end"]) for c in probed["chapters"]] == [
        (c.start_ms, c.end_ms) for c in CHAPTERS
    ]
    format_tags = probed["format"]["tags"]
    assert format_tags["title"] == "Tide Report"
    assert format_tags["album"] == "Harbour News"
    assert format_tags["artist"] == "Tomas Reyland"
    assert format_tags["genre"] == "Podcast"
    assert format_tags["date"].startswith("2026")


def test_tag_layout_follows_the_chapter_addendum(silent_mp3: Path):
    write_tags(silent_mp3, EpisodeTags(title="Tide Report", show="Harbour News"), CHAPTERS)
    id3 = ID3(silent_mp3)
    assert id3.version == (2, 3, 0)
    (toc,) = id3.getall("CTOC")
    assert toc.flags == 3  # top-level and ordered
    assert toc.child_element_ids == [f"chp{n}" for n in range(4)]
    assert toc.sub_frames.getall("TIT2")[0].text == ["Tide Report"]
    for chap in id3.getall("CHAP"):
        assert (chap.start_offset, chap.end_offset) == (0xFFFFFFFF, 0xFFFFFFFF)
    assert read_chapters(silent_mp3) == CHAPTERS
    assert read_tags(silent_mp3).show == "Harbour News"


def test_reading_an_untagged_file_is_a_clear_error(silent_mp3: Path, tmp_path: Path):
    with pytest.raises(EpisodeError, match="no ID3 tags"):
        read_chapters(silent_mp3)
    with pytest.raises(EpisodeError, match="no such file"):
        read_chapters(tmp_path / "missing.mp3")


def test_the_build_key_is_read_without_parsing_the_chapters(silent_mp3: Path):
    key = "a3f9" * 16
    tags = EpisodeTags(
        title="Tide Report",
        show="Harbour News",
        extra=(("audionews:language", "en"), (BUILD_KEY, key)),
    )
    with pytest.raises(EpisodeError, match="no ID3 tags"):
        read_build_key(silent_mp3)  # as read_tags: not a tagged MP3
    write_tags(silent_mp3, tags, CHAPTERS)
    assert read_build_key(silent_mp3) == key == read_tags(silent_mp3).extra_dict()[BUILD_KEY]
    write_tags(silent_mp3, EpisodeTags(title="Tide Report", show="Harbour News"), CHAPTERS)
    assert read_build_key(silent_mp3) is None
