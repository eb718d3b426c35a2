"""Speakable text: what synthesis is given, kept apart from what the transcript shows.

The script keeps the article's words; ``speakable_script`` fills each segment's ``spoken``
with the form a presenter would say (numbers, symbols, abbreviations, web addresses, the
pronunciation lexicon) by the rules of the article's language.
"""

from __future__ import annotations

import dataclasses

from audionews.text.script import Script
from audionews.text.speech.english import English
from audionews.text.speech.lexicon import Lexicon, default_lexicon, load_lexicon, parse_lexicon
from audionews.text.speech.romance import French, Portuguese, Spanish
from audionews.text.speech.rules import LanguageRules


def rules_for(language: str) -> LanguageRules:
    """The rules for a BCP 47 language tag; unknown languages get the neutral rules."""
    tag = (language or "en").lower()
    base = tag.split("-")[0]
    if base == "en":
        return English(locale=tag)
    if base == "fr":
        return French()
    if base == "es":
        return Spanish()
    if base == "pt":
        return Portuguese()
    return LanguageRules(code=base)


class Normaliser:
    """Turns written text into speakable text for one language and lexicon."""

    def __init__(self, language: str = "en", lexicon: Lexicon | None = None) -> None:
        self.rules = rules_for(language)
        self.lexicon = lexicon if lexicon is not None else default_lexicon()

    def __call__(self, text: str) -> str:
        return self.rules.normalise(self.lexicon.apply(text))


def speakable_script(script: Script, lexicon: Lexicon | None = None) -> Script:
    """The script with every segment's ``spoken`` text filled in."""
    normalise = Normaliser(script.language, lexicon)
    chapters = tuple(
        dataclasses.replace(
            chapter,
            segments=tuple(
                dataclasses.replace(segment, spoken=normalise(segment.text))
                for segment in chapter.segments
            ),
        )
        for chapter in script.chapters
    )
    return dataclasses.replace(script, chapters=chapters)


__all__ = [
    "Lexicon",
    "Normaliser",
    "default_lexicon",
    "load_lexicon",
    "parse_lexicon",
    "rules_for",
    "speakable_script",
]
