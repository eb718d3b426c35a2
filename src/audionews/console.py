"""What the command line shows: progress, the batch table, listings, and errors as one line.

Everything goes through ``echo``, which strips control characters (a title that carries
ESC [ 2 J would otherwise clear the listener's screen, or worse) and lets standard error be:
a build goes on, and succeeds, with standard error closed or on a full device. Standard
output is where ``--json`` goes: a failure to write it (a closed pipe) is one line.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypedDict, cast

import click

from audionews.errors import AudionewsError
from audionews.ingest.source import CONTROLS

if TYPE_CHECKING:
    from audionews.audio.voices import ListedVoice, VoiceProfile
    from audionews.batch import BatchResult
    from audionews.pipeline import Episode
    from audionews.text.script import Script
    from audionews.timeline import Chapter
    from audionews.watch import WatchResult


def printable(text: str) -> str:
    """``text`` without control characters (newline and tab kept)."""
    return CONTROLS.sub("", text)


def _emit(text: str, *, err: bool, nl: bool = True) -> None:
    if not err:
        click.echo(text, nl=nl)
        return
    # Progress and notes are a courtesy: a standard error that is closed, or on a full
    # device, never stops the work.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        click.echo(text, err=True, nl=nl)


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """Show ``message`` on standard output (or standard error), control characters stripped."""
    _emit(printable(str(message)), err=err, nl=nl)


def json_out(value: object, indent: int | None = None) -> None:
    """``value`` as JSON on standard output; DEL and the C1 controls escaped too (json
    escapes only the C0 ones), so no terminal acts on a title it shows."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    click.echo("".join(f"\\u{ord(c):04x}" if "\x7f" <= c <= "\x9f" else c for c in text))


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (OSError, ValueError):
        return False


class _PrintableStderr:
    """Standard error for click's own messages (usage errors quote what was typed)."""

    def write(self, text: str) -> None:
        echo(text, err=True, nl=False)

    def flush(self) -> None:
        pass


class Failure(click.ClickException):
    """An error shown as ``audionews: <message>`` with exit status 1."""

    def show(self, file: Any = None) -> None:
        echo(f"audionews: {' '.join(self.format_message().split())}", err=True)


class Main(click.Group):
    """The command group: the one place errors become one line (the full traceback with
    ``--debug``), anything unexpected too, and where a closed standard output is told."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            raise click.exceptions.Abort() from None
        except OSError as exc:
            if debug:
                raise
            if exc.errno == errno.EPIPE:  # `| head`: what was asked went to a closed pipe
                _stdout_closed()
                raise Failure(STDOUT_CLOSED) from None
            raise Failure(f"internal error: {exc!r} (run with --debug to see where)") from None
        except AudionewsError as exc:
            if debug:
                raise
            raise Failure(str(exc)) from None
        except Exception as exc:
            if debug:
                raise
            raise Failure(f"internal error: {exc!r} (run with --debug to see where)") from None

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        # The interpreter's last collection, as the process ends, walked every object the
        # command made (the text rules' tables, the language model): 0.09 s of a build's
        # exit, measured. Frozen then, they are freed with the process. What that skips: the
        # finalizers of garbage held only in cycles at exit (our files are closed by `with`,
        # scratch files by weakref.finalize, which runs at exit). At exit only: a program
        # (or a test) that runs commands in its own process goes on collecting as before.
        # Registered once however many commands run, and only after a command that ended
        # well: one that failed or was stopped leaves objects held by its error's frames
        # (an encoder's resampler), and frozen they would each be reported as leaked.
        atexit.unregister(gc.freeze)
        global _stopped
        _stopped = False
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.Abort:
            echo("\nAborted!" if stderr_is_terminal() else "Aborted!", err=True)
            code = 1
        except click.ClickException as exc:
            exc.show(file=cast(IO[Any], _PrintableStderr()))
            code = exc.exit_code
        code = code if isinstance(code, int) else 0
        if code == 0 and not _stopped:
            atexit.register(gc.freeze)
        sys.exit(code)


# Set by a command that Ctrl-C ends as it should (watch): it ends well, but may have stopped
# a build on the way, whose objects are still held (see Main.main).
_stopped = False


def stopped(message: str) -> None:
    """Say that Ctrl-C ended the command, on a line of its own."""
    global _stopped
    _stopped = True
    echo(f"\n{message}" if stderr_is_terminal() else message, err=True)


STDOUT_CLOSED = "standard output was closed before all was written (broken pipe)"


def _stdout_closed() -> None:
    """Point standard output at /dev/null, so that Python does not complain a second time
    when it flushes it on the way out."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def stop_on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM unwinds like Ctrl-C: partial files are removed, workers and ffmpeg stopped."""
    echo("audionews: stopped (SIGTERM); earlier episodes are untouched", err=True)
    raise SystemExit(128 + signum)


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
        if stderr_is_terminal():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="article", file=sys.stderr, dynamic_ncols=True)

    def hooks(self) -> BatchHooks:
        return {"on_start": self.start, "on_done": self.done}

    def __enter__(self) -> BatchReporter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close()
        # A batch that was stopped says so in one line (the CLI's); a finished one shows its table.
        if self.results and kind is None:
            batch_summary(self.results, time.monotonic() - self.started)

    def start(self, article: Path) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(printable(article.name)[:40])

    def done(self, result: BatchResult) -> None:
        self.finished += 1
        self.results.append(result)
        if self.bar is not None:
            self.bar.update(1)
            if result.error:
                self.bar.write(
                    printable(f"failed {result.article}: {result.error}"), file=sys.stderr
                )
            return
        elapsed = time.monotonic() - self.started
        remaining = elapsed / self.finished * (self.total - self.finished)
        detail = f": {result.error}" if result.error else ""
        echo(
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
    echo("\n".join(lines), err=True)


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
    interactive = stderr_is_terminal()
    last_shown: dict[str, int] = {}

    def show(name: str, done: int, total: int) -> None:
        if interactive:
            _emit(f"\r{printable(name)}: {done}/{total}", err=True, nl=False)
            if done == total:
                echo("", err=True)
            return
        step = max(1, total // 4)
        if done == total or done - last_shown.get(name, -step) >= step:
            last_shown[name] = done
            echo(f"{name}: {done}/{total}", err=True)

    if stage is None:
        return show
    return lambda done, total: show(stage, done, total)


def notes(notices: Iterable[str]) -> None:
    for notice in notices:
        echo(f"audionews: note: {notice}", err=True)


def episode_report(episode: Episode, *, with_chapters: bool) -> None:
    """What ``build`` says when it is done, on stderr."""
    measured = episode.measured
    echo(
        f"wrote {episode.mp3} ({clock(episode.track_duration_s)}, "
        f"{len(episode.chapters)} chapters, {episode.preset.name}: "
        f"{measured.lufs:.1f} LUFS, true peak {measured.true_peak:.1f} dBTP)",
        err=True,
    )
    for number, chapter in enumerate(episode.chapters if with_chapters else (), start=1):
        echo(f"  {number:>2}  {clock(chapter.start_ms / 1000)}  {chapter.title}", err=True)


def watch_report(result: WatchResult) -> None:
    """A line on stderr for each build ``watch`` makes, after its notes."""
    notes(result.notices)
    if result.episode is not None:
        episode, measured = result.episode, result.episode.measured
        echo(
            f"built {episode.mp3} in {result.seconds:.2f} s ({clock(episode.track_duration_s)}, "
            f"{len(episode.chapters)} chapters, {measured.lufs:.1f} LUFS, "
            f"true peak {measured.true_peak:.1f} dBTP)",
            err=True,
        )
    elif result.error is not None:
        echo(f"audionews: {result.error}", err=True)
    else:
        echo(f"{result.mp3} is up to date", err=True)


def _indent(level: int, top: int) -> str:
    """Two spaces for each level below the top one: a section's parts stand under it."""
    return "  " * max(0, level - top)


def chapter_listing(episode: Path, marks: list[Chapter]) -> None:
    if not marks:
        echo(f"{episode}: no chapters", err=True)
    # The opening is level 1 and the sections 2: both stand at the margin.
    top = max(2, min((mark.level for mark in marks), default=1))
    for number, mark in enumerate(marks, start=1):
        start, end = clock(mark.start_ms / 1000), clock(mark.end_ms / 1000)
        echo(f"{number:>3}  {start}  {end}  {_indent(mark.level, top)}{mark.title}")


def script_listing(script: Script) -> None:
    for number, chapter in enumerate(script.chapters, start=1):
        echo(f"{_indent(chapter.level, 2)}== Chapter {number}: {chapter.title}")
        for segment in chapter.segments:
            who = f" ({segment.speaker})" if segment.speaker else ""
            said = f"\n      spoken: {segment.spoken}" if segment.spoken != segment.text else ""
            echo(f"  [{segment.role.value}{who}] {segment.text}{said}")


def voices_listing(
    installed: list[ListedVoice], profiles: list[tuple[VoiceProfile, str | None]]
) -> None:
    from audionews.audio.voices import ROLE_TABLES

    echo("Voice profiles (--voices NAME):")
    for profile, problem in profiles:
        roles = ", ".join(f"{ROLE_TABLES[r]} {v.voice}" for r, v in profile.voices.items())
        echo(f"  {profile.name:<12} {roles}")
        for line in (profile.description, f"problem: {problem}" if problem else ""):
            if line:
                echo(f"  {'':<12} {line}")
    echo("")
    echo(f"Installed espeak-ng voices ({len(installed)}; add a variant with +f3, +m3, …):")
    for voice in installed:
        echo(f"  {voice.language:<16} {voice.name:<32} {voice.identifier}")
