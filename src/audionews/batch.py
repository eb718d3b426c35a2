"""Batch production: a day's articles, side by side on every core, one failure at a time.

Each article is built in its own worker process with one core's worth of synthesis, so
``--jobs`` articles are built at once. An article whose episode is up to date (same article
bytes, profile, lexicons, options and program version) is skipped; one that fails is
reported with its reason and the others go on.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

from audionews.episode import BuildOptions, build, slugify, up_to_date
from audionews.errors import AudionewsError
from audionews.ingest import read_article

ARTICLE_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm"}


@dataclass(frozen=True)
class BatchResult:
    """What happened to one article."""

    article: Path
    status: str  # "built", "skipped" or "failed"
    mp3: Path | None = None
    duration_s: float = 0.0
    chapters: int = 0
    seconds: float = 0.0
    error: str | None = None


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


def _build_one(article: Path, out_dir: Path, options: BuildOptions) -> BatchResult:
    started = time.perf_counter()
    try:
        episode = build(article, out_dir, options)
    except AudionewsError as exc:
        return BatchResult(article, "failed", error=str(exc), seconds=time.perf_counter() - started)
    except Exception as exc:  # one broken article must not stop the day's batch
        return BatchResult(
            article,
            "failed",
            error=f"internal error: {exc!r}",
            seconds=time.perf_counter() - started,
        )
    return BatchResult(
        article,
        "built",
        episode.mp3,
        episode.track_duration_s,
        len(episode.chapters),
        time.perf_counter() - started,
    )


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
    """Build every article; return one result per article, in the order given."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    # One core's synthesis per article: the articles themselves are the parallel work.
    options = replace(options, jobs=1)
    results: dict[Path, BatchResult] = {}
    to_build: list[Path] = []
    claimed: dict[Path, Path] = {}
    for article in articles:
        try:
            title = read_article(article, options.article_format).title
        except AudionewsError as exc:
            results[article] = BatchResult(article, "failed", error=str(exc))
            continue
        target = out_dir / f"{slugify(title)}.mp3"
        if target in claimed:
            results[article] = BatchResult(
                article,
                "failed",
                error=f"same title as {claimed[target]}: both would be {target.name}",
            )
            continue
        claimed[target] = article
        if not force and (existing := up_to_date(article, out_dir, options)) is not None:
            results[article] = BatchResult(article, "skipped", existing)
            continue
        to_build.append(article)
    for article in articles:
        if article in results and on_done:
            on_done(results[article])

    if to_build:
        with ProcessPoolExecutor(min(jobs, len(to_build))) as pool:
            futures = {}
            for article in to_build:
                futures[pool.submit(_build_one, article, out_dir, options)] = article
                if on_start:
                    on_start(article)
            for future in as_completed(futures):
                result = future.result()
                results[futures[future]] = result
                if on_done:
                    on_done(result)
    return [results[article] for article in articles]
