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
    file, or binary data.
    """
    text, _ = decode_text(path, read_bytes(path))
    return text


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
