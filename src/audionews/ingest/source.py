"""Reading an article file's bytes into text, with a precise error for every way that fails."""

from __future__ import annotations

import codecs
from pathlib import Path

from audionews.errors import ArticleError

# Bytes that never occur in text: a file holding them is an image, an executable, an archive.
_CONTROL_BYTES = frozenset(range(0, 32)) - {9, 10, 12, 13}


def read_text(path: Path) -> str:
    """Return the text of an article file, newlines normalised to ``\\n``.

    Raises ArticleError naming the file for a missing path, a folder, an unreadable or empty
    file, binary data, or bytes that are not UTF-8.
    """
    return decode_text(path, read_bytes(path))


def read_bytes(path: Path) -> bytes:
    """The bytes of an article file; ArticleError for a missing, folder, unreadable or empty one."""
    if not path.exists():
        raise ArticleError(path, "no such file")
    if path.is_dir():
        raise ArticleError(path, "is a folder, not an article file")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise ArticleError(path, "permission denied") from None
    except OSError as exc:
        raise ArticleError(path, exc.strerror or str(exc)) from None
    if not data:
        raise ArticleError(path, "the file is empty")
    return data


def decode_text(path: Path, data: bytes) -> str:
    """Text from a text or Markdown file's bytes; ArticleError for binary or non-UTF-8 data."""
    text = _decode(path, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ArticleError(path, "the file holds only white space")
    return text


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ArticleError(path, f"broken UTF-16 (at byte {exc.start})") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    sample = data[:8192]
    if b"\x00" in sample or _control_share(sample) > 0.05:
        raise ArticleError(path, "binary data, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise ArticleError(path, f"not UTF-8 (byte 0x{bad:02x} at {exc.start})") from None


def _control_share(sample: bytes) -> float:
    if not sample:
        return 0.0
    return sum(1 for byte in sample if byte in _CONTROL_BYTES) / len(sample)
