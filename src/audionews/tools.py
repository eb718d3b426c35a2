"""The external programs audionews needs, found up front, and the one way they are called."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from collections.abc import Sequence

from audionews.errors import EncodingError, ToolMissingError

ESPEAK_LIBRARIES = ("libespeak-ng.so.1", "libespeak-ng.1.dylib", "libespeak.so.1")


def require_ffmpeg() -> str:
    """The path of ffmpeg, or ToolMissingError naming the package that provides it."""
    path = shutil.which("ffmpeg")
    if path is None:
        raise ToolMissingError("ffmpeg", "ffmpeg")
    return path


def require_ffprobe() -> str:
    path = shutil.which("ffprobe")
    if path is None:
        raise ToolMissingError("ffprobe", "ffmpeg")
    return path


def require_espeak() -> None:
    """Check that espeak-ng, the program and the library pyttsx3 loads, is installed."""
    if shutil.which("espeak-ng") is None:
        raise ToolMissingError("espeak-ng", "espeak-ng")
    for name in ESPEAK_LIBRARIES:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return
    raise ToolMissingError("the espeak-ng library", "libespeak-ng1")


def run_ffmpeg(
    arguments: Sequence[str], *, stdin: bytes | None = None, log_level: str = "error"
) -> str:
    """Run ffmpeg with ``arguments``; return what it logged, or raise EncodingError.

    Arguments are passed as a list, never through a shell, so nothing from an article (a
    title in metadata, a file name) can be read as a command.
    """
    command = [
        require_ffmpeg(),
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        log_level,
        *arguments,
    ]
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, check=False)
    except OSError as exc:
        raise EncodingError(f"ffmpeg could not be started: {exc}") from None
    log = result.stderr.decode("utf-8", "replace")
    if result.returncode != 0:
        lines = [line for line in log.strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit status {result.returncode}"
        raise EncodingError(f"ffmpeg failed: {last}")
    return log
