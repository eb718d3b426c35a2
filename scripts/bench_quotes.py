"""Quotations, speakers, language and headings on our own gold set (issue 16).

    scripts/bench_quotes.py [--json] [--gold DIR] [ARTICLE ...]

Every article in tests/gold/quotes has a gold file beside it (same stem, .json) that lists
each quoted span as written, its expected role and speaker, and style tags; see
tests/gold/quotes/README.md for the format. For each article this script reads it through
the library (`read_script`, the only function here that calls audionews), aligns every gold
span to the script's segments by words, and prints:

- role accuracy: spans whose every word is carried by segments of the expected role;
- speaker accuracy over quotations whose speaker is named (a person or an organisation):
  every word carried by a quote segment whose speaker is the expected full name, after
  normalising case, whitespace, punctuation and honorifics; and for documents and anonymous
  sources, whether no person of the article was named instead ("unnamed ok");
- quotation words lost: gold words the script does not carry at all;
- the language detected against the expected one, and the headings found against expected;

per style tag, per article and overall. `--json` prints the same figures as JSON on stdout.

How a span is found (robust to sentence splitting, cues and announcements the script adds):
the article file is reduced to a stream of normalised words (HTML tags dropped, entities
decoded; Markdown marks are punctuation and vanish), the span is located in that stream
exactly (the annotation is checked against the article this way), and the article's stream
is aligned to the script's stream of words once, monotonically, with difflib. A span's
word is then carried by the segment its aligned script word belongs to, or lost.
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "quotes"
ROLES = ("quote", "narration", "either")
SOURCES = ("person", "organisation", "document", "anonymous")
NAMED_SOURCES = ("person", "organisation")

# Every tag a gold span may carry; a typo in a gold file is an error, not a new style.
TAGS = {
    "said-x": 'attribution after the quote, verb first: "…," said X',
    "x-said": 'attribution after the quote, name first: "…," X said',
    "according-to": '"…," according to X',
    "colon-intro": "X said: / X a déclaré : before the quotation",
    "continuation": "the attribution is in a neighbouring sentence or quotation",
    "split": '"First part," X said, "second part."',
    "multi-paragraph": "one quotation over several paragraphs",
    "role-noun": "a role noun or title before the name (with or without a comma)",
    "context": '"Asked whether …, X paused." then a paragraph that is only a quotation',
    "pronoun": "attributed with she/he/they (or il/elle, él/ella)",
    "particle": "a name with a particle, hyphen or apostrophe",
    "surname-only": "a later reference by surname alone",
    "interview": "an answer (or question) in an interview",
    "interview-question": "the interviewer's question: narrator's voice, never the guest's",
    "french-incise": "an attribution clause inside guillemets or dashes",
    "dialogue-dash": "dialogue introduced by a dash",
    "nested": "a quotation inside another; stays with the outer speaker",
    "anonymous": "an unnamed source (no person of the article is right)",
    "organisation": "an organisation speaks",
    "document": "a document speaks (a report, a letter, a statement)",
    "title-of-work": "a title in quotation marks: narration",
    "scare-quote": "words in quotation marks that nobody is quoted as saying: narration",
    "partial": "a few quoted words inside reported speech",
    "blockquote": "a block quotation (HTML blockquote, Markdown >)",
    "caption": "in a figure's caption",
}


class GoldError(Exception):
    """A gold file that is malformed or does not match its article."""


# --- words ---------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Normalised words: NFKC, case-folded, split at anything that is not a letter or digit.

    Quotation marks, apostrophes, hyphens and Markdown or HTML punctuation all vanish, so
    "O’Neill" and "O'Neill" are both ["o", "neill"] and a cue's punctuation never matters.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return [w for w in _WORD.findall(text) if w != "_" * len(w)]


_HONORIFICS = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "m", "mme", "mlle", "me", "sr", "sra", "srta", "don", "doña", "dona", "cllr", "councillor",
}  # fmt: skip


def normal_name(name: str | None) -> str:
    """A speaker's name compared by words, without honorifics or a leading "the"."""
    if not name:
        return ""
    found = words(name)
    while found and (found[0] in _HONORIFICS or found[0] == "the"):
        found = found[1:]
    return " ".join(found)


# --- the article as a stream of words ------------------------------------------------------

_HTML_DROP = re.compile(r"<(script|style|template|head)\b.*?</\1\s*>", re.I | re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_TAG = re.compile(r"<[^>]*>")


def source_text(path: Path) -> str:
    """The article's text with markup removed, for locating gold spans (not for the library)."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".html", ".htm"):
        raw = _HTML_COMMENT.sub(" ", _HTML_DROP.sub(" ", raw))
        raw = html.unescape(_HTML_TAG.sub(" ", raw))
    return raw


def find_sequence(haystack: Sequence[str], needle: Sequence[str], start: int = 0) -> int:
    """Index of the first exact occurrence of needle in haystack at or after start, or -1."""
    if not needle:
        return -1
    first = needle[0]
    for index in range(start, len(haystack) - len(needle) + 1):
        if haystack[index] == first and list(haystack[index : index + len(needle)]) == list(
            needle
        ):
            return index
    return -1


# --- gold files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One quoted span of a gold article, located in the article's word stream."""

    text: str
    role: str
    speaker: str | None
    source: str | None
    tags: tuple[str, ...]
    start: int  # index of its first word in the article's word stream
    size: int  # number of words


@dataclass(frozen=True)
class GoldArticle:
    path: Path
    language: str
    styles: tuple[str, ...]
    title: str
    headings: tuple[tuple[str, int], ...]
    people: dict[str, str]
    spans: tuple[Span, ...]
    stream: tuple[str, ...] = field(repr=False)


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise GoldError(f"{where}: {message}")


def load_gold(json_path: Path) -> GoldArticle:
    """Read one gold file, check it, and locate every span in its article."""
    where = str(json_path)
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GoldError(f"{where}: {exc}") from None
    _require(isinstance(data, dict), where, "not a JSON object")
    article = json_path.parent / str(data.get("article", ""))
    _require(article.is_file() and article.stem == json_path.stem, where, "no such article")
    stream = words(source_text(article))
    people = data.get("people", {})
    _require(isinstance(people, dict), where, "people must map full names to genders")
    headings = tuple((str(h["title"]), int(h["level"])) for h in data.get("headings", []))
    for title, level in headings:
        _require(level in (2, 3, 4), where, f"heading {title!r}: level must be 2 to 4")
        _require(find_sequence(stream, words(title)) >= 0, where, f"heading {title!r} not found")
    spans: list[Span] = []
    previous = 0
    for number, item in enumerate(data.get("quotes", []), start=1):
        here = f"{where}: quote {number}"
        text = str(item.get("text", ""))
        role, speaker, source = item.get("role"), item.get("speaker"), item.get("source")
        tags = tuple(item.get("tags", ()))
        _require(role in ROLES, here, f"role must be one of {ROLES}")
        unknown = [tag for tag in tags if tag not in TAGS]
        _require(not unknown, here, f"unknown tags {unknown}")
        if role == "narration":
            _require(speaker is None and source is None, here, "narration has no speaker")
        else:
            _require(source in SOURCES, here, f"source must be one of {SOURCES}")
            if source in NAMED_SOURCES:
                _require(bool(speaker), here, "a named source needs its speaker")
                _require(
                    find_sequence(stream, words(speaker)) >= 0,
                    here,
                    f"speaker {speaker!r} is not named in the article",
                )
            else:
                _require(speaker is None, here, f"a {source} source has no speaker name")
        if source == "person":
            _require(speaker in people, here, f"speaker {speaker!r} is not among people")
        needle = words(text)
        # Spans are listed in reading order by where they start; a nested span starts inside
        # the one before it, so the search starts where the previous span started.
        start = find_sequence(stream, needle, previous)
        _require(start >= 0, here, f"text not found in the article after quote {number - 1}")
        previous = start
        spans.append(Span(text, role, speaker, source, tags, start, len(needle)))
    return GoldArticle(
        path=article,
        language=str(data.get("language", "")),
        styles=tuple(data.get("styles", ())),
        title=str(data.get("title", "")),
        headings=headings,
        people={str(k): str(v) for k, v in people.items()},
        spans=tuple(spans),
        stream=tuple(stream),
    )


def gold_files(folder: Path, only: Iterable[str] = ()) -> list[Path]:
    wanted = set(only)
    found = sorted(folder.glob("*.json"))
    if wanted:
        found = [p for p in found if p.stem in wanted or p.name in wanted]
    return found
