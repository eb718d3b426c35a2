"""Finding quotations inside paragraphs, and who said them.

A paragraph becomes a sequence of runs, each narration or quotation. The rules:

- Double quotes: curly “…”, guillemets «…», and straight "…" (a straight mark opens after a
  space or at the start, and closes otherwise).
- Single quotes: ‘…’ and '…', where a mark between letters (it's, Ukraine's), before a decade
  ('90s) or in 'n' is an apostrophe and neither opens nor closes.
- A quotation of at most ``SHORT_QUOTE_WORDS`` words inside a sentence (scare quotes, titles)
  stays in the narrator's voice, marks and all.
- A quotation still open at the end of a paragraph continues into the next paragraph when that
  one opens with a quotation mark (the typographic convention); otherwise the marks are
  unbalanced and the whole paragraph falls back to narration, so one stray mark never
  swallows the rest of the article.
- The speaker comes from the narration beside the quotation ("…,” said Okafor", "Zelenskyy
  said: “…"); a pronoun ("she said") refers to the last speaker named.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

SHORT_QUOTE_WORDS = 4

_SPEECH_VERBS = (
    "said|says|say|added|adds|told|tells|explained|explains|noted|notes|wrote|writes|asked|"
    "asks|replied|replies|argued|argues|insisted|insists|warned|warns|stated|states|declared|"
    "declares|announced|announces|recalled|recalls|continued|continues|remarked|remarks|"
    "claimed|claims|admitted|admits|concluded|concludes|observed|observes|acknowledged|"
    "acknowledges|urged|urges|pointed out|points out|went on|according to|"
    # French and Spanish, for articles in those languages
    "explique|expliquait|déclare|a déclaré|affirme|a affirmé|dit|a dit|souligne|ajoute|"
    "estime|précise|indique|raconte|assure|selon|"
    "dijo|afirmó|explicó|señaló|aseguró|declaró|agregó|añadió|sostuvo|según"
)
_TITLE_WORDS = (
    r"(?:(?:President|Prime Minister|Minister|Dr\.?|Mr\.?|Mrs\.?|Ms\.?|Prof\.?|Sir|Dame|"
    r"General|Gen\.?|Senator|Sen\.?|Mayor|Chancellor|Judge|Captain|Chief|Professor|Governor|"
    r"Rev\.?)\s+)*"
)
_NAME_WORD = r"[A-Z][\w’'\-]*(?:\.[A-Z][\w’'\-]*)*"
_PARTICLE = r"(?:de|van|von|der|al|bin|da|di|le|la)"
_NAME = rf"{_TITLE_WORDS}{_NAME_WORD}(?:\s+{_PARTICLE}?\s*{_NAME_WORD}){{0,3}}"
_PRONOUN = r"(?:he|she|they|He|She|They)"

# "…,” said Okafor" / "…,” Okafor said" / "…,” she said" at the start of the narration after.
# "said the project's chief engineer, Priya Halvorsen": a role in lower case may come first.
_ROLE = r"(?:[a-zà-ÿ][\w'’à-ÿ-]*\s+){1,6}?[a-zà-ÿ][\w'’à-ÿ-]*,\s+"
_AFTER = re.compile(
    rf"^[\s,;:—–-]*(?:(?:{_SPEECH_VERBS})\s+(?:{_ROLE})?(?P<name1>{_NAME}|{_PRONOUN})"
    rf"|(?P<name2>{_NAME}|{_PRONOUN})\s+(?:{_SPEECH_VERBS})\b)"
)
# "Okafor said: “…" / "said Okafor, “…" / "according to Okafor, “…" ending the narration before.
_BEFORE = re.compile(
    rf"(?:(?P<name1>{_NAME}|{_PRONOUN})\s+(?:{_SPEECH_VERBS})(?:\s+\w+){{0,6}}"
    rf"|(?:{_SPEECH_VERBS})\s+(?P<name2>{_NAME}))[,:]?\s*$"
)
_REPORTED = re.compile(rf"(?P<name>{_NAME})\s+(?:{_SPEECH_VERBS})\b")
_NOT_NAMES = frozenset(
    {
        "The",
        "A",
        "An",
        "This",
        "That",
        "It",
        "In",
        "But",
        "And",
        "As",
        "We",
        "I",
        "He",
        "She",
        "They",
        "You",
        "There",
        "Here",
        "Then",
        "When",
        "If",
    }
)


class RunKind(enum.StrEnum):
    """Whose words a run of text is: the narrator's, or a quotation."""

    NARRATION = "narration"
    QUOTE = "quote"


@dataclass(frozen=True)
class Run:
    """A stretch of a paragraph spoken in one role.

    kind: narration or quotation (RunKind).
    text: the words, without the quotation marks that delimit a quote.
    speaker: who said a quote, when the text names them; None otherwise.
    """

    kind: RunKind
    text: str
    speaker: str | None = None


@dataclass
class QuoteState:
    """What carries over from one paragraph to the next while a script is made."""

    open_quote: bool = False  # a quotation opened in an earlier paragraph is still going
    open_speaker: str | None = None
    last_speaker: str | None = None
    open_runs: list[Run] = field(default_factory=list)


@dataclass(frozen=True)
class _Mark:
    position: int
    char: str
    role: str  # "open" or "close"
    double: bool


_APOSTROPHE_WORDS = re.compile(r"^(?:n'|n’|\d0s|em\b|tis\b|twas\b|til\b|cause\b)", re.I)


def split_quotes(text: str, state: QuoteState, next_text: str | None = None) -> list[Run]:
    """Split one paragraph into narration and quote runs.

    ``state`` carries a quotation that runs on from the previous paragraph and the last named
    speaker; ``next_text`` is the following paragraph, needed to tell a quotation that goes on
    there from an unbalanced mark.
    """
    continuing = state.open_quote
    body = text
    if continuing:
        body = _drop_leading_mark(text)

    spans, still_open = _quote_spans(body, inside=continuing)
    if still_open is not None and not (next_text and _opens_with_quote(next_text)):
        # Unbalanced: the closing mark is missing. Read this paragraph as narration.
        state.open_quote = False
        state.open_speaker = None
        return [Run(RunKind.NARRATION, text.strip())] if text.strip() else []

    runs: list[Run] = []
    cursor = 0
    for start, end, inner_start, inner_end in spans:
        if start > cursor:
            runs.append(Run(RunKind.NARRATION, body[cursor:start]))
        inner = body[inner_start:inner_end]
        continues_paragraph = continuing and start == 0
        if not continues_paragraph and _is_inline_phrase(body, start, end, inner):
            runs.append(Run(RunKind.NARRATION, body[start:end]))
        else:
            runs.append(Run(RunKind.QUOTE, inner))
        cursor = end
    if cursor < len(body):
        runs.append(Run(RunKind.NARRATION, body[cursor:]))

    runs = _merge_narration(runs)
    runs = _attribute(runs, state, carried=continuing)
    state.open_quote = still_open is not None
    return [run for run in runs if re.search(r"\w", run.text)]


def _is_inline_phrase(text: str, start: int, end: int, inner: str) -> bool:
    """A short quoted phrase inside a sentence (a scare quote, a title), not quoted speech.

    At most ``SHORT_QUOTE_WORDS`` words, not opening the paragraph, not followed by an
    attribution ("…,” she said), and either standing mid-sentence (after a word: called it
    “a good start”) or without the punctuation of speech inside its marks.
    """
    if len(inner.split()) > SHORT_QUOTE_WORDS or start == 0:
        return False
    if _AFTER.match(text[end:]):
        return False
    mid_sentence = bool(re.search(r"\w[’'\w]*\s+$", text[:start]))
    speech_punctuation = inner.rstrip().endswith((",", ".", "!", "?", "…", ":"))
    return mid_sentence or not speech_punctuation


def _quote_spans(text: str, *, inside: bool) -> tuple[list[tuple[int, int, int, int]], int | None]:
    """Quotation spans as (start, end, inner start, inner end), and where an unclosed one opened.

    With ``inside`` the text begins inside a quotation carried from the previous paragraph.
    """
    spans: list[tuple[int, int, int, int]] = []
    opened_at: int | None = 0 if inside else None
    opened_double = True
    for mark in _marks(text):
        if opened_at is None:
            if mark.role == "open":
                opened_at = mark.position
                opened_double = mark.double
        elif mark.role == "close" and mark.double == opened_double:
            inner_start = opened_at if (inside and opened_at == 0 and not spans) else opened_at + 1
            spans.append((opened_at, mark.position + 1, inner_start, mark.position))
            opened_at = None
            inside = False
    if opened_at is not None:
        inner_start = opened_at if (inside and opened_at == 0 and not spans) else opened_at + 1
        spans.append((opened_at, len(text), inner_start, len(text)))
        return spans, opened_at
    return spans, None


def _marks(text: str) -> list[_Mark]:
    marks: list[_Mark] = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        role: str | None = None
        double = True
        if char in "“«":
            role = "open"
        elif char in "”»":
            role = "close"
        elif char == '"':
            role = "open" if _opening_context(before) else "close"
        elif char in "‘'’":
            double = False
            role = _single_role(text, index, before, after)
        if role:
            marks.append(_Mark(index, char, role, double))
    return marks


def _opening_context(before: str) -> bool:
    return before.isspace() or before in "([{—–-/"


def _single_role(text: str, index: int, before: str, after: str) -> str | None:
    if before.isalnum() and after.isalnum():
        return None  # it's, Ukraine's, rock'n'roll
    if _APOSTROPHE_WORDS.match(text[index + 1 :]) and _opening_context(before):
        return None  # the '90s, rock 'n' roll, 'em
    if before == "n" and index >= 2 and text[index - 2] in "'’":
        return None  # the closing mark of 'n'
    if _opening_context(before) and (after.isalnum() or after in '“"'):
        return "open"
    if not before.isspace() and (after.isspace() or not after.isalnum()):
        return "close"
    return None


def _opens_with_quote(text: str) -> bool:
    stripped = text.lstrip()
    return bool(stripped) and stripped[0] in "“«\"‘'"


def _drop_leading_mark(text: str) -> str:
    stripped = text.lstrip()
    if stripped and stripped[0] in "“«\"‘'":
        return stripped[1:]
    return stripped


def _merge_narration(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if merged and run.kind is RunKind.NARRATION and merged[-1].kind is RunKind.NARRATION:
            merged[-1] = Run(RunKind.NARRATION, merged[-1].text + run.text)
        else:
            merged.append(run)
    return [Run(run.kind, run.text.strip(), run.speaker) for run in merged]


def _attribute(runs: list[Run], state: QuoteState, *, carried: bool) -> list[Run]:
    """Give each quote run its speaker from the narration beside it."""
    speakers: list[str | None] = [None] * len(runs)
    for index, run in enumerate(runs):
        if run.kind is not RunKind.QUOTE:
            continue
        found = None
        if index + 1 < len(runs) and (match := _AFTER.match(runs[index + 1].text)):
            found = match.group("name1") or match.group("name2")
        if found is None and index > 0 and (match := _BEFORE.search(runs[index - 1].text)):
            found = match.group("name1") or match.group("name2")
        speakers[index] = _resolve(found, state)

    # An interrupted quotation ("We knew," she said, "that…") is one speaker's: a quote with
    # no attribution of its own takes that of the quote before or after it in the paragraph.
    for index, run in enumerate(runs):
        if run.kind is RunKind.QUOTE and speakers[index] is None:
            neighbours = [
                speakers[other]
                for other in (index - 2, index + 2)
                if 0 <= other < len(runs) and runs[other].kind is RunKind.QUOTE
            ]
            speakers[index] = next((name for name in neighbours if name), None)

    # A paragraph that opens with an unattributed quotation, right after a paragraph that
    # ended in someone's quotation, is that person going on (the news convention).
    first_quote = next((i for i, run in enumerate(runs) if run.kind is RunKind.QUOTE), None)
    inherits = first_quote == 0 and speakers[0] is None and state.open_speaker
    if inherits and (carried or not any(speakers)):
        speakers = [
            state.open_speaker if run.kind is RunKind.QUOTE and name is None else name
            for run, name in zip(runs, speakers, strict=True)
        ]
    named = [name for name in speakers if name]
    for index, run in enumerate(runs):
        if run.kind is RunKind.NARRATION:
            # Reported speech ("Okafor said the town would…") names who "she" is next.
            for match in _REPORTED.finditer(run.text):
                if match.group("name").split()[0] not in _NOT_NAMES:
                    state.last_speaker = match.group("name")
        elif speakers[index]:
            state.last_speaker = speakers[index]
    if named and state.last_speaker is None:
        state.last_speaker = named[-1]
    last_quote = max((i for i, run in enumerate(runs) if run.kind is RunKind.QUOTE), default=None)
    state.open_speaker = speakers[last_quote] if last_quote is not None else None

    return [Run(run.kind, run.text, speakers[i]) for i, run in enumerate(runs)]


def _resolve(found: str | None, state: QuoteState) -> str | None:
    if found is None:
        return None
    if re.fullmatch(_PRONOUN, found):
        return state.last_speaker
    if found.split()[0] in _NOT_NAMES:
        return None
    return found.strip()
