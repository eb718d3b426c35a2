"""The pronunciation lexicon: written forms and how to say them.

A lexicon file is TOML. Simple entries go in ``[words]``; entries with options in ``[[entry]]``::

    [words]
    Zelenskyy = "Zelensky"
    Callow = "Kal-oh"

    [[entry]]
    written = "Reading"      # the town, not the verb
    spoken = "Redding"
    case_sensitive = true    # default false
    whole_word = true        # default true: "Reading" inside "Readings" is left alone

Lexicons stack: the built-in default, then a voice profile's ``[lexicon]`` table, then a user's
file (``--lexicon FILE``); a later entry for the same written form wins. When entries overlap
in the text, the longest written form wins ("New York Times" before "New York").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from audionews import data
from audionews.errors import LexiconError


@dataclass(frozen=True)
class Entry:
    """One lexicon entry."""

    written: str
    spoken: str
    case_sensitive: bool = False
    whole_word: bool = True


class Lexicon:
    """A set of entries applied to text in one pass, longest written form first."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        by_key: dict[tuple[str, bool], Entry] = {}
        for entry in entries:
            key = (
                entry.written if entry.case_sensitive else entry.written.lower(),
                entry.case_sensitive,
            )
            by_key[key] = entry
        self.entries = tuple(sorted(by_key.values(), key=lambda e: -len(e.written)))
        self._pattern = self._compile()

    def _compile(self) -> re.Pattern[str] | None:
        if not self.entries:
            return None
        alternatives = []
        for index, entry in enumerate(self.entries):
            body = re.escape(entry.written)
            if entry.whole_word:
                body = rf"(?<!\w){body}(?!\w)"
            if not entry.case_sensitive:
                body = f"(?i:{body})"
            alternatives.append(f"(?P<e{index}>{body})")
        return re.compile("|".join(alternatives))

    def __len__(self) -> int:
        return len(self.entries)

    def apply(self, text: str) -> str:
        if self._pattern is None:
            return text

        def replace(match: re.Match[str]) -> str:
            index = int(match.lastgroup[1:]) if match.lastgroup else 0
            return self.entries[index].spoken

        return self._pattern.sub(replace, text)

    def merged(self, other: Lexicon) -> Lexicon:
        """This lexicon with ``other``'s entries added, ``other`` winning on the same form."""
        return Lexicon([*self.entries, *other.entries])


def parse_lexicon(data: Mapping[str, object], where: str) -> Lexicon:
    """Entries from a parsed TOML document (a lexicon file or a profile's [lexicon] table)."""
    entries: list[Entry] = []
    words = data.get("words", {})
    if not isinstance(words, dict):
        raise LexiconError(f"{where}: [words] must be a table of written = spoken")
    for written, spoken in words.items():
        if not isinstance(spoken, str) or not written.strip():
            raise LexiconError(f"{where}: [words] {written!r} must map to a string")
        entries.append(Entry(written, spoken))
    listed = data.get("entry", [])
    if not isinstance(listed, list):
        raise LexiconError(f"{where}: entry must be an array of tables ([[entry]])")
    for number, item in enumerate(listed, start=1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("written"), str)
            or not (isinstance(item.get("spoken"), str))
        ):
            raise LexiconError(f"{where}: entry {number} needs written and spoken strings")
        unknown = set(item) - {"written", "spoken", "case_sensitive", "whole_word"}
        if unknown:
            raise LexiconError(f"{where}: entry {number} has unknown keys: {sorted(unknown)}")
        entries.append(
            Entry(
                item["written"],
                item["spoken"],
                bool(item.get("case_sensitive", False)),
                bool(item.get("whole_word", True)),
            )
        )
    return Lexicon(entries)


def load_lexicon(path: Path) -> Lexicon:
    """A user's lexicon file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LexiconError(f"lexicon {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"lexicon {path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"lexicon {path}: not valid TOML ({exc})") from None
    return parse_lexicon(data, f"lexicon {path}")


def default_lexicon() -> Lexicon:
    """The lexicon shipped with audionews."""
    text = data.LEXICON.read_text("utf-8")
    return parse_lexicon(tomllib.loads(text), "built-in lexicon")
