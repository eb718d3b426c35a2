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
from typing import Any

from audionews import data
from audionews.errors import LexiconError
from audionews.files import UnreadableFile, read_regular


@dataclass(frozen=True)
class Entry:
    """One lexicon entry."""

    written: str
    spoken: str
    case_sensitive: bool = False
    whole_word: bool = True


class Lexicon:
    """A set of entries applied to text in one pass, longest written form first.

    Matching walks a trie of the written forms (case folded) from each place a form can
    start, so a lexicon of 50,000 entries costs no more per character than one of five (one
    regular expression of 50,000 alternatives took minutes over three sentences).
    """

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        by_key: dict[tuple[str, bool], Entry] = {}
        for entry in entries:
            key = (
                entry.written if entry.case_sensitive else entry.written.lower(),
                entry.case_sensitive,
            )
            by_key[key] = entry
        # Longest first: at one place in the text, the first entry that fits wins.
        self.entries = tuple(sorted(by_key.values(), key=lambda e: -len(e.written)))
        self._trie: dict[str, Any] | None = None
        self._starts: re.Pattern[str] | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def _compile(self) -> tuple[dict[str, Any], re.Pattern[str]]:
        if self._trie is None or self._starts is None:
            trie: dict[str, Any] = {}
            for index, entry in enumerate(self.entries):
                node = trie
                for char in _fold(entry.written):
                    node = node.setdefault(char, {})
                if node is not trie:
                    node.setdefault(_END, []).append(index)
            firsts = "".join(sorted(char for char in trie if char != _END))
            self._trie, self._starts = trie, re.compile(f"[{re.escape(firsts)}]")
        return self._trie, self._starts

    def apply(self, text: str) -> str:
        if not self.entries:
            return text
        trie, starts = self._compile()
        folded = _fold(text)
        pieces: list[str] = []
        done = 0
        position = 0
        while (found := starts.search(folded, position)) is not None:
            start = found.start()
            match = self._match(trie, text, folded, start)
            if match is None:
                position = start + 1
                continue
            index, end = match
            pieces += [text[done:start], self.entries[index].spoken]
            done = position = end
        return "".join(pieces) + text[done:] if pieces else text

    def _match(
        self, trie: dict[str, Any], text: str, folded: str, start: int
    ) -> tuple[int, int] | None:
        """The entry that fits at ``start`` (the first in longest-first order) and where its
        match ends, or None."""
        best: tuple[int, int] | None = None
        node = trie
        end = start
        while end < len(folded):
            following: dict[str, Any] | None = node.get(folded[end])
            if following is None:
                break
            node = following
            end += 1
            for index in node.get(_END, ()):
                if (best is None or index < best[0]) and self._fits(index, text, start, end):
                    best = (index, end)
        return best

    def _fits(self, index: int, text: str, start: int, end: int) -> bool:
        entry = self.entries[index]
        if entry.case_sensitive and text[start:end] != entry.written:
            return False
        if entry.whole_word:
            before = start > 0 and _is_word(text[start - 1])
            after = end < len(text) and _is_word(text[end])
            return not (before or after)
        return True

    def merged(self, other: Lexicon) -> Lexicon:
        """This lexicon with ``other``'s entries added, ``other`` winning on the same form."""
        return Lexicon([*self.entries, *other.entries])


_END = ""  # the key of a trie node's entries (no character is the empty string)


def _fold(text: str) -> str:
    """``text`` lower-cased character by character, its length kept (as a regular expression
    compares case-insensitively; "İ".lower() is two characters, so it is kept as it is)."""
    if text.isascii():
        return text.lower()  # the same, at once
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def _is_word(char: str) -> bool:
    """What ``\\w`` matches: letters, digits and the underscore, in any script."""
    return char.isalnum() or char == "_"


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


LEXICON_MAX_BYTES = 64 << 20


def load_lexicon(path: Path) -> Lexicon:
    """A user's lexicon file (a regular file: a FIFO is refused, not waited on)."""
    try:
        data = tomllib.loads(read_regular(path, LEXICON_MAX_BYTES).decode("utf-8"))
    except UnreadableFile as exc:
        raise LexiconError(f"lexicon {path}: {exc.cause}") from None
    except UnicodeDecodeError as exc:
        raise LexiconError(f"lexicon {path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"lexicon {path}: not valid TOML ({exc})") from None
    return parse_lexicon(data, f"lexicon {path}")


def default_lexicon() -> Lexicon:
    """The lexicon shipped with audionews."""
    text = data.LEXICON.read_text("utf-8")
    return parse_lexicon(tomllib.loads(text), "built-in lexicon")
