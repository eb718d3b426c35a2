"""Article files in, Article out: format detection and one reader per format."""

from __future__ import annotations

import enum
import re
from pathlib import Path

from audionews.article import Article
from audionews.errors import ArticleError
from audionews.ingest.source import read_text
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

_HTML_START = re.compile(r"\A\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.I)


def detect_format(path: Path, text: str) -> ArticleFormat:
    """The article's format: from its content when that is unmistakable, else its extension."""
    if _HTML_START.match(text):
        return ArticleFormat.HTML
    return _EXTENSIONS.get(path.suffix.lower(), ArticleFormat.TEXT)


def read_article(path: Path | str, fmt: ArticleFormat | None = None) -> Article:
    """Read and parse one article file."""
    path = Path(path)
    text = read_text(path)
    fmt = fmt or detect_format(path, text)
    if fmt is not ArticleFormat.TEXT:
        raise ArticleError(path, f"{fmt.value} articles are not supported yet; use plain text")
    return parse_text(text, source=path)


__all__ = ["ArticleFormat", "detect_format", "parse_text", "read_article"]
