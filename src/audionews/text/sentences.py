"""Splitting running text into sentences, one utterance each.

Synthesis goes sentence by sentence (pyttsx3's espeak driver grows its buffer quadratically, so
one long utterance is far slower than many short ones), and a transcript cue is a sentence. A
sentence longer than ``MAX_UTTERANCE_CHARS`` is cut again at clause punctuation or, failing
that, between words, so no utterance is ever unbounded.
"""

from __future__ import annotations

import re

MAX_UTTERANCE_CHARS = 320

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof st sr jr rev gen col lt sgt capt cmdr adm gov sen rep pres supt insp
    no nos vs etc e.g i.e a.m p.m approx dept est fig inc ltd co corp jan feb mar apr jun jul
    aug sep sept oct nov dec mt ft u.s u.k u.n e.u d.c
    """.split()
)

_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9À-Þ])")
_CLAUSE = re.compile(r"(?<=[,;:—–])\s+")


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences, keeping every character but the spaces between them."""
    text = text.strip()
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.start()].rstrip()
        if _ends_with_abbreviation(candidate):
            continue
        end = match.end()
        sentences.append(text[start:end].strip())
        start = end
    sentences.append(text[start:].strip())
    return [piece for sentence in sentences for piece in _bounded(sentence) if piece]


def _ends_with_abbreviation(text: str) -> bool:
    # The match's lookbehind put the stop before trailing quotes; look at the last word.
    last = text.rstrip("\"”’')]").rsplit(None, 1)[-1] if text.strip() else ""
    if not last.endswith("."):
        return False
    word = last.rstrip(".").lstrip("\"“‘'([").lower()
    if word in _ABBREVIATIONS:
        return True
    # An initial ("J. Smith") or a dotted acronym ("U.S.").
    return bool(re.fullmatch(r"[a-z]|(?:[a-z]\.)+[a-z]", word))


def _bounded(sentence: str) -> list[str]:
    """Cut an over-long sentence at clause punctuation, then between words."""
    if len(sentence) <= MAX_UTTERANCE_CHARS:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for clause in _CLAUSE.split(sentence):
        if current and len(current) + 1 + len(clause) > MAX_UTTERANCE_CHARS:
            pieces.append(current)
            current = clause
        else:
            current = f"{current} {clause}" if current else clause
    pieces.append(current)
    return [part for piece in pieces for part in _cut_words(piece)]


def _cut_words(text: str) -> list[str]:
    if len(text) <= MAX_UTTERANCE_CHARS:
        return [text]
    pieces: list[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) > MAX_UTTERANCE_CHARS:
            # A "word" this long is not speech (a pasted hash, a URL run-on); cut it anyway.
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:MAX_UTTERANCE_CHARS])
            word = word[MAX_UTTERANCE_CHARS:]
        if current and len(current) + 1 + len(word) > MAX_UTTERANCE_CHARS:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        pieces.append(current)
    return pieces
