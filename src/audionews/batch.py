"""Batch production: a day's articles, side by side on every core, one failure at a time.

Each article is built in a worker process of its own with one core's worth of synthesis, so
``--jobs`` articles are built at once. An article whose episode is up to date (same article
bytes, profile, lexicons, options and program version) is skipped; one that fails, for any
reason (an article that cannot be read, a reader's bug, a worker that dies), is reported with
its reason and the others go on.

Stopping: on Ctrl-C or SIGTERM every worker is told to stop (SIGTERM: it unwinds as a stopped
build does, its temporary files removed) and is killed if it has not within a second and a
half; nothing more is built. Workers ignore Ctrl-C (the parent acts on it for them) and die
with the batch whatever kills it (``workers.die_with_parent``).
"""

from __future__ import annotations

import contextlib
import enum
import glob
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from audionews.audio.voices import load_profile
from audionews.errors import AudionewsError
from audionews.options import BuildOptions
from audionews.pipeline import Prepared, build, prepare, ready, up_to_date
from audionews.presets import resolve_preset
from audionews.tools import require_espeak, require_ffmpeg
from audionews.workers import die_with_parent, parent_alive

ARTICLE_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm"}
# How long stopped workers get to unwind (remove their temporary files) before they are killed.
STOP_GRACE_S = 1.5
_STOPS = (signal.SIGINT, signal.SIGTERM)


class BatchStatus(enum.StrEnum):
    """What happened to one article of a batch."""

    BUILT = "built"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class BatchResult:
    """What happened to one article."""

    article: Path
    status: BatchStatus
    mp3: Path | None = None
    duration_s: float = 0.0
    chapters: int = 0
    seconds: float = 0.0
    error: str | None = None

    def summary(self) -> dict[str, object]:
        """The object ``batch --json`` prints for this article."""
        return {
            "article": str(self.article),
            "status": self.status.value,
            "mp3": str(self.mp3) if self.mp3 else None,
            "duration_s": round(self.duration_s, 3),
            "chapters": self.chapters,
            "seconds": round(self.seconds, 2),
            "error": self.error,
        }


def expand_inputs(inputs: Iterable[str]) -> list[Path]:
    """Files, folders (their article files, recursively) and glob patterns, in order, once."""
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                )
            )
        elif any(ch in item for ch in "*?[") and not path.exists():
            found.extend(
                sorted(Path(p) for p in glob.glob(item, recursive=True) if Path(p).is_file())
            )
        else:
            found.append(path)  # a missing file is reported as that article's failure
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _build_one(prepared: Prepared, out_dir: Path) -> BatchResult:
    started = time.perf_counter()
    try:
        episode = build(prepared, out_dir)
    except Exception as exc:  # one broken article must not stop the day's batch
        return BatchResult(
            prepared.source, BatchStatus.FAILED, error=describe(exc), seconds=_since(started)
        )
    return BatchResult(
        prepared.source,
        BatchStatus.BUILT,
        episode.mp3,
        episode.track_duration_s,
        len(episode.chapters),
        _since(started),
    )


def describe(exc: Exception) -> str:
    """An error as the batch table shows it: one line; our own errors name their file."""
    text = " ".join(str(exc).split())
    return (
        text if isinstance(exc, AudionewsError) else f"internal error: {type(exc).__name__}: {text}"
    )


def _since(started: float) -> float:
    return time.perf_counter() - started


def _now() -> float:
    return time.perf_counter()


def check(options: BuildOptions, out_dir: Path) -> None:
    """Options that cannot work, a missing program, an output folder that cannot be written:
    found before any article is read."""
    resolve_preset(
        options.preset,
        bitrate_kbps=options.bitrate_kbps,
        sample_rate=options.sample_rate,
        loudness_lufs=options.loudness_lufs,
    )
    load_profile(options.voices)
    require_ffmpeg()
    require_espeak()
    ready(out_dir)


def run_batch(
    articles: list[Path],
    out_dir: Path,
    options: BuildOptions,
    *,
    jobs: int | None = None,
    force: bool = False,
    on_start: Callable[[Path], None] | None = None,
    on_done: Callable[[BatchResult], None] | None = None,
) -> list[BatchResult]:
    """Build every article; return one result per article, in the order given.

    Each article is read and prepared once, here: that finds unreadable articles and titles
    two articles share before they are built, and decides what is up to date. Articles are
    prepared while the earlier ones are being built (an article can only clash with one
    before it), so the batch's workers start at once.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    # One core's synthesis per article: the articles themselves are the parallel work.
    options = replace(options, jobs=1)
    results: dict[Path, BatchResult] = {}
    claimed: dict[Path, Path] = {}

    def settle(result: BatchResult) -> None:
        results[result.article] = result
        if on_done:
            on_done(result)

    def to_build() -> Iterator[Prepared]:
        for article in articles:
            try:
                prepared = prepare(article, options)
            except Exception as exc:  # whatever reading one article raises spoils it alone
                error = describe(exc)
                if not isinstance(exc, AudionewsError):
                    error = f"cannot read {article}: {error}"
                settle(BatchResult(article, BatchStatus.FAILED, error=error))
                continue
            target = out_dir / f"{prepared.slug}.mp3"
            if target in claimed:
                settle(
                    BatchResult(
                        article,
                        BatchStatus.FAILED,
                        error=f"same title as {claimed[target]}: both would be {target.name}",
                    )
                )
                continue
            claimed[target] = article
            if not force and (existing := up_to_date(prepared, out_dir)) is not None:
                settle(BatchResult(article, BatchStatus.SKIPPED, existing))
                continue
            yield prepared

    with contextlib.closing(_build_all(to_build(), out_dir, jobs, on_start)) as built:
        for result in built:
            settle(result)
    return [results[article] for article in articles]


@dataclass
class _Running:
    """One article being built in a worker process, and the end of the pipe its result
    comes back on."""

    prepared: Prepared
    process: BaseProcess
    result: Connection
    started: float


def _build_all(
    to_build: Iterator[Prepared],
    out_dir: Path,
    jobs: int,
    on_start: Callable[[Path], None] | None,
) -> Generator[BatchResult, None, None]:
    """Build ``to_build`` in up to ``jobs`` worker processes, yielding results as they come;
    the next articles are prepared (``to_build`` is advanced) while the workers build."""
    context = multiprocessing.get_context("fork")
    waiting: deque[Prepared] = deque()
    running: dict[Connection, _Running] = {}
    more = True
    try:
        while True:
            while waiting and len(running) < jobs:
                prepared = waiting.popleft()
                receiving, sending = context.Pipe(duplex=False)
                # Held until the worker is known (and has set its own handlers), so a stop
                # always finds every worker.
                with _stops_blocked():
                    process = context.Process(
                        target=_work, args=(prepared, out_dir, sending, os.getpid())
                    )
                    process.start()
                    running[receiving] = _Running(prepared, process, receiving, _now())
                    sending.close()  # the worker's end: its death then ends the pipe
                if on_start:
                    on_start(prepared.source)
            # Done ones first, then one more article prepared ahead (as many ahead as there
            # are workers), else wait for a worker.
            finished = multiprocessing.connection.wait(list(running), timeout=0)
            if not finished and more and len(waiting) < jobs:
                try:
                    waiting.append(next(to_build))
                except StopIteration:
                    more = False
                continue
            if not running and not waiting and not more:
                return
            for ready_end in finished or multiprocessing.connection.wait(list(running)):
                assert isinstance(ready_end, Connection)
                yield _result_of(running.pop(ready_end))
    except BaseException:
        _stop(list(running.values()))
        raise


def _result_of(work: _Running) -> BatchResult:
    try:
        result: BatchResult = work.result.recv()
    except (EOFError, OSError):
        work.process.join()
        code = work.process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit {code}"
        result = BatchResult(
            work.prepared.source,
            BatchStatus.FAILED,
            error=f"the build of {work.prepared.source} stopped ({how})",
            seconds=_since(work.started),
        )
    finally:
        work.result.close()
    work.process.join()
    return result


def _stop(running: list[_Running]) -> None:
    """Stop every worker at once: SIGTERM, a moment to unwind, then SIGKILL."""
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in _STOPS}
    try:
        for work in running:
            work.process.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for work in running:
            work.process.join(max(0.0, deadline - time.monotonic()))
            if work.process.is_alive():
                work.process.kill()
                work.process.join()
            work.result.close()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def _stops_blocked() -> Iterator[None]:
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)


def _work(prepared: Prepared, out_dir: Path, sending: Connection, parent: int) -> None:
    """A worker: build one article and send its result back."""
    # Ctrl-C reaches every process of a terminal's group: the parent acts on it for all.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Told to stop (by the batch, or by the kernel when the batch dies), a worker unwinds
    # silently, its temporary files removed, as a stopped build does.
    signal.signal(signal.SIGTERM, _exit_quietly)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
    die_with_parent(parent)
    if not parent_alive(parent):
        return
    sending.send(_build_one(prepared, out_dir))
    sending.close()


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
