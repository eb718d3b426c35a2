"""Chapter clips, and the side files, checked with independent readers."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import webvtt
from click.testing import CliRunner, Result
from mutagen.id3 import CHAP, ID3, TIT2, Encoding

from audionews.cli import main
from audionews.outputs.clips import safe_name
from conftest import HARBOUR, Built, decoded_ms, ffprobe

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "podcast-chapters-1.2.0.json").read_text())
TOLERANCE_MS = 30
FRAME_MS = 1152 / 44100 * 1000


def run(*args: str) -> Result:
    """The command in process: clips need ffmpeg, not a process of their own."""
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def episode(harbour: Built) -> dict:
    return harbour.summary


@pytest.mark.e2e
def test_build_clips_match_their_chapters(episode: dict):
    mp3 = Path(episode["mp3"])
    folder = mp3.with_name(mp3.stem + ".clips")
    clips = sorted(folder.glob("*.mp3"))
    assert len(clips) == len(episode["chapters"]) == 4
    for number, (clip, chapter) in enumerate(zip(clips, episode["chapters"], strict=True), 1):
        expected = (chapter["end_s"] - chapter["start_s"]) * 1000
        assert abs(decoded_ms(clip) - expected) <= TOLERANCE_MS
        probed = ffprobe(clip, "-show_chapters", "-show_format")
        assert probed["chapters"] == []
        tags = probed["format"]["tags"]
        assert tags["title"] == chapter["title"]
        assert tags["album"] == "Port Callow Opens Its Tidal Flood Barrier After Six Years of Work"
        assert (tags["artist"], tags["date"], tags["track"]) == (
            "Tomas Reyland",
            "2026-10-03",
            str(number),
        )
        assert tags["comment"].startswith(f"Chapter {number} of {mp3.name}, ")


@pytest.mark.parametrize("lossless", [False, True], ids=["re-encoded", "lossless"])
def test_clip_by_title_and_number(episode: dict, tmp_path: Path, lossless: bool):
    mp3 = Path(episode["mp3"])
    chapter = episode["chapters"][2]
    flags = ["--lossless"] if lossless else []
    by_title = run(
        "clip",
        str(mp3),
        "--chapter",
        "WHAT RESIDENTS were promised",
        "-o",
        str(tmp_path / "a.mp3"),
        *flags,
    )
    assert by_title.exit_code == 0, by_title.stderr
    by_number = run("clip", str(mp3), "--chapter", "3", "-o", str(tmp_path / "b.mp3"), *flags)
    assert by_number.exit_code == 0, by_number.stderr
    expected = (chapter["end_s"] - chapter["start_s"]) * 1000
    # Re-encoded clips are cut at the sample; copied frames land within a frame at each end.
    tolerance = 2 * FRAME_MS if lossless else TOLERANCE_MS
    for clip in (tmp_path / "a.mp3", tmp_path / "b.mp3"):
        assert abs(decoded_ms(clip) - expected) <= tolerance
        probed = ffprobe(clip, "-show_chapters", "-show_format")
        assert probed["chapters"] == []
        assert probed["format"]["tags"]["title"] == "What Residents Were Promised"
        assert probed["format"]["tags"]["track"] == "3"


def test_clip_all_writes_numbered_safe_names(episode: dict, tmp_path: Path):
    result = run("clip", episode["mp3"], "--all", "-o", str(tmp_path), "--json")
    assert result.exit_code == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [Path(c["clip"]).name for c in listed] == [
        "01-port-callow-opens-its-tidal-flood-barrier-after-six-years-of.mp3",
        "02-how-the-barrier-works.mp3",
        "03-what-residents-were-promised.mp3",
        "04-what-happens-next.mp3",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--chapter", "9"], "has chapters 1 to 4, not 9", id="number"),
        pytest.param(["--chapter", "Nope"], "has no chapter titled 'Nope'", id="title"),
    ],
)
def test_unknown_chapter_is_a_clear_error(episode: dict, args, message):
    result = run("clip", episode["mp3"], *args)
    assert result.exit_code == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_side_files_validate(episode: dict):
    document = json.loads(Path(episode["chapters_json"]).read_text())
    jsonschema.validate(document, SCHEMA)
    starts = [c["startTime"] for c in document["chapters"]]
    assert starts == sorted(starts)
    cues = webvtt.read(episode["vtt"])
    times = [(c.start_time.in_milliseconds(), c.end_time.in_milliseconds()) for c in cues]
    assert all(start < end for start, end in times)
    assert all(end <= after for (_, end), (after, _) in itertools.pairwise(times))
    script = json.loads(run("script", str(HARBOUR), "--json").stdout)
    segments = [s for chapter in script["chapters"] for s in chapter["segments"]]
    # One cue per spoken segment, in order, with the segment's own words.
    assert [c.text.replace("\n", " ") for c in cues] == [s["text"] for s in segments]


def test_schema_rejects_what_the_spec_forbids():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "1.2.0", "chapters": [{"title": "x"}]}, SCHEMA)


def _tone_with_ffmpeg_chapters(tmp_path: Path) -> Path:
    """A chaptered MP3 written by ffmpeg from an ffmetadata file: an independent writer."""
    metadata = tmp_path / "chapters.txt"
    metadata.write_text(
        ";FFMETADATA1\ntitle=Tone Test\nartist=Sine Desk\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2000\ntitle=Intro\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=2000\nEND=5500\ntitle=Main Part\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=5500\nEND=8000\ntitle=Outro\n"
    )
    mp3 = tmp_path / "tone.mp3"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=330:duration=8",
            "-i",
            str(metadata),
            "-map_metadata",
            "1",
            "-map_chapters",
            "1",
            "-ar",
            "44100",
            "-ac",
            "1",
            "-b:a",
            "128k",
            "-id3v2_version",
            "3",
            str(mp3),
        ],
        check=True,
    )
    return mp3


def test_clip_from_an_mp3_chaptered_by_ffmpeg(tmp_path: Path):
    mp3 = _tone_with_ffmpeg_chapters(tmp_path)
    listed = json.loads(run("chapters", str(mp3), "--json").stdout)
    assert [c["title"] for c in listed] == ["Intro", "Main Part", "Outro"]
    result = run("clip", str(mp3), "--chapter", "main part", "-o", str(tmp_path / "main.mp3"))
    assert result.exit_code == 0, result.stderr
    assert abs(decoded_ms(tmp_path / "main.mp3") - 3500) <= TOLERANCE_MS
    tags = ffprobe(tmp_path / "main.mp3", "-show_format")["format"]["tags"]
    assert (tags["title"], tags["album"], tags["artist"]) == ("Main Part", "Tone Test", "Sine Desk")


def test_v24_chapters_out_of_order_without_end_times(tmp_path: Path):
    mp3 = _tone_with_ffmpeg_chapters(tmp_path)
    tags = ID3(mp3)
    tags.delall("CHAP")
    tags.delall("CTOC")
    # Written out of order, the middle one without an end time, no table of contents.
    for element, start, end, title in [
        ("c2", 5500, 8000, "Outro"),
        ("c0", 0, 2000, "Intro"),
        ("c1", 2000, 0xFFFFFFFF, "Main Part"),
    ]:
        tags.add(
            CHAP(
                element_id=element,
                start_time=start,
                end_time=end,
                sub_frames=[TIT2(encoding=Encoding.UTF8, text=[title])],
            )
        )
    tags.save(mp3, v2_version=4)
    assert ID3(mp3).version == (2, 4, 0)
    listed = json.loads(run("chapters", str(mp3), "--json").stdout)
    assert [(c["title"], c["start_s"]) for c in listed] == [
        ("Intro", 0.0),
        ("Main Part", 2.0),
        ("Outro", 5.5),
    ]
    result = run("clip", str(mp3), "--chapter", "2", "-o", str(tmp_path / "c.mp3"))
    assert result.exit_code == 0, result.stderr
    assert abs(decoded_ms(tmp_path / "c.mp3") - 3500) <= TOLERANCE_MS


def test_mp3_without_chapters_says_so(tmp_path: Path):
    mp3 = tmp_path / "plain.mp3"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=1",
            "-metadata",
            "title=Plain",
            str(mp3),
        ],
        check=True,
    )
    result = run("clip", str(mp3), "--all")
    assert (result.exit_code, result.stderr) == (
        1,
        f"audionews: cannot read {mp3}: the MP3 has no chapters\n",
    )
    assert run("chapters", str(mp3)).stderr == f"{mp3}: no chapters\n"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        pytest.param("../../etc/passwd", "01-etc-passwd.mp3", id="path-traversal"),
        pytest.param("Bell\x07 and\ttab / slash", "01-bell-and-tab-slash.mp3", id="controls"),
        pytest.param("...", "01-chapter.mp3", id="only-dots"),
        pytest.param(
            "Café Société: Überraschung!", "01-café-société-überraschung.mp3", id="unicode-kept"
        ),
        pytest.param("x" * 300, "01-" + "x" * 60 + ".mp3", id="length-limited"),
    ],
)
def test_safe_names(title: str, name: str):
    assert safe_name(title, 1) == name
    assert "/" not in name and ".." not in name


@pytest.mark.e2e
@pytest.mark.shared
def test_seed_clips(seed: Built, tmp_path: Path):
    summary, mp3 = seed.summary, seed.mp3
    clips = sorted(Path(summary["clips"]).glob("*.mp3"))
    assert len(clips) == 8
    for clip, chapter in zip(clips, summary["chapters"], strict=True):
        assert abs(decoded_ms(clip) - (chapter["end_s"] - chapter["start_s"]) * 1000) <= 30
    why = run("clip", str(mp3), "--chapter", "Why It Matters", "-o", str(tmp_path / "why.mp3"))
    assert why.exit_code == 0, why.stderr
    chapter = next(c for c in summary["chapters"] if c["title"] == "Why It Matters")
    assert (
        abs(decoded_ms(tmp_path / "why.mp3") - (chapter["end_s"] - chapter["start_s"]) * 1000) <= 30
    )
    jsonschema.validate(json.loads(Path(summary["chapters_json"]).read_text()), SCHEMA)
    assert np.all(np.diff([c["start_s"] for c in summary["chapters"]]) > 0)
