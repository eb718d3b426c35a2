"""Reading an article file's bytes into text, with a precise error for every way that fails."""

from __future__ import annotations

import codecs
import dataclasses
import re
from pathlib import Path
from typing import TypeVar

from audionews.errors import ArticleError
from audionews.files import TooLarge, UnreadableFile, read_regular

# A generous bound: the longest articles are a few hundred kilobytes, the heaviest web pages
# a few megabytes. It is checked before a byte is read (--max-article-size raises it).
DEFAULT_MAX_ARTICLE_BYTES = 32 << 20
# What a terminal, a tag or a subtitle must never be given: C0 controls but tab and newline,
# DEL, and the C1 controls (ESC [ and CSI both start terminal escape sequences).
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Bytes that never occur in text: a file holding them is an image, an executable, an archive.
_CONTROL_BYTES = frozenset(range(0, 32)) - {9, 10, 12, 13}


def strip_controls(text: str) -> str:
    """``text`` without control characters (tab and newline kept)."""
    return CONTROLS.sub("", text)


_Value = TypeVar("_Value")


def without_controls(value: _Value) -> _Value:
    """An article (or any of its blocks, or text in them) with control characters stripped
    from all its text: whatever a page's entities or front matter's escapes made of them,
    no title, heading or sentence carries one into a tag, a subtitle or a terminal."""
    if isinstance(value, str):
        return strip_controls(value)  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(without_controls(item) for item in value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: without_controls(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    return value


def read_text(path: Path) -> str:
    """Return the text of an article file, newlines normalised to ``\\n``.

    Raises ArticleError naming the file for a missing path, a folder, an unreadable or empty
    file, or binary data.
    """
    text, _ = decode_text(path, read_bytes(path))
    return text


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES) -> bytes:
    """The bytes of an article file; ArticleError for a missing, folder, unreadable or empty
    one, one that is not a regular file (a FIFO, a device) or is larger than ``max_bytes``:
    all found before anything is read."""
    try:
        data = read_regular(path, max_bytes)
    except TooLarge as exc:
        raise ArticleError(path, f"{exc.cause} (--max-article-size raises the limit)") from None
    except UnreadableFile as exc:
        cause = (
            "is a folder, not an article file" if exc.cause.startswith("is a folder") else exc.cause
        )
        raise ArticleError(path, cause) from None
    if not data:
        raise ArticleError(path, "the file is empty")
    return data


def decode_text(path: Path, data: bytes) -> tuple[str, list[str]]:
    """Text from a text or Markdown file's bytes, and notices about how it was read.

    UTF-8 (with or without a BOM) is read as it is; UTF-16 with a BOM and Windows-1252 (the
    "smart quotes" of older editors) are read correctly, with a notice; binary data is an
    ArticleError.
    """
    text, notices = _decode(path, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ArticleError(path, "the file holds only white space")
    return text, notices


def _decode(path: Path, data: bytes) -> tuple[str, list[str]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), [f"{path}: read as UTF-16 (it has a UTF-16 BOM)"]
        except UnicodeDecodeError as exc:
            raise ArticleError(path, f"broken UTF-16 (at byte {exc.start})") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    sample = data[:8192]
    if b"\x00" in sample or _control_share(sample) > 0.05:
        raise ArticleError(path, "binary data, not text")
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        at, bad = exc.start, data[exc.start]
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ArticleError(
            path, f"neither UTF-8 nor Windows-1252 (byte 0x{bad:02x} at {at})"
        ) from None
    return text, [f"{path}: not UTF-8 (byte 0x{bad:02x} at {at}), read as Windows-1252"]


def _control_share(sample: bytes) -> float:
    if not sample:
        return 0.0
    return sum(1 for byte in sample if byte in _CONTROL_BYTES) / len(sample)
