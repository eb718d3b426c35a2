"""Batch production: a day's articles, side by side on every core, one failure at a time.

Each article is built in its own worker process with one core's worth of synthesis, so
``--jobs`` articles are built at once. An article whose episode is up to date (same article
bytes, profile, lexicons, options and program version) is skipped; one that fails is
reported with its reason and the others go on.
"""

from __future__ import annotations

import enum
import glob
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

from audionews.audio.voices import load_profile
from audionews.errors import AudionewsError
from audionews.options import BuildOptions
from audionews.pipeline import Prepared, build, prepare, ready, up_to_date
from audionews.presets import resolve_preset
from audionews.tools import require_espeak, require_ffmpeg

ARTICLE_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm"}


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
    except AudionewsError as exc:
        return BatchResult(
            prepared.source, BatchStatus.FAILED, error=str(exc), seconds=_since(started)
        )
    except Exception as exc:  # one broken article must not stop the day's batch
        return BatchResult(
            prepared.source,
            BatchStatus.FAILED,
            error=f"internal error: {exc!r}",
            seconds=_since(started),
        )
    return BatchResult(
        prepared.source,
        BatchStatus.BUILT,
        episode.mp3,
        episode.track_duration_s,
        len(episode.chapters),
        _since(started),
    )


def _since(started: float) -> float:
    return time.perf_counter() - started


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
    two articles share before anything is built, and decides what is up to date.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    # One core's synthesis per article: the articles themselves are the parallel work.
    options = replace(options, jobs=1)
    results: dict[Path, BatchResult] = {}
    to_build: list[Prepared] = []
    claimed: dict[Path, Path] = {}
    for article in articles:
        try:
            prepared = prepare(article, options)
        except AudionewsError as exc:
            results[article] = BatchResult(article, BatchStatus.FAILED, error=str(exc))
            continue
        target = out_dir / f"{prepared.slug}.mp3"
        if target in claimed:
            results[article] = BatchResult(
                article,
                BatchStatus.FAILED,
                error=f"same title as {claimed[target]}: both would be {target.name}",
            )
            continue
        claimed[target] = article
        if not force and (existing := up_to_date(prepared, out_dir)) is not None:
            results[article] = BatchResult(article, BatchStatus.SKIPPED, existing)
            continue
        to_build.append(prepared)
    for article in articles:
        if article in results and on_done:
            on_done(results[article])

    if to_build:
        with ProcessPoolExecutor(min(jobs, len(to_build))) as pool:
            futures = {}
            for prepared in to_build:
                futures[pool.submit(_build_one, prepared, out_dir)] = prepared.source
                if on_start:
                    on_start(prepared.source)
            for future in as_completed(futures):
                result = future.result()
                results[futures[future]] = result
                if on_done:
                    on_done(result)
    return [results[article] for article in articles]
