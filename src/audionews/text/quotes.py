"""Where quotations are in a stretch of text, and what kind each is.

This module looks at marks and the words right around them; who said a quotation is decided
over the whole article in attribution.py. The rules:

- Marks: double (“…”, "…", „…“), single (‘…’, '…') and guillemets («…», ‹…›). A straight
  mark opens after a space, a bracket or a dash and closes otherwise; a single mark between
  letters (it's), before a decade ('90s) or in 'n' is an apostrophe. Inside a quotation only
  its own kind of mark closes it: marks of another kind are a quotation nested inside it,
  which stays part of it (and a straight double mark that opens inside a straight double
  quotation is nested too). A single mark after a plural's s ("two years' time") closes a
  single quotation only when no other closing mark follows.
- A quotation still open at the end of a paragraph goes on in the next one when that one opens
  with the same kind of mark (the convention for quotations over several paragraphs);
  otherwise the mark is stray and the paragraph is read as narration.
- A paragraph opening with a dialogue dash (—, – or ―) in French, Spanish or Portuguese is
  speech from the dash on.
- Attribution clauses inside speech are narration: French incises after a comma or a question
  mark with the verb first ("…, explique X, …", "…, précise-t-elle."), up to the sentence's
  end or to where the speech resumes, and clauses between dialogue dashes ("—explicó la
  alcaldesa—").
- Kinds: a quotation that stands as speech (it opens a sentence, or follows a colon, or a
  comma after an attribution, or a speech verb directly) is a full quotation, read in the
  quote voice, unless it is the title of a work (capitalised words with no speech punctuation
  and nobody said to say it). Any other quotation is embedded in the narrator's sentence — a
  partial quotation ("called the plan "a box to tick""), a scare quote or a title — and the
  narrator reads it: one voice per sentence, never half and half. The sentence still names the
  speaker of a partial quotation (attribution.py).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from audionews.text.people import SPEECH_VERB

# --- kinds ---------------------------------------------------------------------------------


class RunKind(enum.StrEnum):
    """Whose words a run of text is: the narrator's, or a quotation."""

    NARRATION = "narration"
    QUOTE = "quote"


@dataclass(frozen=True)
class Run:
    """A stretch of text spoken in one role.

    kind: narration or quotation (RunKind).
    text: the words, without the quotation marks that delimit a quote.
    speaker: who said a quote, when the article says; for narration, whose words a partial
        quotation in it are (the narrator reads them), else None.
    carried: article text this run stands for but does not say (an interview's "Q:" label),
        so that nothing of the article is unaccounted for.
    """

    kind: RunKind
    text: str
    speaker: str | None = None
    carried: str = ""


class Family(enum.Enum):
    DOUBLE = "double"
    SINGLE = "single"
    GUILLEMET = "guillemet"
    DASH = "dash"  # a dialogue line


class Kind(enum.Enum):
    FULL = "full"  # speech: the quote voice
    EMBEDDED = "embedded"  # a partial quotation, scare quote or title inside a sentence
    TITLE = "title"  # the title of a work standing where speech could


@dataclass
class Span:
    """One quotation in a stretch of text.

    start, end: from its opening mark to just after its closing mark (the text's start when
        it goes on from the paragraph before, its end when it goes on into the next).
    inner_start, inner_end: its words, without the marks.
    incises: attribution clauses inside it, as (start, end), narration.
    """

    start: int
    end: int
    inner_start: int
    inner_end: int
    family: Family
    continued: bool = False
    open_end: bool = False
    kind: Kind = Kind.FULL
    incises: list[tuple[int, int]] | None = None


_OPEN_DOUBLE = "“„"
_CLOSE_DOUBLE = "”"
_OPENING_CONTEXT = "([{—–-/―"
_DIALOGUE_DASH = re.compile(r"^\s*[—–―]\s*(?=\S)")
_APOSTROPHE_WORDS = re.compile(r"^(?:n'|n’|\d0s|em\b|tis\b|twas\b|til\b|cause\b)", re.I)


@dataclass(frozen=True)
class _Mark:
    position: int
    family: Family
    role: str  # "open", "close", or "either" (a straight mark that could be both)
    weak: bool = False  # a plural's apostrophe that may close a single quotation


# Every character _marks looks at: it visits these alone, not every character of the text.
_MARK_CHARACTERS = re.compile("[\"'“”„«»‹›‘’]")


def _marks(text: str) -> list[_Mark]:
    found: list[_Mark] = []
    for match in _MARK_CHARACTERS.finditer(text):
        index, char = match.start(), match.group()
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        if char in _OPEN_DOUBLE:
            found.append(_Mark(index, Family.DOUBLE, "open"))
        elif char == "“" or char == "”":
            found.append(_Mark(index, Family.DOUBLE, "close"))
        elif char == '"':
            role = "open" if (before.isspace() or before in _OPENING_CONTEXT) else "close"
            found.append(_Mark(index, Family.DOUBLE, role))
        elif char in "«‹":
            found.append(_Mark(index, Family.GUILLEMET, "open"))
        elif char in "»›":
            found.append(_Mark(index, Family.GUILLEMET, "close"))
        elif char in "‘'’":
            single = _single_role(text, index, before, after)
            if single:
                role = single
                weak = (
                    role == "close"
                    and before in "sSnN"
                    and after == " "
                    and (index + 2 < len(text) and text[index + 2].islower())
                )
                found.append(_Mark(index, Family.SINGLE, role, weak))
    return found


def _single_role(text: str, index: int, before: str, after: str) -> str | None:
    if before.isalnum() and after.isalnum():
        return None  # it's, Ukraine's, rock'n'roll
    if _APOSTROPHE_WORDS.match(text[index + 1 :]) and (
        before.isspace() or before in _OPENING_CONTEXT
    ):
        return None  # the '90s, rock 'n' roll, 'em
    if before == "n" and index >= 2 and text[index - 2] in "'’":
        return None  # the closing mark of 'n'
    if (before.isspace() or before in _OPENING_CONTEXT or before in '“"«') and (
        after.isalnum() or after in '“"«…'
    ):
        return "open"
    if not before.isspace() and (after.isspace() or not after.isalnum()):
        return "close"
    return None


def opening_family(text: str) -> Family | None:
    """The kind of mark a paragraph opens with, if it opens with one."""
    stripped = text.lstrip()
    if not stripped:
        return None
    marks = [m for m in _marks(stripped) if m.position == 0 and m.role == "open"]
    if marks:
        return marks[0].family
    if stripped[0] in "»":  # some French copy opens a continued paragraph with »
        return Family.GUILLEMET
    return None


def find_spans(
    text: str, carried: Family | None = None, *, dialogue: bool = False
) -> tuple[list[Span], Family | None]:
    """The quotations in ``text`` and the kind of one still open at its end (or None).

    ``carried`` is a quotation going on from the paragraph before (the text opens with its
    mark again, or, for a dialogue line, with nothing). With ``dialogue``, a paragraph opening
    with a dash is a line of dialogue.
    """
    if dialogue and carried is None and (dash := _DIALOGUE_DASH.match(text)):
        span = Span(0, len(text), dash.end(), len(text.rstrip()), Family.DASH)
        return [span], None
    spans: list[Span] = []
    marks = _marks(text)
    current: Span | None = None
    nested: list[Family] = []
    position = 0
    if carried is not None:
        # The paragraph opens with the mark again, by convention; the quotation goes on.
        stripped = len(text) - len(text.lstrip())
        first = next((m for m in marks if m.position == stripped and m.role == "open"), None)
        inner = first.position + 1 if first is not None and first.family is carried else 0
        current = Span(0, len(text), inner, len(text), carried, continued=True)
        position = inner
    for number, mark in enumerate(marks):
        if mark.position < position:
            continue
        if current is None:
            if mark.role == "open":
                current = Span(mark.position, len(text), mark.position + 1, len(text), mark.family)
                nested = []
            continue
        if mark.family is not current.family:
            continue  # a quotation of another kind nested inside: part of this one
        if mark.role == "open" and mark.position > current.inner_start:
            if mark.family is Family.DOUBLE and text[mark.position] == '"':
                nested.append(mark.family)
            continue
        if mark.role != "close":
            continue
        if nested:
            nested.pop()
            continue
        if mark.weak and any(
            m.family is current.family and m.role == "close" and not m.weak
            for m in marks[number + 1 :]
        ):
            continue  # "two years' time": a plural's apostrophe, a closing mark comes later
        current.inner_end = mark.position
        current.end = mark.position + 1
        spans.append(current)
        current = None
    if current is not None:
        current.open_end = True
        current.inner_end = len(text.rstrip())
        spans.append(current)
        return spans, current.family
    return spans, None


# --- incises: attribution clauses inside speech ---------------------------------------------

_CLITIC = r"(?:(?:le|les|me|te|nos|os|se|lui|leur)\s+)?"
_INCISE_START = re.compile(
    rf"(?P<lead>[,?!…]|\.\.\.)\s+(?P<verb>{_CLITIC}(?:{SPEECH_VERB.pattern}))",
    re.I,
)
_INVERTED = re.compile(
    r"(?P<lead>[,?!…])\s+(?P<verb>(?:a-t-(?:il|elle|on)\s+[\w’'éèêàâîôûç-]+|"
    r"[\w’'éèêàâîôûç]+(?:-t)?-(?:il|elle|ils|elles|on)))(?![\w’'-])",
    re.I,
)
_DASH_INCISE = re.compile(r"\s[—–―]\s?(?=\S)")
_RESUME_WORDS = frozenset(
    """
    à au aux dans pour avec sans sur par après avant depuis pendant mais et ou car donc puis
    alors je j nous on il elle ils elles vous tu ce c ça qui que qu si quand comme pas plus
    toujours jamais mon ma mes notre nos votre vos ici là oui non enfin bref y en dès vers
    chez contre entre sous malgré sauf hier demain aujourd maintenant encore déjà bien très
    tout tous toute toutes rien personne même aussi ensuite sinon pourtant cependant surtout
    seulement vraiment certes ni ne n d ceux celle celles cela ceci voilà voici
    a al con de desde en para por sin sobre tras y o pero porque pues ya yo tú nosotros
    mi mis nuestro nuestra nuestros nuestras aquí allí hoy mañana ayer todo todos nada
    """.split()
)
_APPOSITION_WORDS = frozenset(
    "le la l les un une son sa ses leur leurs cet cette du des el los las".split()
)


def incises(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Attribution clauses inside the speech text[start:end], as (start, end)."""
    found: list[tuple[int, int]] = []
    segment = text[start:end]
    # Between dialogue dashes: "… —explicó la alcaldesa—, y …", "… —le preguntó un cliente."
    for dash in _DASH_INCISE.finditer(segment):
        after = segment[dash.end() :]
        if not re.match(rf"{_CLITIC}(?:{SPEECH_VERB.pattern})", after, re.I):
            continue
        closing = re.search(r"[—–―][.,;:]?", after)
        stop = dash.end() + (closing.end() if closing else len(after))
        found.append((start + dash.start() + 1, start + stop))
    if found:
        return found
    # French: "…, explique X, …" / "… ? demande X, scieur." / "…, précise-t-elle."
    for pattern, inverted in ((_INVERTED, True), (_INCISE_START, False)):
        for match in pattern.finditer(segment):
            begin = match.start("verb")
            if any(a <= start + begin < b for a, b in found):
                continue
            end_at = _incise_end(segment, match.end("verb"), inverted=inverted)
            if end_at is not None:
                found.append((start + begin, start + end_at))
    return sorted(found)


_INCISE_SUBJECT = re.compile(
    r"\s+(?:(?:le|la|l['’]|les|un|une|son|sa|el|una)\s*)?"
    r"(?:[A-ZÀ-Þ][\w’'\-]*(?:\s+(?:(?:de|du|des|de la|van|von|der|le|la)\s+)?[A-ZÀ-Þ][\w’'\-]*)*"
    r"|[a-zà-ÿ][\w’'\-]*)"
)


def _incise_end(text: str, position: int, *, inverted: bool) -> int | None:
    """Where an incise whose verb ends at ``position`` ends, or None if it is no incise (the
    speaker's own verb: "…, je dis que …")."""
    cursor = position
    if not inverted:
        subject = _INCISE_SUBJECT.match(text, position)
        if subject is None:
            return None
        word = subject.group(0).split()[-1].casefold().strip("’'")
        if word in _RESUME_WORDS:
            return None
        cursor = subject.end()
    while cursor < len(text):
        tail = text[cursor:]
        stripped = tail.lstrip()
        if not stripped:
            return len(text)
        gap = len(tail) - len(stripped)
        char = stripped[0]
        if char in ".!?;…":
            return cursor + gap + 1
        if char == ",":
            chunk_match = re.match(r",\s*([^,.;!?…]*)([,.;!?…]?)", stripped)
            assert chunk_match is not None
            chunk, stop = chunk_match.group(1), chunk_match.group(2)
            if not _apposition(chunk):
                return cursor + gap + 1  # the speech resumes after the comma
            cursor += gap + chunk_match.end()
            if stop == ",":
                cursor -= 1  # look at that comma again
            elif stop:
                return cursor
            continue
        # No punctuation after the subject: a gerund or a phrase going on to the sentence's end
        # ("explique Odile Aubriot en essuyant une pile d'assiettes.").
        match = re.match(r"[^.!?;…]*[.!?;…]?", stripped)
        return cursor + gap + (match.end() if match else len(stripped))
    return len(text)


def _apposition(chunk: str) -> bool:
    """Whether the words after a comma in an incise still describe its subject ("le
    directeur de la scierie", "responsable des expéditions", "Bernard Quémeneur") rather
    than resume the speech ("en moins d'une demi-heure", "mais …")."""
    found = chunk.split()
    if not found:
        return False
    first = found[0]
    key = re.split(r"['’]", first.casefold())[0]
    if key == "en":
        return _gerund(chunk)
    return key in _APPOSITION_WORDS or key not in _RESUME_WORDS


def _gerund(chunk: str) -> bool:
    found = chunk.split()
    return len(found) > 1 and found[0].casefold() == "en" and found[1].endswith("ant")


# --- kinds of quotation ---------------------------------------------------------------------

# Words after which a quoted phrase is the name of a work or a thing, never speech.
_NAMING = re.compile(
    r"(?:titled|entitled|called|named|dubbed|headlined|banner|slogan|motto|song|album|film|"
    r"movie|book|novel|play|opera|series|show|programme|program|documentary|exhibition|"
    r"pamphlet|guide|poem|piece|painting|column|podcast|intitulée?s?|baptisée?s?|appelée?s?|"
    r"nommée?s?|surnommée?s?|titre|roman|livre|documentaire|exposition|chanson|pièce|"
    r"spectacle|émission|titulad[oa]s?|llamad[oa]s?|denominad[oa]s?|título|libro|película|"
    r"canción|exposición|documental|cortometraje|novela|obra)\W*$",
    re.I,
)
_SMALL_WORDS = frozenset(
    "a an the of and or in on at to for with by from de du des la le les et el y los las "
    "en au aux un une d l".split()
)
_ATTRIBUTION_AFTER = re.compile(
    rf"^[\s,;:—–-]*(?:(?:{SPEECH_VERB.pattern})\b|(?:[\w’'.-]+\s+){{1,6}}?(?:{SPEECH_VERB.pattern})\b|"
    r"(?:according to|selon|según)\b)",
    re.I,
)


def looks_like_title(inner: str) -> bool:
    """Capitalised words with no speech punctuation inside: "Hold the Line", "Warp"."""
    text = inner.strip().rstrip(".,")
    if not text or re.search(r"[.!?;]\s", text) or text.endswith(("!", "?")):
        return False
    found = re.findall(r"[^\W\d_][\w’'-]*", text)
    if not found or len(found) > 20:
        return False
    significant = [w for w in found if w.casefold() not in _SMALL_WORDS]
    if not significant:
        return False
    return all(w[0].isupper() for w in significant)


def classify(text: str, span: Span) -> Kind:
    """Whether a quotation is speech, embedded in the narrator's sentence, or a title."""
    if span.continued or span.family is Family.DASH:
        return Kind.FULL
    before = text[: span.start].rstrip()
    after = text[span.end :]
    inner = text[span.inner_start : span.inner_end]
    attributed = bool(_ATTRIBUTION_AFTER.match(after))
    if _NAMING.search(before):
        return Kind.EMBEDDED
    sentence_start = not before or bool(re.search(r"(?:[.!?…]|[.!?…][”\"’'»)])$", before))
    if sentence_start or before.endswith(":") or before.endswith(("—", "–")):
        if not attributed and looks_like_title(inner):
            return Kind.TITLE
        return Kind.FULL
    if before.endswith(","):
        clause = re.split(r"[.!?;:]\s", before[:-1])[-1]
        if SPEECH_VERB.search(clause) or re.search(
            r"\b(?:according to|selon|según)\b", clause, re.I
        ):
            return Kind.FULL
        if attributed and not looks_like_title(inner):
            return Kind.FULL
        return Kind.EMBEDDED
    # Right after a word: speech only straight after a speech verb, as a whole sentence.
    last_word = re.search(r"([\w’'-]+)\W*$", before)
    if (
        last_word
        and SPEECH_VERB.fullmatch(last_word.group(1))
        and inner.strip()[:1].isupper()
        and re.search(r"[.!?…]$", inner.strip())
    ):
        return Kind.FULL
    return Kind.EMBEDDED
