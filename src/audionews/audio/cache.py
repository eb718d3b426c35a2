"""The segment cache: speech already synthesised is not synthesised again.

An entry is the audio of one utterance, keyed by everything that decides how it sounds: the
speakable text, the voice settings and the engine with its version. After an editor fixes one
sentence, only that sentence is synthesised again.

- Where: the user's cache folder (platformdirs), or ``AUDIONEWS_CACHE``.
- Safe under concurrent use: an entry is written to a temporary file and renamed into place,
  so readers see a whole entry or none; two processes writing the same entry both succeed.
  A write that fails (a full disk) removes its temporary file; one that was killed leaves it
  to ``trim``, which removes temporaries whose writer has gone.
- Never plays a corrupt entry: each starts with a magic string and the SHA-256 of its audio,
  checked on every read (and an utterance's audio must be whole 16-bit samples); a bad entry
  is deleted and the utterance synthesised again.
- Bounded: reads refresh an entry's time, and ``trim`` deletes the least recently used
  entries until the cache is under its size cap.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import struct
import tempfile
import time
from collections.abc import Sequence
from dataclasses import astuple
from pathlib import Path

from audionews.audio.speech import SAMPLE_WIDTH, AudioSegment, SpeechSpool, speech
from audionews.audio.synth import Progress, SpeechEngine, Utterance
from audionews.audio.voices import Voice
from audionews.errors import AudionewsError
from audionews.tools import run_espeak

MAGIC = b"ANSEG1\n"
DIGEST = 32
DEFAULT_CAP_BYTES = 512 * 1024 * 1024
# A write takes milliseconds: a temporary this old was left by a writer that was killed
# (one whose process is gone is removed at once).
STALE_TEMPORARY_S = 3600


def default_folder() -> Path:
    if env := os.environ.get("AUDIONEWS_CACHE"):
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("audionews")) / "segments"


def engine_version(engine: SpeechEngine) -> str:
    """The engine and the versions of what it runs on: part of every key."""
    name = getattr(engine, "name", type(engine).__name__)
    return f"{name}/pyttsx3-{_pyttsx3_version()}/{_espeak_version()}"


@functools.cache
def _pyttsx3_version() -> str:
    """pyttsx3's installed version, read from the name of its dist-info folder beside it
    (importlib.metadata, which is only needed for this, costs 60-70 ms of every build)."""
    import importlib.util

    spec = importlib.util.find_spec("pyttsx3")
    if spec is None or spec.origin is None:
        return "none"
    found = sorted(Path(spec.origin).parent.parent.glob("pyttsx3-*.dist-info"))
    if len(found) == 1:
        return found[0].name.removeprefix("pyttsx3-").removesuffix(".dist-info")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pyttsx3")
    except PackageNotFoundError:
        return "none"


@functools.cache
def _espeak_version() -> str:
    try:
        listed = run_espeak(["--version"], timeout=10).stdout.decode("utf-8", "replace")
    except AudionewsError:
        return "espeak-ng-unknown"
    return " ".join(listed.split()[:3]) or "espeak-ng-unknown"


class SegmentCache:
    """Files named by key under ``folder``, two levels deep."""

    def __init__(self, folder: Path | None = None, cap_bytes: int = DEFAULT_CAP_BYTES) -> None:
        self.folder = folder or default_folder()
        self.cap_bytes = cap_bytes
        self.corrupt = 0

    def key(self, utterance: Utterance, engine: str) -> str:
        material = "\x1f".join([engine, utterance.text, *map(str, astuple(utterance.voice))])
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.seg"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        body = data[len(MAGIC) + DIGEST :]
        if (
            not data.startswith(MAGIC)
            or not body
            or hashlib.sha256(body).digest() != data[len(MAGIC) : len(MAGIC) + DIGEST]
        ):
            self.corrupt += 1
            path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # least recently used is what trim removes first
        return body

    def discard(self, key: str) -> None:
        with contextlib.suppress(OSError):
            self._path(key).unlink()

    def put(self, key: str, audio: bytes) -> None:
        path = self._path(key)
        name = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # The writer's process id in the name tells trim whether it is still at work.
            handle, name = tempfile.mkstemp(
                dir=path.parent, prefix=f".{key[:16]}.{os.getpid()}.", suffix=".tmp"
            )
            with os.fdopen(handle, "wb") as out:
                out.write(MAGIC + hashlib.sha256(audio).digest() + audio)
            os.replace(name, path)
        except OSError:
            # A cache that cannot be written only costs speed; it never keeps half an entry.
            if name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(name)

    def trim(self) -> int:
        """Delete least recently used entries until under the cap, and temporaries left by
        writers that were killed; return how many entries were deleted."""
        for temporary in self.folder.glob("*/.*.tmp"):
            if _abandoned(temporary):
                with contextlib.suppress(OSError):
                    temporary.unlink()
        entries = []
        for path in self.folder.glob("*/*.seg"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in sorted(entries):
            if total <= self.cap_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed


def _abandoned(temporary: Path) -> bool:
    """Whether a cache temporary's writer is gone: its process no longer runs, or (a name
    without a process id, or a process id used again) it has not been touched for an hour."""
    try:
        if time.time() - temporary.stat().st_mtime > STALE_TEMPORARY_S:
            return True
    except OSError:
        return False
    parts = temporary.name.split(".")
    if len(parts) < 4 or not parts[2].isdigit():
        return False
    try:
        os.kill(int(parts[2]), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it runs, as another user
    return False


class CachedEngine:
    """A speech engine that asks the cache first and synthesises only what is missing."""

    def __init__(self, engine: SpeechEngine, cache: SegmentCache) -> None:
        self.engine = engine
        self.cache = cache
        self.name = getattr(engine, "name", type(engine).__name__)
        self._version: str | None = None

    def synthesize(
        self, utterances: Sequence[Utterance], progress: Progress | None = None
    ) -> Sequence[AudioSegment]:
        self._version = self._version or engine_version(self.engine)
        keys = [self.cache.key(u, self._version) for u in utterances]
        # Every utterance goes to a spool as it is found or made, none is held (speech.py).
        spool = SpeechSpool(len(utterances))
        missing = []
        for index, key in enumerate(keys):
            if (audio := self._speech(key)) is None:
                missing.append(index)
            else:
                spool.put(index, audio.raw_data)
        if missing:
            done_before = len(utterances) - len(missing)

            def report(done: int, total: int) -> None:
                if progress:
                    progress(done_before + done, len(utterances))

            fresh = self.engine.synthesize([utterances[i] for i in missing], report)
            for index, audio in zip(missing, fresh, strict=True):
                spool.put(index, audio.raw_data)
                self.cache.put(keys[index], audio.raw_data)
            self.cache.trim()
        elif progress:
            progress(len(utterances), len(utterances))
        return spool

    def _speech(self, key: str) -> AudioSegment | None:
        """A cached utterance, or None: an entry whose checksum holds but whose audio is not
        whole 16-bit samples (never speech) is dropped and synthesised again."""
        pcm = self.cache.get(key)
        if pcm is not None and len(pcm) % SAMPLE_WIDTH:
            self.cache.corrupt += 1
            self.cache.discard(key)
            return None
        return None if pcm is None else speech(pcm)


class CalibrationCache:
    """How long the calibration sentence lasts in each voice (synth.reference_seconds), kept
    in the segment cache per voice settings and engine version: measured with the espeak-ng
    program once, not at the start of every build."""

    def __init__(self, cache: SegmentCache, engine: str = "pyttsx3-espeak-ng") -> None:
        self.cache = cache
        self.engine = engine

    def _key(self, voice: Voice) -> str:
        material = "\x1f".join(
            ["calibration", f"{self.engine}/{_espeak_version()}", *map(str, astuple(voice))]
        )
        return "calibration-" + hashlib.sha256(material.encode("utf-8")).hexdigest()

    def get(self, voice: Voice) -> float | None:
        data = self.cache.get(self._key(voice))
        if data is None or len(data) != 8:
            return None
        (seconds,) = struct.unpack("<d", data)
        return float(seconds) if seconds > 0 else None

    def put(self, voice: Voice, seconds: float) -> None:
        self.cache.put(self._key(voice), struct.pack("<d", seconds))
