"""Shared fixtures: the examples and ../shared, real episodes built once per session, a
synthetic speech engine for tests of the other stages, tone MP3s, and independent readers."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
HARBOUR = EXAMPLES / "harbour-flood-barrier.txt"
FERRY = EXAMPLES / "ferry-timetable.md"
# An HTML page with a figure, a block quote, a list and a table; a French page in ISO-8859-1.
COURIER = ROOT / "tests" / "fixtures" / "courier-bridge.html"
MARCHE = ROOT / "tests" / "fixtures" / "marche-vendredi.html"
# The page and the talking books cost a second or so on top of a build: the shared episodes
# carry them, so their tests need no builds of their own.
DOCUMENTS = ("--page", "--daisy", "--epub")
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_efd6572f11c91c59.txt"
NULL = ("-f", "null", "-")
LAVFI = ("ffmpeg", "-v", "error", "-f", "lavfi", "-i")
MP3_64K = ("-ar", "44100", "-ac", "1", "-b:a", "64k", "-id3v2_version", "0")


_OWN_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Builds in tests use a segment cache of their own, never the user's."""
    if "AUDIONEWS_CACHE" not in os.environ:
        _OWN_CACHE.append(tempfile.mkdtemp(prefix="audionews-test-cache-"))
        os.environ["AUDIONEWS_CACHE"] = _OWN_CACHE[0]


def pytest_unconfigure(config: pytest.Config) -> None:
    """The session's own cache goes with it (one run left one behind in /tmp each time)."""
    for folder in _OWN_CACHE:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``shared`` read ../shared, which a user's clone does not have."""
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason="../shared is absent (a user's clone); CI has it")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


@contextlib.contextmanager
def terminal_ctrl_c() -> Iterator[None]:
    """Ctrl-C as a terminal gives it, for the block (a process started in it inherits that):
    a test run started in the background, as CI's may be, has it ignored, and a build under
    test would then never hear the Ctrl-C it is sent."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# --- independent readers ---------------------------------------------------------------------


def ffprobe(path: Path, *entries: str) -> dict:
    """Read a media file with ffprobe, independently of our own code."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", *entries, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP), by ffmpeg's ebur128 filter."""
    log = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", *NULL],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = log[log.rfind("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return lufs, peak


def decode(path: Path, rate: int | None = None) -> np.ndarray:
    """A file's audio as float mono samples, decoded by ffmpeg (at ``rate`` if given)."""
    resample = ["-ar", str(rate)] if rate else []
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", *resample, "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f4")


def decoded_ms(path: Path) -> float:
    """A file's duration by decoding it and counting samples (not ffprobe's estimate)."""
    rate = int(ffprobe(path, "-show_streams")["streams"][0]["sample_rate"])
    return decode(path).size / rate * 1000


def audio_cli() -> str:
    """The installed audionews console script, as a user runs it."""
    path = shutil.which("audionews", path=str(ROOT / ".venv" / "bin")) or shutil.which("audionews")
    assert path, "audionews is not installed; run scripts/setup"
    return path


def run_cli(*args: str, timeout: int = 600, **kwargs) -> subprocess.CompletedProcess[str]:
    """The console script in a process of its own, as a user runs it."""
    return subprocess.run(
        [audio_cli(), *args], capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


# --- real episodes, built once per session --------------------------------------------------


@dataclass(frozen=True)
class Built:
    """An episode built by the real console script: its --json summary and stderr."""

    summary: dict
    stderr: str

    @property
    def mp3(self) -> Path:
        return Path(self.summary["mp3"])

    @property
    def folder(self) -> Path:
        return self.mp3.parent


def _build_once(factory: pytest.TempPathFactory, article: Path, *options: str) -> Built:
    out = factory.mktemp(article.stem)
    result = run_cli("build", str(article), "-o", str(out), "--json", *options)
    assert result.returncode == 0, result.stderr
    return Built(json.loads(result.stdout), result.stderr)


@pytest.fixture(scope="session")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """examples/harbour-flood-barrier.txt built with its clips, page and talking books (real
    espeak-ng and ffmpeg)."""
    return _build_once(tmp_path_factory, HARBOUR, "--clips", *DOCUMENTS)


@pytest.fixture(scope="session")
def ferry(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """examples/ferry-timetable.md (Markdown, with a table, a nested list and footnotes)
    built with its page and talking books."""
    return _build_once(tmp_path_factory, FERRY, *DOCUMENTS)


@pytest.fixture(scope="session")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The reference article from ../shared built with its clips, page and talking books."""
    if not SEED.exists():
        pytest.skip("../shared is absent")
    return _build_once(tmp_path_factory, SEED, "--clips", *DOCUMENTS)


@pytest.fixture(scope="session")
def courier(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """tests/fixtures/courier-bridge.html (HTML) built with its page and talking books."""
    return _build_once(tmp_path_factory, COURIER, *DOCUMENTS)


@pytest.fixture(scope="session")
def marche(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """tests/fixtures/marche-vendredi.html (French) built with its page."""
    return _build_once(tmp_path_factory, MARCHE, "--page")


@pytest.fixture
def seed_article(tmp_path: Path) -> Path:
    """A copy of the reference article (../shared is read-only)."""
    copy = tmp_path / SEED.name
    shutil.copyfile(SEED, copy)
    return copy


@pytest.fixture
def example_article() -> Path:
    return HARBOUR


# --- a synthetic speech engine and tone MP3s ------------------------------------------------


class ToneEngine:
    """Stands in for speech synthesis in tests of the other stages: each utterance is a tone
    whose length follows its text (25 ms for every 4 characters), between short silences."""

    name = "tone"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def synthesize(self, utterances: Sequence, progress: Callable | None = None) -> list:
        from audionews.audio.speech import SAMPLE_RATE, speech

        found = []
        for utterance in utterances:
            self.texts.append(utterance.text)
            samples = int(SAMPLE_RATE * 0.025 * max(1, len(utterance.text) // 4))
            t = np.arange(samples)
            tone = 9000 * np.sin(2 * np.pi * (180 + len(utterance.text) % 50) * t / SAMPLE_RATE)
            pad = np.zeros(SAMPLE_RATE // 10)
            found.append(speech(np.concatenate([pad, tone, pad]).astype("<i2").tobytes()))
        if progress:
            progress(len(utterances), len(utterances))
        return found


@pytest.fixture
def tone_engine(monkeypatch: pytest.MonkeyPatch) -> ToneEngine:
    """The tone engine, also standing in wherever a build makes its own engine (the CLI,
    batch workers, which are forked and inherit it)."""
    engine = ToneEngine()
    monkeypatch.setattr("audionews.pipeline.default_engine", lambda options: engine)
    monkeypatch.setattr("audionews.pipeline.require_espeak", lambda: None)
    monkeypatch.setattr("audionews.batch.require_espeak", lambda: None)
    return engine


def tone_mp3(
    path: Path,
    title: str,
    date=None,
    seconds: int = 3,
    chapters: Sequence = (),
    artist: str = "Desk",
) -> Path:
    """A small tagged MP3 standing in for an episode (no synthesis needed to test a feed or
    clips): a sine tone encoded by ffmpeg, tagged by audionews."""
    from audionews.outputs.tags import EpisodeTags, write_tags
    from audionews.timeline import Chapter

    subprocess.run(
        [*LAVFI, f"sine=frequency=440:duration={seconds}", *MP3_64K, "-y", str(path)],
        check=True,
    )
    tags = EpisodeTags(
        title=title, show="Test", date=date, artist=artist, description=f"About {title}"
    )
    write_tags(path, tags, list(chapters) or [Chapter("Only", 0, seconds * 1000)])
    return path
