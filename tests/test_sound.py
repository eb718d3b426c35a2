"""Sound measured by independent tools: loudness per preset, joins, DC, speaking rate."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import webvtt

from audionews.presets import PRESETS
from conftest import EXAMPLES, SEED, audio_cli, ffprobe

pytestmark = pytest.mark.e2e


def build(article: Path, out: Path, *options: str) -> dict:
    result = subprocess.run(
        [audio_cli(), "build", str(article), "-o", str(out), "--json", *options],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP), by ffmpeg's ebur128 filter."""
    log = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = log[log.rfind("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return lufs, peak


def decode(path: Path, rate: int) -> np.ndarray:
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "f32le",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f4")


ARTICLES = [
    pytest.param(EXAMPLES / "harbour-flood-barrier.txt", id="harbour"),
    pytest.param(EXAMPLES / "ferry-timetable.md", id="ferry"),
    pytest.param(SEED, id="seed", marks=pytest.mark.shared),
]


@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize("article", ARTICLES)
def test_preset_loudness_and_format(tmp_path: Path, article: Path, preset: str):
    summary = build(article, tmp_path, "--preset", preset)
    mp3 = Path(summary["mp3"])
    wanted = PRESETS[preset]
    lufs, peak = ebur128(mp3)
    assert abs(lufs - wanted.loudness.lufs) <= 1.0
    assert peak <= wanted.loudness.true_peak
    (stream,) = ffprobe(mp3, "-show_streams")["streams"]
    assert (int(stream["sample_rate"]), stream["channels"]) == (wanted.sample_rate, 1)
    assert int(stream["bit_rate"]) == wanted.bitrate_kbps * 1000
    # The tags carry the file's own measurement.
    tags = ffprobe(mp3, "-show_format")["format"]["tags"]
    assert abs(float(tags["audionews:loudness_lufs"]) - lufs) <= 0.15
    assert abs(float(tags["audionews:true_peak_dbtp"]) - peak) <= 0.15
    assert (summary["loudness_lufs"], summary["preset"]) == (
        float(tags["audionews:loudness_lufs"]),
        preset,
    )


def test_joins_do_not_click_and_there_is_no_dc(tmp_path: Path):
    summary = build(EXAMPLES / "harbour-flood-barrier.txt", tmp_path)
    rate = 44100
    samples = decode(Path(summary["mp3"]), rate)
    assert abs(float(samples.mean())) < 1e-3
    # Inside speech, neighbouring samples differ by a typical amount; at every join they
    # must not jump by more than speech itself does.
    speech_jumps = np.abs(np.diff(samples))
    typical = float(np.percentile(speech_jumps[speech_jumps > 0], 99.9))
    worst = 0.0
    for cue in webvtt.read(summary["vtt"]):
        for edge_ms in (cue.start_time.in_milliseconds(), cue.end_time.in_milliseconds()):
            centre = int(edge_ms * rate / 1000)
            window = samples[max(0, centre - 441) : centre + 441]
            if window.size > 1:
                worst = max(worst, float(np.abs(np.diff(window)).max()))
    assert worst <= typical


def test_faster_rate_is_at_least_35_percent_shorter(tmp_path: Path):
    article = EXAMPLES / "harbour-flood-barrier.txt"
    slow = build(article, tmp_path / "slow", "--rate", "200")["duration_s"]
    fast = build(article, tmp_path / "fast", "--rate", "320")["duration_s"]
    assert fast <= 0.65 * slow


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(["--bitrate", "100"], "MP3 at 44100 Hz cannot use 100 kbps", id="bitrate"),
        pytest.param(
            ["--sample-rate", "96000"], "MP3 cannot use a sample rate of 96000 Hz", id="sample-rate"
        ),
        pytest.param(["--rate", "fast"], "rate 'fast': give words a minute", id="rate"),
        pytest.param(["--loudness", "-70"], "loudness -70.0 LUFS is outside", id="loudness"),
    ],
)
def test_impossible_sound_options_fail_before_work(tmp_path: Path, options, message):
    result = subprocess.run(
        [
            audio_cli(),
            "build",
            str(EXAMPLES / "harbour-flood-barrier.txt"),
            "-o",
            str(tmp_path / "out"),
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "synthesis" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_voices_lists_installed_voices_and_profiles():
    result = subprocess.run(
        [audio_cli(), "voices", "--json"], capture_output=True, text=True, check=True
    )
    listing = json.loads(result.stdout)
    languages = {voice["language"] for voice in listing["voices"]}
    assert {"en-us", "fr-fr", "es"} <= languages
    profiles = {p["name"]: p for p in listing["profiles"]}
    assert profiles["default"]["roles"] == {
        "narrator": "en-us",
        "quote": "en-us+f3",
        "announcer": "en-gb-x-rp",
    }
    assert profiles["contrast"]["problem"] is None
    text = subprocess.run(
        [audio_cli(), "voices"], capture_output=True, text=True, check=True
    ).stdout
    assert "default      narrator en-us, quote en-us+f3, announcer en-gb-x-rp" in text
