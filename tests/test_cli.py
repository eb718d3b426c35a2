"""The command line, end to end: real espeak-ng and ffmpeg, checked with ffprobe."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import srt
import webvtt
from click.testing import CliRunner

from audionews import __version__
from audionews.cli import main
from audionews.errors import SynthesisError
from audionews.options import BuildOptions
from audionews.pipeline import make as build
from conftest import HARBOUR, Built, ffprobe, run_cli

SEED_TITLES = [
    "First Part of Ukraine-Russia Prisoners of War Exchange Completed, Zelenskyy Says",
    "What We Know So Far",
    "A Moment of Relief for Families",
    "How the Exchange Happened",
    "Why It Matters",
    "The Larger Context",
    "What Comes Next?",
    "Final Thoughts",
]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env, timeout=300)


def check_chapters(mp3: Path, titles: list[str]) -> list[dict]:
    probed = ffprobe(mp3, "-show_chapters", "-show_format", "-show_streams")
    chapters = probed["chapters"]
    assert [c["tags"]["title"] for c in chapters] == titles
    duration_ms = float(probed["format"]["duration"]) * 1000
    assert chapters[0]["start"] == 0
    for before, after in itertools.pairwise(chapters):
        assert before["start"] < before["end"] == after["start"]
    # The last chapter ends where the audio does (ffprobe's duration is within a frame).
    assert abs(chapters[-1]["end"] - duration_ms) < 60
    (stream,) = probed["streams"]
    assert (stream["codec_name"], stream["sample_rate"], stream["channels"]) == ("mp3", "44100", 1)
    assert stream["bit_rate"] == "96000"
    return chapters


def check_side_files(mp3: Path, chapters: list[dict]) -> None:
    """Read the side files with independent parsers and hold them to the MP3's chapters."""
    stem = mp3.with_suffix("")
    document = json.loads(stem.with_suffix(".chapters.json").read_text())
    assert document["version"] == "1.2.0"
    assert [
        (c["title"], round(c["startTime"] * 1000), round(c["endTime"] * 1000))
        for c in document["chapters"]
    ] == [(c["tags"]["title"], c["start"], c["end"]) for c in chapters]
    vtt = webvtt.read(str(stem.with_suffix(".vtt")))
    assert len(vtt) > 20
    times = [(cue.start_time.in_milliseconds(), cue.end_time.in_milliseconds()) for cue in vtt]
    assert all(start < end for start, end in times)
    assert all(end <= after for (_, end), (after, _) in itertools.pairwise(times))
    assert all(len(line) <= 65 for cue in vtt for line in cue.text.splitlines())
    assert (
        vtt[0].text.replace("\n", " ")
        == "Port Callow Opens Its Tidal Flood Barrier After Six Years of Work."
    )
    voiced = [(cue.voice, cue.text) for cue in vtt if cue.voice]
    assert voiced[0] == (
        "Ines Okafor",
        "For the first time in a generation, the lower town can sleep\nthrough a spring tide.",
    )
    # Speakers by the full name the article introduces, without titles.
    assert {voice for voice, _ in voiced} == {
        "Ines Okafor",
        "Priya Halvorsen",
        "Marguerite Dunlow",
    }
    assert times[-1][1] <= chapters[-1]["end"]
    subtitles = list(srt.parse(stem.with_suffix(".srt").read_text()))
    assert len(subtitles) >= len(vtt)
    assert all(len(s.content.splitlines()) <= 2 for s in subtitles)
    assert subtitles[1].start.total_seconds() * 1000 == times[1][0]


@pytest.mark.e2e
def test_build_example_with_json(harbour: Built):
    summary, mp3 = harbour.summary, harbour.mp3
    assert mp3.name == "port-callow-opens-its-tidal-flood-barrier-after-six-years-of-work.mp3"
    titles = [
        "Port Callow Opens Its Tidal Flood Barrier After Six Years of Work",
        "How the Barrier Works",
        "What Residents Were Promised",
        "What Happens Next?",
    ]
    chapters = check_chapters(mp3, titles)
    assert [c["title"] for c in summary["chapters"]] == titles
    assert [c["start_s"] for c in summary["chapters"]] == [c["start"] / 1000 for c in chapters]
    assert summary["duration_s"] > 60
    tags = ffprobe(mp3, "-show_format")["format"]["tags"]
    assert tags["title"] == titles[0]
    assert tags["artist"] == "Tomas Reyland"
    assert tags["album"] == "audionews"
    assert tags["genre"] == "Podcast"
    assert tags["language"] == "eng"
    assert tags["date"] == "2026-10-03"
    assert "Section 1 of 3: How the Barrier Works." in tags["lyrics-transcript-eng"]
    assert "wrote " in harbour.stderr
    # Nothing but the finished episode, its side files, its clips, its document, page and
    # talking books (the fixture asks for them) is left in the folder.
    stem = mp3.name.removesuffix(".mp3")
    keys = ("chapters_json", "vtt", "srt", "clips", "document", "page", "daisy", "daisy_zip")
    suffixes = (".mp3", ".chapters.json", ".vtt", ".srt", ".clips", ".document.json", ".html")
    suffixes += (".daisy", ".daisy.zip", ".epub")
    assert sorted(p.name for p in harbour.folder.iterdir()) == sorted(stem + s for s in suffixes)
    assert [summary[key] for key in (*keys, "epub")] == [
        str(harbour.folder / f"{stem}{suffix}") for suffix in suffixes[1:]
    ]
    check_side_files(mp3, chapters)

    listed = CliRunner().invoke(main, ["chapters", str(mp3)])
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 4
    assert lines[1].split(None, 3)[0] == "2" and lines[1].endswith("How the Barrier Works")


@pytest.mark.e2e
@pytest.mark.shared
def test_build_seed_article(seed: Built):
    check_chapters(seed.mp3, SEED_TITLES)
    listed = json.loads(CliRunner().invoke(main, ["chapters", str(seed.mp3), "--json"]).stdout)
    assert [c["title"] for c in listed] == SEED_TITLES
    assert [c["number"] for c in listed] == list(range(1, 9))


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        pytest.param(None, "no such file", id="missing"),
        pytest.param("folder", "is a folder, not an article file", id="folder"),
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b" \n\n \t\n", "the file holds only white space", id="whitespace"),
        pytest.param(bytes(range(256)) * 8, "binary data, not text", id="binary"),
    ],
)
def test_bad_article_is_one_line_without_output(tmp_path: Path, content, cause: str):
    article = tmp_path / "article.txt"
    if content == "folder":
        article.mkdir()
    elif content is not None:
        article.write_bytes(content)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(article), "-o", str(out)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"audionews: cannot read {article}: {cause}\n"
    assert not out.exists()


def _path_with(tmp_path: Path, *programs: str) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in programs:
        os.symlink(shutil.which(program), bin_dir / program)
    return {**os.environ, "PATH": str(bin_dir)}


@pytest.mark.parametrize(
    ("present", "message"),
    [
        pytest.param(
            ("espeak-ng",),
            "audionews: ffmpeg is not installed: install the Debian package ffmpeg "
            "(sudo apt-get install ffmpeg)\n",
            id="no-ffmpeg",
        ),
        pytest.param(
            ("ffmpeg", "ffprobe"),
            "audionews: espeak-ng is not installed: install the Debian package espeak-ng "
            "(sudo apt-get install espeak-ng)\n",
            id="no-espeak-ng",
        ),
    ],
)
def test_missing_program_names_its_package(
    tmp_path: Path, example_article: Path, present: tuple[str, ...], message: str
):
    result = run(
        "build",
        str(example_article),
        "-o",
        str(tmp_path / "out"),
        env=_path_with(tmp_path, *present),
    )
    assert (result.returncode, result.stderr) == (1, message)
    assert not (tmp_path / "out").exists()


def test_unknown_profile_and_unknown_voice(tmp_path: Path, example_article: Path):
    result = CliRunner().invoke(
        main, ["build", str(example_article), "-o", str(tmp_path), "--voices", "nosuch"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("audionews: unknown voice profile 'nosuch' (profiles: ")
    profile = tmp_path / "typo.toml"
    profile.write_text(
        '[narrator]\nvoice = "en-uss"\n[quote]\nvoice = "en-us+f3"\n[announcer]\nvoice = "en-us"\n'
    )
    result = CliRunner().invoke(
        main, ["build", str(example_article), "-o", str(tmp_path), "--voices", str(profile)]
    )
    assert result.exit_code == 1
    assert f"voice profile {profile} [narrator]: espeak-ng has no voice 'en-uss'" in result.stderr
    assert "closest installed: en-us" in result.stderr
    assert not list(tmp_path.glob("*.mp3"))


class _FailingEngine:
    def synthesize(self, utterances, progress=None):
        raise SynthesisError("espeak-ng crashed")


def test_failed_build_keeps_the_earlier_episode(tmp_path: Path, example_article: Path, tone_engine):
    good = build(example_article, tmp_path)
    before = {path: path.read_bytes() for path in good.files.values()}
    with pytest.raises(SynthesisError):
        build(example_article, tmp_path, BuildOptions(), engine=_FailingEngine())
    assert {path: path.read_bytes() for path in good.files.values()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in good.files.values())


def test_up_to_date_build_is_skipped_and_force_builds_again(tmp_path: Path, tone_engine):
    runner = CliRunner()
    arguments = ["build", str(HARBOUR), "-o", str(tmp_path)]
    assert runner.invoke(main, arguments).exit_code == 0
    spoken = len(tone_engine.texts)
    again = runner.invoke(main, arguments)
    assert (again.exit_code, again.stdout) == (0, "")
    mp3 = tmp_path / "port-callow-opens-its-tidal-flood-barrier-after-six-years-of-work.mp3"
    assert again.stderr == f"{mp3} is up to date (--force builds it again)\n"
    assert len(tone_engine.texts) == spoken
    forced = runner.invoke(main, [*arguments, "--force"])
    assert forced.exit_code == 0 and forced.stderr.startswith("synthesis: ")
    assert len(tone_engine.texts) == 2 * spoken


def test_version_and_help_on_every_command():
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).output == f"audionews, version {__version__}\n"
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        # Click wraps the help to the terminal's width: compared with its lines joined.
        first_line = " ".join(command.help.split("\n")[0].split()) if command.help else ""
        assert first_line and first_line in " ".join(result.output.split()), name


def test_script_json_is_exact(tmp_path: Path):
    article = tmp_path / "pier.txt"
    article.write_text(
        "Pier Reopens\nBy Ana Lindqvist\nThe pier reopened after 18 months.\n"
        "Why Now\n“It is safe,” said Okafor.\n"
    )
    result = CliRunner().invoke(main, ["script", str(article), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {
        "title": "Pier Reopens",
        "byline": "Ana Lindqvist",
        "date": None,
        "updated": None,
        "language": "en",
        "chapters": [
            {
                "title": "Pier Reopens",
                "level": 1,
                "segments": [
                    segment("announcement", "Pier Reopens."),
                    segment("announcement", "By Ana Lindqvist."),
                    segment(
                        "announcement",
                        "This briefing has 1 section: Why Now.",
                        "This briefing has one section: Why Now.",
                    ),
                    segment(
                        "narration",
                        "The pier reopened after 18 months.",
                        "The pier reopened after eighteen months.",
                    ),
                ],
            },
            {
                "title": "Why Now",
                "level": 2,
                "segments": [
                    segment(
                        "announcement", "Section 1 of 1: Why Now.", "Section one of one: Why Now."
                    ),
                    segment("quote", "It is safe,", "It is safe", speaker="Okafor"),
                    segment("narration", "said Okafor."),
                    segment("announcement", "End of briefing."),
                ],
            },
        ],
    }


def segment(role: str, text: str, spoken: str | None = None, speaker: str | None = None):
    return {"role": role, "text": text, "spoken": spoken or text, "speaker": speaker}


def test_script_listing_marks_roles_and_speakers(tmp_path: Path):
    article = tmp_path / "pier.txt"
    article.write_text("Pier Reopens\n“It is safe,” said Okafor on 3 May.\n")
    result = CliRunner().invoke(main, ["script", str(article)])
    assert result.output == (
        "== Chapter 1: Pier Reopens\n"
        "  [announcement] Pier Reopens.\n"
        "  [quote (Okafor)] It is safe,\n"
        "      spoken: It is safe\n"
        "  [narration] said Okafor on 3 May.\n"
        "      spoken: said Okafor on the third of May.\n"
        "  [announcement] End of briefing.\n"
    )


class _OneBadSegment:
    """Fails the fourth utterance, as the real engine reports a segment that gave no audio."""

    def synthesize(self, utterances, progress=None):
        from audionews.audio.synth import UtteranceFailed

        raise UtteranceFailed(3, "espeak-ng wrote no file")


def test_failed_segment_is_named_by_chapter_and_segment(
    tmp_path: Path, example_article: Path, tone_engine
):
    from audionews.errors import SegmentSynthesisError

    with pytest.raises(SegmentSynthesisError) as caught:
        build(example_article, tmp_path, engine=_OneBadSegment())
    assert str(caught.value) == (
        "synthesis failed for chapter 1, segment 4 ('This briefing has 3 sections: How the "
        "Barrier Works; What...'): espeak-ng wrote no file"
    )
    assert list(tmp_path.iterdir()) == []
