"""Article files in, Article out: format detection and one reader per format."""

from __future__ import annotations

import dataclasses
import enum
import re
from pathlib import Path

from audionews.article import Article
from audionews.errors import ArticleError, AudionewsError
from audionews.ingest.source import (
    DEFAULT_MAX_ARTICLE_BYTES,
    decode_text,
    read_bytes,
    without_controls,
)
from audionews.ingest.text import parse_text


class ArticleFormat(enum.Enum):
    """The formats an article file can be in."""

    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


_EXTENSIONS = {
    ".txt": ArticleFormat.TEXT,
    ".text": ArticleFormat.TEXT,
    ".md": ArticleFormat.MARKDOWN,
    ".markdown": ArticleFormat.MARKDOWN,
    ".html": ArticleFormat.HTML,
    ".htm": ArticleFormat.HTML,
}

_HTML_START = re.compile(
    r"\A(?:\ufeff)?\s*(?:<!--.*?-->\s*)*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])",
    re.I | re.S,
)
_MARKDOWN_HINTS = re.compile(
    r"\A---\s*\n.*?\n---\s*\n|^#{1,6} \S|^\S.*\n(?:=+|-+)\s*$", re.M | re.S
)


def detect_format(path: Path, text: str) -> ArticleFormat:
    """The article's format: from its content when that is unmistakable, else its extension.

    A file without a known extension is HTML when it starts like a page, Markdown when it has
    front matter or Markdown headings, and plain text otherwise.
    """
    if _HTML_START.match(text):
        return ArticleFormat.HTML
    by_extension = _EXTENSIONS.get(path.suffix.lower())
    if by_extension is not None:
        return by_extension
    if _MARKDOWN_HINTS.search(text):
        return ArticleFormat.MARKDOWN
    return ArticleFormat.TEXT


def read_article(
    path: Path | str,
    fmt: ArticleFormat | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
) -> Article:
    """Read and parse one article file, control characters stripped from all its text.

    Any failure is an ArticleError naming the file: a reader that trips over one article's
    content (a charset that is not a text encoding, a bug) spoils that article only.
    """
    path = Path(path)
    return parse_article(path, read_bytes(path, max_bytes), fmt)


def parse_article(path: Path, data: bytes, fmt: ArticleFormat | None = None) -> Article:
    """``read_article`` of ``data``, the bytes read from ``path`` (a build keys its episode by
    the very bytes it parsed, not by the file as it is later)."""
    try:
        article = _parse(path, data, fmt)
    except AudionewsError:
        raise
    except Exception as exc:
        detail = " ".join(str(exc).split())
        raise ArticleError(path, f"unexpected {type(exc).__name__}: {detail}") from exc
    return without_controls(article)


def _parse(path: Path, data: bytes, fmt: ArticleFormat | None) -> Article:
    sniffed = data[:2048].decode("utf-8", errors="ignore")
    fmt = fmt or detect_format(path, sniffed)
    if fmt is ArticleFormat.HTML:
        from audionews.ingest.html import decode_html, parse_html

        html_text, notices = decode_html(data, path)
        return parse_html(html_text, source=path, notices=notices)
    text, notices = decode_text(path, data)
    if fmt is ArticleFormat.MARKDOWN:
        from audionews.ingest.markdown import parse_markdown

        article = parse_markdown(text, source=path)
    else:
        article = parse_text(text, source=path)
    return dataclasses.replace(article, notices=(*notices, *article.notices))


__all__ = [
    "ArticleFormat",
    "detect_format",
    "parse_article",
    "parse_text",
    "read_article",
    "read_bytes",
]
