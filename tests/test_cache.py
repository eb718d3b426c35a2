"""The segment cache: hits, corruption, concurrency, eviction; and a rebuild after an edit."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from audionews.audio.cache import CachedEngine, SegmentCache
from audionews.audio.speech import speech
from audionews.audio.synth import Pyttsx3Engine, Utterance
from audionews.audio.voices import Voice
from audionews.options import BuildOptions
from audionews.pipeline import make as build
from conftest import EXAMPLES

VOICE = Voice("en-us", 175, 50, 1.0)


class CountingEngine:
    """Stands in for synthesis in tests of the cache (another stage): counts its calls."""

    name = "counting"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def synthesize(self, utterances, progress=None):
        self.texts.extend(u.text for u in utterances)
        return [speech(u.text.encode("utf-8") * 10) for u in utterances]


def test_only_missing_utterances_are_synthesised(tmp_path: Path):
    inner = CountingEngine()
    engine = CachedEngine(inner, SegmentCache(tmp_path))
    first = engine.synthesize([Utterance("One.", VOICE), Utterance("Two.", VOICE)])
    again = engine.synthesize(
        [Utterance("One.", VOICE), Utterance("Three.", VOICE), Utterance("Two.", VOICE)]
    )
    assert inner.texts == ["One.", "Two.", "Three."]
    assert [a.raw_data for a in again] == [first[0].raw_data, b"Three." * 10, first[1].raw_data]
    # A different voice is a different entry.
    engine.synthesize([Utterance("One.", Voice("en-us", 200))])
    assert inner.texts[-1] == "One."


def test_corrupt_entry_is_detected_and_recomputed(tmp_path: Path):
    cache = SegmentCache(tmp_path)
    inner = CountingEngine()
    engine = CachedEngine(inner, cache)
    engine.synthesize([Utterance("Harbour.", VOICE)])
    (entry,) = tmp_path.glob("*/*.seg")
    data = bytearray(entry.read_bytes())
    data[-3] ^= 0xFF  # one flipped byte in the audio
    entry.write_bytes(bytes(data))
    audio = engine.synthesize([Utterance("Harbour.", VOICE)])
    assert [a.raw_data for a in audio] == [b"Harbour." * 10]
    assert inner.texts == ["Harbour.", "Harbour."]
    assert cache.corrupt == 1
    truncated = next(tmp_path.glob("*/*.seg"))
    truncated.write_bytes(truncated.read_bytes()[:10])
    assert engine.synthesize([Utterance("Harbour.", VOICE)])[0].raw_data == b"Harbour." * 10
    assert cache.corrupt == 2


def _writer(folder: str, worker: int) -> list[bytes]:
    cache = SegmentCache(Path(folder))
    seen = []
    for round_ in range(200):
        key = f"{round_ % 7:064x}"
        cache.put(key, (f"audio {round_ % 7} " * 50).encode())
        got = cache.get(key)
        if got is not None:
            seen.append(got)
    return seen


def test_concurrent_processes_never_read_a_partial_entry(tmp_path: Path):
    with ProcessPoolExecutor(4) as pool:
        results = list(pool.map(_writer, [str(tmp_path)] * 4, range(4)))
    valid = {(f"audio {n} " * 50).encode() for n in range(7)}
    assert all(entry in valid for seen in results for entry in seen)
    assert sum(len(seen) for seen in results) == 800
    assert not list(tmp_path.glob("*/.*.tmp"))


def test_least_recently_used_entries_are_evicted(tmp_path: Path):
    cache = SegmentCache(tmp_path, cap_bytes=3 * 1100)
    for n in range(5):
        cache.put(f"{n:064x}", bytes(1000))
        path = next(tmp_path.glob(f"*/{n:064x}.seg"))
        os.utime(path, (time.time() - 100 + n, time.time() - 100 + n))
    assert cache.get(f"{0:064x}") is not None  # read: now the most recent
    assert cache.trim() == 2
    left = sorted(int(p.stem, 16) for p in tmp_path.glob("*/*.seg"))
    assert left == [0, 3, 4]


@pytest.mark.e2e
def test_rebuild_after_an_edit_synthesises_only_the_edit(tmp_path: Path):
    # The opening of the example article: enough sentences, little to synthesise.
    article = tmp_path / "harbour.txt"
    lines = (EXAMPLES / "harbour-flood-barrier.txt").read_text().splitlines()
    text = "\n".join(lines[:12]) + "\n"
    assert "in the rain." in text
    article.write_text(text)
    cache = SegmentCache(tmp_path / "cache")
    inner = Pyttsx3Engine()
    counting = _Counting(inner)
    build(article, tmp_path / "out", BuildOptions(), engine=CachedEngine(counting, cache))
    cold = counting.count
    article.write_text(text.replace("in the rain.", "in the driving rain."))
    build(article, tmp_path / "out", BuildOptions(), engine=CachedEngine(counting, cache))
    assert cold > 12
    assert counting.count - cold == 1


class _Counting:
    """Counts how many utterances reach the real engine."""

    name = "pyttsx3-espeak-ng"

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def synthesize(self, utterances, progress=None):
        self.count += len(utterances)
        return self.engine.synthesize(utterances, progress)
