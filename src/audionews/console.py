"""What the command line shows on stderr: progress, the batch table, times as clocks."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import click

if TYPE_CHECKING:
    from audionews.audio.voices import ListedVoice, VoiceProfile
    from audionews.batch import BatchResult
    from audionews.pipeline import Episode
    from audionews.text.script import Script
    from audionews.timeline import Chapter


class BatchHooks(TypedDict):
    on_start: Callable[[Path], None]
    on_done: Callable[[BatchResult], None]


class BatchReporter:
    """A batch's progress: a bar on a terminal (tqdm), plain lines when stderr is a file or a
    pipe; the summary table when it is done."""

    def __init__(self, total: int) -> None:
        self.total, self.started, self.finished = total, time.monotonic(), 0
        self.results: list[BatchResult] = []
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="article", file=sys.stderr, dynamic_ncols=True)

    def hooks(self) -> BatchHooks:
        return {"on_start": self.start, "on_done": self.done}

    def __enter__(self) -> BatchReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        if self.results:
            batch_summary(self.results, time.monotonic() - self.started)

    def start(self, article: Path) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(article.name[:40])

    def done(self, result: BatchResult) -> None:
        self.finished += 1
        self.results.append(result)
        if self.bar is not None:
            self.bar.update(1)
            if result.error:
                self.bar.write(f"failed {result.article}: {result.error}", file=sys.stderr)
            return
        elapsed = time.monotonic() - self.started
        remaining = elapsed / self.finished * (self.total - self.finished)
        detail = f": {result.error}" if result.error else ""
        click.echo(
            f"[{self.finished}/{self.total}] {result.status} {result.article}{detail} "
            f"(elapsed {short(elapsed)}, remaining {short(remaining)})",
            err=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def batch_summary(results: list[BatchResult], seconds: float) -> None:
    from audionews.batch import BatchStatus

    width = min(48, max((len(str(r.article)) for r in results), default=7))
    header = f"{'status':<8} {'article':<{width}} {'audio':>9} {'ch':>3} {'time':>6}"
    lines = ["", f"{header}  episode or reason"]
    for r in results:
        name = str(r.article)
        name = name if len(name) <= width else "…" + name[-(width - 1) :]
        audio = clock(r.duration_s)[:-4] if r.duration_s else "-"
        outcome = str(r.mp3) if r.mp3 else (r.error or "")
        lines.append(
            f"{r.status:<8} {name:<{width}} {audio:>9} {r.chapters or '-':>3} "
            f"{r.seconds:>5.1f}s  {outcome}"
        )
    counts = {s: sum(r.status is s for r in results) for s in BatchStatus}
    lines.append(
        f"{counts[BatchStatus.BUILT]} built, {counts[BatchStatus.SKIPPED]} skipped, "
        f"{counts[BatchStatus.FAILED]} failed "
        f"in {short(seconds)}"
    )
    click.echo("\n".join(lines), err=True)


def short(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def clock(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def progress(stage: str | None = None) -> Callable[..., None]:
    """Progress on stderr: a line that rewrites itself on a terminal, a few lines otherwise.
    With ``stage``, a callback of (done, total) for that one stage."""
    interactive = sys.stderr.isatty()
    last_shown: dict[str, int] = {}

    def show(name: str, done: int, total: int) -> None:
        if interactive:
            click.echo(f"\r{name}: {done}/{total}", err=True, nl=False)
            if done == total:
                click.echo("", err=True)
            return
        step = max(1, total // 4)
        if done == total or done - last_shown.get(name, -step) >= step:
            last_shown[name] = done
            click.echo(f"{name}: {done}/{total}", err=True)

    if stage is None:
        return show
    return lambda done, total: show(stage, done, total)


def notes(notices: Iterable[str]) -> None:
    for notice in notices:
        click.echo(f"audionews: note: {notice}", err=True)


def episode_report(episode: Episode, *, with_chapters: bool) -> None:
    """What ``build`` says when it is done, on stderr."""
    measured = episode.measured
    click.echo(
        f"wrote {episode.mp3} ({clock(episode.track_duration_s)}, "
        f"{len(episode.chapters)} chapters, {episode.preset.name}: "
        f"{measured.lufs:.1f} LUFS, true peak {measured.true_peak:.1f} dBTP)",
        err=True,
    )
    for number, chapter in enumerate(episode.chapters if with_chapters else (), start=1):
        click.echo(f"  {number:>2}  {clock(chapter.start_ms / 1000)}  {chapter.title}", err=True)


def _indent(level: int, top: int) -> str:
    """Two spaces for each level below the top one: a section's parts stand under it."""
    return "  " * max(0, level - top)


def chapter_listing(episode: Path, marks: list[Chapter]) -> None:
    if not marks:
        click.echo(f"{episode}: no chapters", err=True)
    # The opening is level 1 and the sections 2: both stand at the margin.
    top = max(2, min((mark.level for mark in marks), default=1))
    for number, mark in enumerate(marks, start=1):
        start, end = clock(mark.start_ms / 1000), clock(mark.end_ms / 1000)
        click.echo(f"{number:>3}  {start}  {end}  {_indent(mark.level, top)}{mark.title}")


def script_listing(script: Script) -> None:
    for number, chapter in enumerate(script.chapters, start=1):
        click.echo(f"{_indent(chapter.level, 2)}== Chapter {number}: {chapter.title}")
        for segment in chapter.segments:
            who = f" ({segment.speaker})" if segment.speaker else ""
            said = f"\n      spoken: {segment.spoken}" if segment.spoken != segment.text else ""
            click.echo(f"  [{segment.role.value}{who}] {segment.text}{said}")


def voices_listing(
    installed: list[ListedVoice], profiles: list[tuple[VoiceProfile, str | None]]
) -> None:
    from audionews.audio.voices import ROLE_TABLES

    click.echo("Voice profiles (--voices NAME):")
    for profile, problem in profiles:
        roles = ", ".join(f"{ROLE_TABLES[r]} {v.voice}" for r, v in profile.voices.items())
        click.echo(f"  {profile.name:<12} {roles}")
        for line in (profile.description, f"problem: {problem}" if problem else ""):
            if line:
                click.echo(f"  {'':<12} {line}")
    click.echo("")
    click.echo(f"Installed espeak-ng voices ({len(installed)}; add a variant with +f3, +m3, …):")
    for voice in installed:
        click.echo(f"  {voice.language:<16} {voice.name:<32} {voice.identifier}")
