"""Telling an article's language from its words, when the article does not declare it.

py3langid (a maintained fork of langid.py: a naive Bayes model over byte n-grams of 97
languages, BSD licence, 4.6 MB, no download at run time) was chosen over lingua after both
were run on the same texts: the 88 pages of the extraction benchmark whose page declares its
language, our examples and the development half of the quotation gold set (91 texts, 8
languages). On whole articles py3langid was right on all of them (the one "miss" is a German
page that declares itself English) and lingua on 89 (it took Indonesian for Malay); on the
first 80 characters py3langid was right on 89 and lingua (low-accuracy mode) on 87. lingua's
wheel is 96 MB, and its high-accuracy models took 17 s and 1.2 GB to load against
py3langid's 0.8 s and 136 MB. The hand-made stop-word counts used before could not tell a
language they had no list for.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Below this many words a guess is not worth more than the default.
MIN_WORDS = 20
# What py3langid must be sure of (its normalised probability) for the guess to stand.
MIN_CONFIDENCE = 0.9
SAMPLE_CHARS = 20_000

_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The most likely ISO 639-1 code, or None when the text is too short or unclear."""
    sample = text[:SAMPLE_CHARS]
    if len(_WORD.findall(sample)) < MIN_WORDS:
        return None
    language, confidence = _identifier().classify(sample)
    return str(language) if confidence >= MIN_CONFIDENCE else None
