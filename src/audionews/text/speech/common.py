"""Rules that hold in every language: what must never reach espeak-ng, and plain symbols.

espeak-ng gets plain text (pyttsx3 passes no SSML flag), but it still reads ``[[…]]`` as
phoneme input and reads markup characters aloud; article text that looks like markup or
commands is therefore neutralised here, and control characters are removed.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata

_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]{0,200})?/?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ELLIPSIS = re.compile(r"\s*(?:…|\.{3,})\s*")
_SPACED_DASH = re.compile(r"\s+[—–―-]{1,2}\s+|\s*[—―]\s*")
_BRACKETS = re.compile(r"\s*[(\[{]\s*([^()\[\]{}]*?)\s*[)\]}]\s*")
# Two or more of one mark that is not speech ("[[[", "~~~", "***", "|||", "---"): decoration.
_MARK_RUN = re.compile(r"([~*#=+|_^\\@])\1+|-{3,}")
_BRACKET_RUN = re.compile(r"([\[\](){}<>])\1+")
_STRAY_BRACKET = re.compile(r"\s*[\[\](){}<>]\s*")


def remove_controls(text: str) -> str:
    """Control and invisible formatting characters out, every kind of space to one space."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def neutralise_markup(text: str) -> str:
    """Markup-like and command-like text becomes plain words: tags dropped, brackets plain."""
    text = _TAG.sub(" ", text)
    text = html.unescape(text)  # "&amp;" written out in plain text is an ampersand
    text = _TAG.sub(" ", text)  # and "&lt;b&gt;" was a tag
    # A run of one mark is decoration, never speech; espeak-ng would read "[[" as phonemes.
    text = _MARK_RUN.sub(" ", text)
    text = _BRACKET_RUN.sub(r"\1", text)
    text = text.replace("`", "")
    text = text.replace("$(", "(")
    return text


# Every character an emoji has but ASCII lies in these ranges (tests check it against the
# emoji package's own table): text with none of them has no emoji, and the package (45 ms
# to load its table) is not needed. Curly quotes, dashes and accented letters lie outside.
_MAYBE_EMOJI = re.compile(
    "[\u00a9\u00ae\u200d\u203c\u2049\u20e3\u2122-\u2139\u2194-\u21aa\u2300-\u23ff"
    "\u24c2\u25a0-\u27bf\u2900-\u2bff\u3030\u303d\u3297\u3299\ufe0e\ufe0f"
    "\U0001f000-\U0001faff\U000e0000-\U000e007f]"
)


def drop_emoji(text: str) -> str:
    """Emoji and pictographs carry no words in a news article; they are dropped."""
    if not _MAYBE_EMOJI.search(text) or _emoji_characters().isdisjoint(text):
        # No character of any emoji: nothing to drop. emoji's own search reads the text a
        # character at a time in Python: a seventh of a long article's script, measured.
        return text
    import emoji

    return str(emoji.replace_emoji(text, ""))


@functools.cache
def _emoji_characters() -> frozenset[str]:
    """The characters of emoji but ASCII (every emoji has one: the digits, # and * of a
    keycap come with its U+20E3; ordinary text has digits), and the two variation selectors,
    which replace_emoji drops wherever they are."""
    import emoji

    emoji_characters = (char for char in "".join(emoji.EMOJI_DATA) if not char.isascii())
    return frozenset([*emoji_characters, "\ufe0e", "\ufe0f"])


def pauses_for_punctuation(text: str) -> str:
    """Dashes and ellipses become pauses; brackets become an aside set off by pauses."""
    text = _ELLIPSIS.sub(", ", text)
    text = _SPACED_DASH.sub(", ", text)
    text = _BRACKETS.sub(lambda m: f", {m.group(1)}, " if m.group(1) else " ", text)
    # A bracket left without its pair is a stray mark: never read as "left bracket".
    text = _STRAY_BRACKET.sub(" ", text)
    text = re.sub(r"\s*,\s*(?:,\s*)+", ", ", text)
    text = re.sub(r",\s*([.!?;:])", r"\1", text)
    text = re.sub(r"^\s*,\s*", "", text)
    return re.sub(r"\s*,\s*$", "", text).strip()


def calm_shouting(text: str, keep: frozenset[str]) -> str:
    """A sentence in capitals is read at normal case; known acronyms keep their capitals."""
    words = re.findall(r"[^\W\d_]{2,}", text)
    if len(words) < 3:
        return text
    upper = [word for word in words if word.isupper()]
    if len(upper) / len(words) < 0.7:
        return text

    def lower(match: re.Match[str]) -> str:
        word = match.group(0)
        return word if word in keep else word.lower()

    calmed = re.sub(r"[^\W\d_]+", lower, text)
    return calmed[:1].upper() + calmed[1:]


def final_symbols(text: str, names: dict[str, str]) -> str:
    """Characters espeak-ng would read oddly or as markup, said as words or dropped."""
    for symbol, word in names.items():
        text = text.replace(symbol, f" {word} " if word else " ")
    text = re.sub(r"\s+([.,!?;:])", r"\1", text)
    return _SPACES.sub(" ", text).strip()
