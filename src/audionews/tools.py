"""The external programs audionews runs (ffmpeg, espeak-ng): found up front, and started only
here, each failure turned into the error its caller names.

- Arguments are a list, never a shell line, so nothing from an article (a title, a file name)
  can be read as a command.
- A program that is missing is a ``ToolMissingError`` naming the package to install; one that
  cannot be started, times out or fails is the program's own error (``EncodingError`` for
  ffmpeg, ``SynthesisError`` for espeak-ng) with the last line it logged.
- Ctrl-C or SIGTERM while a program starts is held until it has started, then stops it: no
  program is ever left running (and writing an output file) after audionews has stopped.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from audionews.errors import AudionewsError, EncodingError, SynthesisError, ToolMissingError

ESPEAK_LIBRARIES = ("libespeak-ng.so.1", "libespeak-ng.1.dylib", "libespeak.so.1")
_STOPS = {signal.SIGINT, signal.SIGTERM}


@dataclass(frozen=True)
class Program:
    """An external program: its name, the Debian package that has it, the error it raises."""

    name: str
    package: str
    error: type[AudionewsError]


FFMPEG = Program("ffmpeg", "ffmpeg", EncodingError)
ESPEAK = Program("espeak-ng", "espeak-ng", SynthesisError)


@dataclass(frozen=True)
class Completed:
    """What a program that succeeded left: its standard output and its log (stderr)."""

    stdout: bytes
    log: str


def require(program: Program) -> str:
    """The path of ``program``, or ToolMissingError naming the package that provides it."""
    path = shutil.which(program.name)
    if path is None:
        raise ToolMissingError(program.name, program.package)
    return path


def require_ffmpeg() -> str:
    return require(FFMPEG)


def require_espeak() -> None:
    """Check that espeak-ng, the program and the library pyttsx3 loads, is installed."""
    require(ESPEAK)
    for name in ESPEAK_LIBRARIES:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return
    raise ToolMissingError("the espeak-ng library", "libespeak-ng1")


@contextlib.contextmanager
def stops_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then act as they would have.

    Blocking the signals is not enough: the operating system hands a signal to any thread
    that does not block it (numpy's own threads, say), and Python then raises in the main
    thread at its next step, wherever that is. So the handlers themselves are swapped for
    ones that only note the signal; a process started in the block is owned before the
    stop is acted on. Only the main thread can change handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = {number: signal.getsignal(number) for number in _STOPS}
    held = [n for n, handler in previous.items() if handler not in (signal.SIG_IGN, None)]
    for number in held:
        signal.signal(number, lambda signum, frame: noted.append(signum))
    try:
        yield
    finally:
        for number in held:
            signal.signal(number, previous[number])
        for signum in noted:
            handler = previous[signal.Signals(signum)]
            if callable(handler):
                handler(signum, None)
            else:  # the default action: deliver it again, now that it is no longer held
                os.kill(os.getpid(), signum)


def _start(program: Program, command: list[str], **popen: object) -> subprocess.Popen[bytes]:
    """Start ``command``; the caller holds stops (``stops_held``) until it owns the process."""
    try:
        process: subprocess.Popen[bytes] = subprocess.Popen(command, **popen)  # type: ignore[call-overload]
    except OSError as exc:
        raise program.error(f"{program.name} could not be started: {exc}") from None
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.wait()


def _failure(program: Program, returncode: int, log: str, doing: str) -> AudionewsError:
    lines = [line for line in log.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit status {returncode}"
    return program.error(f"{program.name} failed{f' to {doing}' if doing else ''}: {last}")


def run(
    program: Program,
    arguments: Sequence[str],
    *,
    stdin: bytes | None = None,
    timeout: float | None = None,
    doing: str = "",
) -> Completed:
    """Run ``program`` to the end; its output, or its error. ``doing`` names the task in the
    message ("decode episode.mp3")."""
    command = [require(program), *arguments]
    process: subprocess.Popen[bytes] | None = None
    try:
        with stops_held():
            process = _start(
                program,
                command,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        try:
            out, err = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise program.error(f"{program.name} took more than {timeout:g} s") from None
    except BaseException:
        if process is not None and process.poll() is None:
            _stop(process)
        raise
    log = err.decode("utf-8", "replace")
    if process.returncode != 0:
        raise _failure(program, process.returncode, log, doing)
    return Completed(out, log)


def ffmpeg_arguments(arguments: Sequence[str], log_level: str = "error") -> list[str]:
    """ffmpeg's quiet, non-interactive flags before ``arguments``."""
    return ["-hide_banner", "-nostdin", "-nostats", "-loglevel", log_level, *arguments]


def run_ffmpeg(
    arguments: Sequence[str],
    *,
    stdin: bytes | None = None,
    log_level: str = "error",
    doing: str = "",
) -> Completed:
    """Run ffmpeg to the end: EncodingError if it fails."""
    return run(FFMPEG, ffmpeg_arguments(arguments, log_level), stdin=stdin, doing=doing)


def run_espeak(arguments: Sequence[str], *, timeout: float = 30) -> Completed:
    """Run the espeak-ng program: SynthesisError if it fails, ToolMissingError if absent."""
    return run(ESPEAK, arguments, timeout=timeout)
