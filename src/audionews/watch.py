"""Rebuilding while an editor works: each article built when it is out of date, then again
every time it is saved, by a process that stays up.

A rebuild in this process pays none of a new command's start-up (Python and the imports, 0.4
to 0.5 s here, a fifth of a short article's cold build): after a one-sentence fix only the
changed sentence is spoken and only the part that holds it encoded (the segment cache), so the
episode is back in its place in a fraction of a second.

The articles are named files, looked at every ``POLL_S`` (no thread beside the build, which
forks its synthesis workers, and no inotify, which hears nothing on network shares): a change
of their ``stat`` (modification or change time, size, inode, device, mode: an editor that saves
by writing a new file and renaming it changes the inode) or, for files of up to ``HASHED_BYTES``,
of their bytes (a same-size fix saved twice within a file system's timestamp tick) starts a
build once the file has stayed the same for ``SETTLE_S``. A save during a build is seen when it
ends, and built then. A build that fails is reported and the watch goes on; an episode is only
ever replaced whole (atomic_files), so a failed or stopped rebuild leaves the last good one in
place. The voice profile and lexicons are read at each build: a change to them takes effect
at an article's next save.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audionews import outputs, pipeline
from audionews.batch import BatchStatus, check, describe
from audionews.errors import ArticleError, OptionError
from audionews.options import BuildOptions
from audionews.pipeline import Episode, Progress, prepare, up_to_date

# How often the articles are looked at, and how long a change must stay before it is built.
POLL_S = 0.025
SETTLE_S = 0.025
# Articles up to this size are also compared by their bytes at every look (an article is a few
# tens of kilobytes: a few microseconds); a larger one by its stat alone.
HASHED_BYTES = 1 << 20

Signature = tuple[int, ...] | None
# Never a file's signature: the article is looked at again on the next pass.
RETRY: Signature = (-1,)


@dataclass(frozen=True)
class WatchResult:
    """One build (or a look that found nothing to build) of one watched article.

    status: built, skipped (the episode was up to date: an article saved unchanged) or failed.
    episode: what the build produced (built); mp3: the episode's file (built or skipped).
    seconds: from the moment the change was seen to the episode in its place.
    error: why it failed, one line naming the article; notices: what the user should know
        (an encoding guessed, a language without voices).
    """

    article: Path
    status: BatchStatus
    seconds: float
    episode: Episode | None = None
    mp3: Path | None = None
    error: str | None = None
    notices: tuple[str, ...] = ()

    def summary(self) -> dict[str, object]:
        """The line ``watch --json`` prints: the build's own summary when there is one."""
        head: dict[str, object] = {"article": str(self.article), "status": self.status.value}
        if self.episode is not None:
            head.update(self.episode.summary())
        elif self.mp3 is not None:
            head["mp3"] = str(self.mp3)
        head["seconds"] = round(self.seconds, 3)
        head["error"] = self.error
        return head


Build = Callable[..., Episode]


def watch(
    articles: Sequence[Path],
    out_dir: Path,
    options: BuildOptions,
    report: Callable[[WatchResult], None],
    *,
    force: bool = False,
    progress: Progress | None = None,
    watching: Callable[[int], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
    build: Build | None = None,
) -> None:
    """Build every article that is out of date, call ``watching`` with how many files are
    watched, then build each one again whenever it changes, until ``stop()`` is true (asked
    every ``POLL_S``) or the caller is interrupted (KeyboardInterrupt). With ``force`` every
    build is made, up to date or not.

    Options that cannot work, a missing program or an output folder that cannot be written are
    raised before anything is built, and so is a feed: nothing is published while an article
    is being written. What goes wrong with one build is reported and the watch goes on. An
    article whose title would give another watched article's episode is not built (its
    episode would replace the other's) until that clash clears.
    """
    build = build or pipeline.build
    if options.feed is not None:
        raise OptionError("watch publishes no feed: build --feed an article when it is done")
    for output in outputs.wanted(options):
        output.check(options)
    check(options, out_dir)
    # Each file once, however it was named (twice, by a relative and an absolute path, by a
    # link, hard or symbolic, and its target): it would otherwise clash with itself.
    unique: dict[object, Path] = {}
    for article in articles:
        unique.setdefault(_identity(article), article)
    articles = list(unique.values())
    seen: dict[Path, Signature] = {article: None for article in articles}
    slugs: dict[Path, str] = {}  # the episode each article builds into, by its title
    blocked: dict[Path, Path] = {}  # articles kept out of another's episode: by whom

    def claim(article: Path, slug: str | None) -> None:
        """``article`` now builds into ``slug`` (None: into nothing); those that were kept
        out of the episode it leaves are looked at again."""
        if slugs.get(article) == slug:
            return
        if slug is None:
            slugs.pop(article, None)
        else:
            slugs[article] = slug
        for waiting, owner in list(blocked.items()):
            if owner == article:
                del blocked[waiting]
                seen[waiting] = RETRY

    def attempt(article: Path, started: float, current: Signature) -> WatchResult | None:
        """Build ``article``, whose signature is ``current``, if it is out of date; None when
        there is nothing to say yet."""
        seen[article] = current  # a save from now on is another change
        try:
            prepared = prepare(article, options)
        except Exception as exc:  # one bad save must not end the editor's session
            if isinstance(exc, ArticleError) and signature(article) != current:
                # Read while it was being written (emptied, not yet filled): what is there
                # now is another save, built on the next pass, and this one is not news.
                return None
            return _failed(article, started, exc)
        try:
            owner = next((a for a, s in slugs.items() if s == prepared.slug and a != article), None)
            if owner is not None:
                blocked[article] = owner
                claim(article, None)  # the episode it built into before is free again
                error = f"{article}: same title as {owner}: both would be {prepared.slug}.mp3"
                return WatchResult(article, BatchStatus.FAILED, _since(started), error=error)
            blocked.pop(article, None)
            claim(article, prepared.slug)
            notices = prepared.notices
            if not force and (existing := up_to_date(prepared, out_dir)) is not None:
                return WatchResult(
                    article, BatchStatus.SKIPPED, _since(started), mp3=existing, notices=notices
                )
            episode = build(prepared, out_dir, progress=progress)
        except Exception as exc:  # a build that fails (a full disk, a bug) ends no session
            return _failed(article, started, exc)
        return WatchResult(
            article, BatchStatus.BUILT, _since(started), episode, episode.mp3, notices=notices
        )

    for article in articles:
        if (result := attempt(article, time.perf_counter(), signature(article))) is not None:
            report(result)
    if watching is not None:
        watching(len(articles))
    while not stop():
        time.sleep(POLL_S)
        for article in articles:
            now = signature(article)
            if now == seen[article]:
                continue
            noticed = time.perf_counter()
            time.sleep(SETTLE_S)  # an editor still writing it: the next look builds it
            if signature(article) != now:
                continue
            if now is None:  # gone (renamed away, deleted): said once, built when it is back
                seen[article] = None
                claim(article, None)
                blocked.pop(article, None)
                error = f"{article}: not found (built again when it is back)"
                report(WatchResult(article, BatchStatus.FAILED, 0.0, error=error))
                continue
            if (result := attempt(article, noticed, now)) is not None:
                report(result)


def signature(path: Path) -> Signature:
    """What changes when a file is saved, however it is saved; None when there is none."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    # ctime moves even when a save puts the modification time back (rsync -t, cp -p, tar).
    stat = (
        status.st_mtime_ns,
        status.st_ctime_ns,
        status.st_size,
        status.st_ino,
        status.st_dev,
        status.st_mode,
    )
    if status.st_size > HASHED_BYTES:
        return stat
    try:
        with open(path, "rb") as handle:
            digest = hashlib.blake2b(handle.read(HASHED_BYTES + 1), digest_size=16).digest()
    except OSError:
        return stat  # unreadable now: its build will say so
    return (*stat, int.from_bytes(digest, "big"))


def _identity(path: Path) -> object:
    """The file ``path`` names, however named: its device and inode (hard links are one), or
    its resolved path while it does not exist."""
    try:
        status = os.stat(path)
    except OSError:
        return path.resolve()
    return status.st_dev, status.st_ino


def _failed(article: Path, started: float, exc: Exception) -> WatchResult:
    """A failure as one line that names the article (our errors name the file they are about:
    an output's, or none when it is a bug)."""
    error = describe(exc)
    if str(article) not in error:
        error = f"{article}: {error}"
    return WatchResult(article, BatchStatus.FAILED, _since(started), error=error)


def _since(started: float) -> float:
    return time.perf_counter() - started
