"""The external programs audionews needs, found up front, and the one way they are called."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import threading
from collections.abc import Iterable, Sequence

from audionews.errors import EncodingError, ToolMissingError

ESPEAK_LIBRARIES = ("libespeak-ng.so.1", "libespeak-ng.1.dylib", "libespeak.so.1")


def require_ffmpeg() -> str:
    """The path of ffmpeg, or ToolMissingError naming the package that provides it."""
    path = shutil.which("ffmpeg")
    if path is None:
        raise ToolMissingError("ffmpeg", "ffmpeg")
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


def stream_ffmpeg(arguments: Sequence[str], chunks: Iterable[bytes]) -> None:
    """Run ffmpeg with ``arguments``, writing ``chunks`` to its standard input as they come.

    EncodingError if it fails; ffmpeg is stopped if the chunks cannot be produced.
    """
    command = [
        require_ffmpeg(),
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        "error",
        *arguments,
    ]
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
    except OSError as exc:
        raise EncodingError(f"ffmpeg could not be started: {exc}") from None
    assert process.stdin is not None and process.stderr is not None
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
    reader.start()
    try:
        for chunk in chunks:
            process.stdin.write(chunk)
        process.stdin.close()
    except BrokenPipeError:
        pass  # ffmpeg stopped reading: its exit status and message say why
    except BaseException:
        process.kill()
        process.wait()
        reader.join()
        process.stderr.close()
        raise
    returncode = process.wait()
    reader.join()
    process.stderr.close()
    if returncode != 0:
        lines = [
            line
            for line in b"".join(errors).decode("utf-8", "replace").splitlines()
            if line.strip()
        ]
        raise EncodingError(f"ffmpeg failed: {lines[-1] if lines else f'exit status {returncode}'}")
