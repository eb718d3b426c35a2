"""Script segments -> speech audio, one utterance at a time.

The real engine is pyttsx3 2.99 over espeak-ng. What it does that shapes this module (measured,
see DESIGN.md):

- espeak-ng initialises once per process, so parallel synthesis needs worker processes, each
  with its own engine.
- In a fresh process the first utterance longer than about 150 characters silently writes no
  file: every worker first speaks a short warm-up utterance, and every file is verified.
- The driver prints "Audio saved to …" on stdout for every file: workers point their stdout
  at /dev/null, so ``--json`` output stays clean.
- One long utterance costs quadratic time: the script already hands over one sentence a
  segment.
- Unknown voice names fall back silently to the default voice: profiles are checked against
  espeak-ng's own listing before any work (voices.check_voice).
- Changing voice, rate or pitch between utterances in one engine is not reliable (measured
  here: a rate change after some utterances is ignored, after others it sticks for good). So
  each worker process speaks in one voice only, set once when it starts: utterances are
  grouped by voice and every group has its own workers.
- pyttsx3 starts espeak-ng in a mode where every utterance is handed to a thread of
  espeak-ng's own and polled for: when the other core was busy, each hand-over waited for a
  core and synthesis took 1.5 to 2 times as long. Workers start espeak-ng in its synchronous
  mode instead (``_synchronous_espeak``): the same samples, spoken in the worker's thread.
  The settings race went with it: of 24 fresh workers set to rate 320, 4 spoke at the
  default rate in the queued mode, none in the synchronous one (the calibration check below
  stays, as a guard).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import itertools
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from audionews.audio.speech import SAMPLE_RATE, SAMPLE_WIDTH, AudioSegment, SpeechSpool
from audionews.audio.voices import Voice
from audionews.errors import AudionewsError, SynthesisError
from audionews.files import temporary_folder
from audionews.tools import run_espeak, stops_held
from audionews.workers import die_with_parent

SEGMENT_TIMEOUT_S = 120

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Utterance:
    """One thing to say, in one voice."""

    text: str
    voice: Voice


class UtteranceFailed(SynthesisError):
    """One utterance gave no audio; ``index`` says which."""

    def __init__(self, index: int, cause: str) -> None:
        self.index = index
        self.cause = cause
        super().__init__(f"utterance {index + 1}: {cause}")


class SpeechEngine(Protocol):
    """Anything that turns utterances into speech (16-bit mono at ``SAMPLE_RATE``), in order."""

    def synthesize(
        self, utterances: Sequence[Utterance], progress: Progress | None = None
    ) -> Sequence[AudioSegment]: ...


class References(Protocol):
    """Calibration figures kept between builds: ``get`` the seconds for a voice, or None."""

    def get(self, voice: Voice) -> float | None: ...

    def put(self, voice: Voice, seconds: float) -> None: ...


class Pyttsx3Engine:
    """pyttsx3 over espeak-ng, in ``jobs`` worker processes.

    references: where the calibration sentence's length in each voice is kept between builds
        (per voice settings and engine version, see cache.py); None: measured with the
        espeak-ng program before the workers start, every voice at once.
    """

    name = "pyttsx3-espeak-ng"

    def __init__(self, jobs: int | None = None, references: References | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.references = references

    def synthesize(
        self, utterances: Sequence[Utterance], progress: Progress | None = None
    ) -> Sequence[AudioSegment]:
        if not utterances:
            return []
        # The same words in the same voice are spoken once and used wherever they recur
        # ("End quote.", a repeated line): espeak-ng's audio for a sentence varies a little
        # with what it spoke before, and a sentence should sound the same every time, in
        # this build and in the next one, which takes it from the cache.
        first_of: dict[Utterance, int] = {}
        groups: dict[Voice, list[int]] = {}
        for index, utterance in enumerate(utterances):
            if first_of.setdefault(utterance, index) == index:
                groups.setdefault(utterance.voice, []).append(index)
        spool = SpeechSpool(len(utterances))
        # A folder of this run's own; those of killed runs are removed first.
        with temporary_folder("audionews-synth-") as folder:
            workdir = str(folder)
            if self.jobs == 1:
                # One core: one voice's worker at a time (batch runs articles side by side).
                for voice, indices in groups.items():
                    self._run({voice: indices}, utterances, workdir, spool, progress, 1)
            else:
                self._run(groups, utterances, workdir, spool, progress, self.jobs)
        for index, utterance in enumerate(utterances):
            if (first := first_of[utterance]) != index:
                spool.alias(index, first)
        if progress and len(first_of) < len(utterances):
            progress(len(utterances), len(utterances))
        # Each utterance went to the spool as it came; none is held here.
        return spool

    def _references(self, voices: list[Voice]) -> dict[Voice, float | None]:
        """The calibration reference of each voice: kept ones, the others measured with the
        espeak-ng program all at once (each run is mostly espeak-ng starting)."""
        found = {v: self.references.get(v) if self.references else None for v in voices}
        missing = [voice for voice, seconds in found.items() if seconds is None]
        if missing:
            with ThreadPoolExecutor(len(missing)) as pool:
                for voice, seconds in zip(
                    missing, pool.map(reference_seconds, missing), strict=True
                ):
                    found[voice] = seconds
                    if seconds is not None and self.references:
                        self.references.put(voice, seconds)
        return found

    def _run(
        self,
        groups: dict[Voice, list[int]],
        utterances: Sequence[Utterance],
        workdir: str,
        spool: SpeechSpool,
        progress: Progress | None,
        jobs: int,
    ) -> None:
        """Synthesise the groups, each worker (one voice) a pool of its own; stop them all on
        any error.

        On an error or an interruption (Ctrl-C, SIGTERM) every worker is terminated at once,
        so nothing keeps running or writing after the build has stopped.
        """
        context = multiprocessing.get_context("fork")
        references = self._references(list(groups))
        pools = []
        pending = []
        finished = False
        try:
            shares = _workers_per_voice(
                {
                    voice: [len(utterances[i].text) for i in group]
                    for voice, group in groups.items()
                },
                jobs,
            )
            # Each worker is given its own run of the voice's utterances, in order, before
            # any starts: espeak-ng's audio for a sentence depends on what its engine spoke
            # before, so a sentence is the same samples in every build of the same text
            # (handed out as workers came free, it differed from build to build).
            queues = []
            for voice, indices in groups.items():
                expected = references.get(voice)
                sizes = [len(utterances[i].text) for i in indices]
                for run in _runs(indices, sizes, shares[voice]):
                    with stops_held():  # a pool half made by Ctrl-C could not be stopped
                        arguments = (workdir, voice, expected, os.getpid())
                        pool = context.Pool(1, _init_worker, arguments)
                        pools.append(pool)
                    size = max(1, min(16, len(run) // 4))
                    queues.append(
                        [
                            pool.apply_async(
                                _synthesize_chunk,
                                ([(i, utterances[i].text) for i in run[first : first + size]],),
                            )
                            for first in range(0, len(run), size)
                        ]
                    )
            # Results are taken from every worker in turn, so none waits long to be read.
            pending = [r for turn in itertools.zip_longest(*queues) for r in turn if r]
            done = spool.filled
            for result in pending:
                try:
                    outcome = result.get(timeout=SEGMENT_TIMEOUT_S)
                except multiprocessing.TimeoutError:
                    raise SynthesisError("espeak-ng stopped giving audio") from None
                for index, audio, error in outcome:
                    if error is not None or audio is None:
                        raise UtteranceFailed(index, error or "no audio")
                    wav = Path(audio)
                    try:
                        spool.put(index, _read_pcm(wav))
                    except (OSError, wave.Error, EOFError, SynthesisError) as exc:
                        raise UtteranceFailed(index, str(exc) or "no audio") from None
                    finally:
                        wav.unlink(missing_ok=True)
                    done += 1
                if progress:
                    progress(done, len(utterances))
            finished = True
        finally:
            for pool in pools:
                if finished:
                    pool.close()
                else:
                    pool.terminate()
                pool.join()


def _runs(indices: list[int], sizes: list[int], count: int) -> list[list[int]]:
    """``indices`` cut into at most ``count`` consecutive runs of about equal total ``sizes``
    (text length: what synthesis time follows), none empty."""
    total = sum(sizes)
    runs: list[list[int]] = [[]]
    done = 0
    for index, size in zip(indices, sizes, strict=True):
        # A run ends where the next one's share of the text begins.
        if runs[-1] and len(runs) < count and done + size / 2 > total * len(runs) / count:
            runs.append([])
        runs[-1].append(index)
        done += size
    return [run for run in runs if run]


# A worker's start (pyttsx3 and espeak-ng, a warm-up and a calibration utterance) is worth
# it only for at least this many utterances.
UTTERANCES_PER_WORKER = 6


def _workers_per_voice(texts: dict[Voice, list[int]], jobs: int) -> dict[Voice, int]:
    """How many workers each voice gets: one each, and ``jobs - 1`` more, one at a time to the
    voice with the most text per worker (text length is what synthesis time follows).

    Every voice has a worker of its own, so there are more processes than cores when there
    are more voices than cores; the extra ones go where they shorten the longest queue (the
    narrator's, most often: alone it was the whole synthesis of the seed article).
    """
    workers = dict.fromkeys(texts, 1)
    for _ in range(jobs - 1):
        open_to_more = [
            voice
            for voice, sizes in texts.items()
            if workers[voice] < len(sizes) // UTTERANCES_PER_WORKER
        ]
        if not open_to_more:
            break
        busiest = max(open_to_more, key=lambda voice: sum(texts[voice]) / workers[voice])
        workers[busiest] += 1
    return workers


CALIBRATION = "The ferry left the harbour wall at seven and reached the island before dark."
CALIBRATION_TOLERANCE = 0.025
CALIBRATION_ATTEMPTS = 4


@functools.cache
def reference_seconds(voice: Voice) -> float | None:
    """How long the calibration sentence lasts in ``voice``, by the espeak-ng program.

    The program sets its voice, rate and pitch before it speaks, every time; a pyttsx3
    worker whose settings did not take speaks the sentence at another length and is replaced.
    """
    with tempfile.NamedTemporaryFile(suffix=".wav") as handle:
        try:
            run_espeak(
                [
                    "-v",
                    voice.voice,
                    "-s",
                    str(voice.rate),
                    "-p",
                    str(voice.pitch),
                    "-a",
                    str(round(voice.volume * 100)),
                    "-w",
                    handle.name,
                    "--",
                    CALIBRATION,
                ]
            )
            with wave.open(handle.name, "rb") as wav:
                return wav.getnframes() / wav.getframerate()
        except (AudionewsError, wave.Error, EOFError):
            return None


# --- worker process side -------------------------------------------------------------------

_worker: _Worker | None = None
_worker_error: str | None = None


class _Worker:
    """One pyttsx3 engine in one voice, for the life of its process."""

    def __init__(self, workdir: Path, voice: Voice) -> None:
        import pyttsx3  # imported here: only worker processes load espeak

        self.workdir = workdir
        with _synchronous_espeak():
            self.engine = pyttsx3.init("espeak")
        self.engine.setProperty("voice", voice.voice)
        self.engine.setProperty("rate", voice.rate)
        self.engine.setProperty("pitch", voice.pitch)
        self.engine.setProperty("volume", voice.volume)
        # Where espeak-ng could not be started synchronously (another driver than the one
        # this was written for), it speaks on its own thread and pyttsx3 looks every 10 ms
        # whether it has finished: 10 ms of idle time an utterance (a third of the
        # narrator's synthesis of the seed article), and its run can return before the last
        # audio is written (its loop may have been ended before the utterance started). The
        # driver is polled finely then, and ``say`` waits until the utterance is written.
        self.driver = _espeak_driver(self.engine)
        if _synchronous and type(self.driver) not in _GROWING.values():
            # Nothing would tell this driver that an utterance has ended.
            raise SynthesisError("pyttsx3's espeak driver is not the one expected")
        self.count = 0
        # Warm-up: a first long utterance in a fresh process wrote no file while pyttsx3 alone
        # decided when an utterance was done (see above); kept for a driver left as it is,
        # and so that every worker has spoken the same before its first utterance.
        self.say("Ready.")

    def say(self, text: str) -> bytes:
        self.count += 1
        path = self.workdir / f"{os.getpid()}-{self.count}.wav"
        try:
            self.speak(text, path)
            return _read_pcm(path)
        finally:
            path.unlink(missing_ok=True)

    def speak(self, text: str, path: Path) -> None:
        """Speak ``text`` into a WAV file at ``path``, checked (format, some audio) and left
        for the build to read: audio never travels back through the pool's pipe, where the
        results of a long article piled up in the build's memory."""
        try:
            self.engine.save_to_file(text, str(path))
            self.engine.runAndWait()
            self._wait_until_spoken()
            _check_wav(path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    def _wait_until_spoken(self) -> None:
        if self.driver is None:
            return
        deadline = time.monotonic() + SEGMENT_TIMEOUT_S
        while self.driver._speaking and time.monotonic() < deadline:
            time.sleep(POLL_S)


# How often a worker looks whether espeak-ng has finished an utterance.
POLL_S = 0.0005


class _PollClock:
    """``time`` for pyttsx3's espeak driver, whose loop sleeps 10 ms a pass while espeak-ng
    speaks on a thread of its own: the sleep ends as soon as the utterance has ended the loop."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._driver._looping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, POLL_S))

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def _espeak_driver(engine: Any) -> Any:
    """pyttsx3 2.99's espeak driver behind ``engine``, with the polling made fine-grained; None
    if the driver is not the one this was written for (then it is left as it is)."""
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    module = sys.modules.get("pyttsx3.drivers.espeak")
    if driver is None or module is None:
        return None
    if not (hasattr(driver, "_looping") and hasattr(driver, "_speaking")):
        return None
    if getattr(module, "time", None) is time:
        module.time = _PollClock(driver)  # type: ignore[attr-defined]
    if isinstance(getattr(driver, "_data_buffer", None), bytes):
        driver.__class__ = _growing_buffer(type(driver))
        driver._data_buffer = b""
    return driver


# Whether espeak-ng was started in its synchronous mode in this process (_synchronous_espeak).
_synchronous = False


@contextlib.contextmanager
def _synchronous_espeak() -> Iterator[None]:
    """While pyttsx3 starts its espeak driver: espeak-ng started in its synchronous mode.

    pyttsx3 starts espeak-ng in its "retrieval" mode, where each utterance is queued to a
    thread of espeak-ng's own and the driver polls for its end: three threads hand each
    utterance on, and each hand-over waits for a free core when the other core is busy (a
    batch's other article): synthesis took 1.5 to 2 times as long then, measured. The
    voice settings made as a worker started also raced with that thread (some fresh workers
    spoke at the default rate), and a long text crashed the worker: pyttsx3 gives ten
    times the text's length as its size, and the queued mode copies that many bytes (a
    5,000-word utterance segfaulted; synchronous mode does not copy it). In synchronous mode
    espeak-ng speaks in the calling thread and returns when it has finished, with the same
    samples. Only done for the driver this was written for (``_growing_buffer``'s class
    delivers the end of each utterance, which that mode does not report); otherwise pyttsx3
    starts espeak-ng as it will.
    """
    try:
        espeak_module: Any = importlib.import_module("pyttsx3.drivers._espeak")
        driver_module: Any = importlib.import_module("pyttsx3.drivers.espeak")
    except ImportError:  # pyttsx3.init says what is missing
        yield
        return
    driver_class = getattr(driver_module, "EspeakDriver", None)
    usable = (
        driver_class is not None
        and not getattr(driver_class, "_moduleInitialized", True)
        and all(hasattr(driver_class, name) for name in ("_start_synthesis", "_onSynth"))
        and all(
            hasattr(espeak_module, name)
            for name in ("Initialize", "AUDIO_OUTPUT_SYNCHRONOUS", "EVENT", "EVENT_MSG_TERMINATED")
        )
    )
    if not usable:
        yield
        return
    initialize = espeak_module.Initialize

    def synchronous(output: int = 0, *args: Any, **kwargs: Any) -> Any:
        global _synchronous
        _synchronous = True
        return initialize(espeak_module.AUDIO_OUTPUT_SYNCHRONOUS, *args, **kwargs)

    espeak_module.Initialize = synchronous
    try:
        yield
    finally:
        espeak_module.Initialize = initialize


_GROWING: dict[type, type] = {}


def _growing_buffer(driver_class: type) -> type:
    """The espeak driver class with its audio buffer a bytearray, and, where espeak-ng was
    started synchronously, the end of each utterance delivered when espeak-ng returns.

    The driver gathers each utterance's audio with ``buffer += chunk`` on bytes, one chunk a
    second of audio: quadratic (DESIGN.md). A 7-minute utterance (the section list read at
    the start of a 10,000-word article) took 5.3 s, most of a long article's synthesis; on a
    bytearray ``+=`` extends in place. The driver sets the buffer to b"" at every utterance:
    it becomes an empty bytearray, and is written to the WAV file as it was.
    """

    if driver_class in _GROWING:
        return _GROWING[driver_class]
    start = driver_class._start_synthesis  # type: ignore[attr-defined]

    def get(self: Any) -> bytearray:
        return self.__dict__["_audionews_buffer"]  # type: ignore[no-any-return]

    def put(self: Any, value: bytes | bytearray) -> None:
        self.__dict__["_audionews_buffer"] = (
            value if isinstance(value, bytearray) else bytearray(value)
        )

    def start_synthesis(self: Any, text: str) -> None:
        start(self, text)
        if _synchronous and self._speaking:
            # espeak-ng has spoken the whole utterance by now, but reports its end only in
            # the other modes: the driver is told, and writes the file as it always does.
            self._onSynth(None, 0, _end_of_utterance())

    _GROWING[driver_class] = type(
        driver_class.__name__,
        (driver_class,),
        {"_data_buffer": property(get, put), "_start_synthesis": start_synthesis},
    )
    return _GROWING[driver_class]


@functools.cache
def _end_of_utterance() -> Any:
    """The events espeak-ng's queued mode ends an utterance with (made once: never changed)."""
    espeak = sys.modules["pyttsx3.drivers._espeak"]
    events = (espeak.EVENT * 2)()
    events[0].type = espeak.EVENT_MSG_TERMINATED
    events[1].type = espeak.EVENT_LIST_TERMINATED
    return events


def _read_pcm(path: Path) -> bytes:
    with _open_wav(path) as wav:
        frames = wav.readframes(wav.getnframes())
    if not frames:
        raise SynthesisError("espeak-ng wrote an empty file")
    return frames


def _check_wav(path: Path) -> None:
    with _open_wav(path) as wav:
        if wav.getnframes() == 0:
            raise SynthesisError("espeak-ng wrote an empty file")


def _open_wav(path: Path) -> wave.Wave_read:
    if not path.exists():
        raise SynthesisError("espeak-ng wrote no file")
    wav = wave.open(str(path), "rb")  # noqa: SIM115 (the caller closes it)
    if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (
        SAMPLE_RATE,
        1,
        SAMPLE_WIDTH,
    ):
        wav.close()
        raise SynthesisError("unexpected WAV format")
    return wav


def _init_worker(
    workdir: str, voice: Voice, expected: float | None = None, parent: int | None = None
) -> None:
    global _worker, _worker_error
    # The parent handles Ctrl-C and tears the pool down; workers must not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # And stops at once when the pool is terminated, whatever handler it was forked with.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if parent is not None:  # and never outlives the build (workers.py: a pool's own thread
        die_with_parent(parent, kernel=False)  # forks replacements, so no kernel request)
    # A result sent to a build that has died ends the worker at once, without a traceback on
    # the terminal (the pipe is only broken when the build is gone).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    # The driver prints with print(): point Python's own stdout there too, whatever it was.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (lives as long as the worker)
    try:
        _worker = _Worker(Path(workdir), voice)
    except Exception as exc:  # reported per task, so the parent can name the failure
        _worker_error = f"espeak-ng could not start: {exc}"
        return
    if expected is None:
        return
    try:
        spoken = len(_worker.say(CALIBRATION)) / SAMPLE_WIDTH / SAMPLE_RATE
    except Exception:
        spoken = 0.0
    if abs(spoken - expected) > CALIBRATION_TOLERANCE * expected and _count_failure(workdir, voice):
        # Settings made while espeak-ng started were lost (measured: about one fresh worker
        # in sixteen). A worker that leaves during start-up is replaced by the pool.
        os._exit(3)


def _count_failure(workdir: str, voice: Voice) -> bool:
    """Count a failed start for ``voice``; False once it has failed too often to retry."""
    marker = Path(workdir) / f"calibration-{abs(hash(voice))}"
    with open(marker, "a") as handle:
        handle.write("x")
    return marker.stat().st_size < CALIBRATION_ATTEMPTS


def _synthesize_chunk(chunk: list[tuple[int, str]]) -> list[tuple[int, str | None, str | None]]:
    return [_synthesize_one(index, text) for index, text in chunk]


def _synthesize_one(index: int, text: str) -> tuple[int, str | None, str | None]:
    """(index, the WAV file it was spoken into, None) or (index, None, what went wrong)."""
    if _worker is None:
        return index, None, _worker_error or "worker not started"
    error = "no audio"
    path = _worker.workdir / f"utterance-{index}.wav"
    for _attempt in range(2):  # a failure is tried once more before it is reported
        try:
            _worker.speak(text, path)
            return index, str(path), None
        except Exception as exc:
            error = str(exc) or type(exc).__name__
    return index, None, error
