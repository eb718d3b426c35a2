"""Reading article files: every way a file can be unusable gives one precise error."""

from __future__ import annotations

from pathlib import Path

import pytest

from audionews.errors import ArticleError
from audionews.ingest import ArticleFormat, detect_format
from audionews.ingest.source import decode_text, read_text


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"  \n\t\n  ", "only white space", id="whitespace"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary data", id="png"),
        pytest.param(b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "binary data", id="executable"),
    ],
)
def test_unusable_files_are_named_with_their_cause(tmp_path: Path, content: bytes, cause: str):
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError) as caught:
        read_text(path)
    assert str(caught.value).startswith(f"cannot read {path}: ")
    assert cause in str(caught.value)


def test_missing_file(tmp_path: Path):
    with pytest.raises(ArticleError, match="no such file"):
        read_text(tmp_path / "nope.txt")


def test_folder(tmp_path: Path):
    with pytest.raises(ArticleError, match="is a folder"):
        read_text(tmp_path)


def test_utf8_bom_and_crlf_are_accepted(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbfHeadline\r\n\r\nBody text here.\r\n")
    assert read_text(path) == "Headline\n\nBody text here.\n"


def test_windows_1252_is_read_with_a_notice(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"Title\n\nHe said \x93hello\x94 to us.")
    text, notices = decode_text(path, path.read_bytes())
    assert "He said “hello” to us." in text
    assert notices == [f"{path}: not UTF-8 (byte 0x93 at 15), read as Windows-1252"]


def test_utf16_with_bom_is_read(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_bytes("Headline\n\nQuay Row “floods”.\n".encode("utf-16"))
    assert "“floods”" in read_text(path)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param("a.txt", "Title\n\nBody.", ArticleFormat.TEXT, id="txt"),
        pytest.param("a.md", "# Title\n\nBody.", ArticleFormat.MARKDOWN, id="md"),
        pytest.param("a.htm", "<p>x</p>", ArticleFormat.HTML, id="htm-extension"),
        pytest.param("article", "<!DOCTYPE html><html>", ArticleFormat.HTML, id="html-content"),
        pytest.param("article", "Title\n\nBody.", ArticleFormat.TEXT, id="no-extension"),
    ],
)
def test_format_detection(name: str, text: str, expected: ArticleFormat):
    assert detect_format(Path(name), text) is expected
