"""Who said each quotation: one pass over the whole article, in reading order.

The article is read unit by unit (a paragraph, a list item, a block quote, a figure's caption)
and, inside each, sentence by sentence, keeping track of who has been named (people.py). Each
quotation gets its speaker from the first of these that gives one:

1. its own attribution: an incise inside it ("…, explique X, …"), the narration right after
   it in the same sentence ("…," said X / X said / she said / according to X / afirmó), or
   right before it (X said: "…" / said X, "…");
2. the other parts of the same quotation: a split quotation ("First," she said, "second"),
   one carried over several paragraphs (whichever paragraph holds the attribution, looking
   ahead as well as back), a dialogue line's incise;
3. the quotation before it in the same paragraph (a speaker going on);
4. for a paragraph that opens with a quotation and says no more: the paragraph before —
   whoever its last sentence is about ("Asked whether …, Osei paused.") or, when it ended in
   a quotation, that quotation's speaker;
5. a block quote: its own attribution (a footer, "— Name"), else the sentence that introduces
   it ("… wrote to the council in March:"), else the paragraph after it when that one refers
   back to it ("C'est l'engagement pris par X dans le courrier cité ci-dessus").

A speaker phrase is resolved by people.py: a name to the full name introduced earlier (the
surname alone, a title before it, a particle), a pronoun to the person the article has last
talked about whose gender fits (he/she/they, il/elle, él/ella), a role ("the mayor") to the
person given that role, "the company" to the company named, and documents ("the report
said") and unnamed sources ("one resident said") to themselves: they are never given to a
person.

Partial quotations are read by the narrator (quotes.py); the sentence that holds one is given
the speaker of its reported speech ("Amundsen said the demands were "simply not realistic"").

Interviews: when paragraphs open with labels ("Q:", "A:", "The Courier:", "**Whitcombe:**"),
the interviewer's questions are narration and every answer is a quotation of its guest — the
label's person, or for "A:" the person the introduction presents — including the unlabelled
paragraphs that go on from an answer in the first or second person. Letter labels are not
read; named labels are, by the narrator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from audionews.article import Article, Block, Figure, Heading, ListBlock, Paragraph, Quotation
from audionews.text.people import (
    ACCORDING_TO,
    DOCUMENT_NOUNS,
    GENDERED_NOUNS,
    HONORIFICS,
    INVERTED_PRONOUN,
    NAME,
    NOT_NAMES,
    ORG_NOUNS,
    PARTICLES,
    PRONOUNS,
    SPEECH_VERB,
    TITLES,
    Entity,
    Registry,
    Source,
    fold,
    is_first_name,
    is_organisation_name,
    is_place_name,
)
from audionews.text.quotes import (
    Family,
    Kind,
    Run,
    RunKind,
    Span,
    classify,
    find_spans,
    incises,
    opening_family,
)
from audionews.text.sentences import split_sentences

UnitKey = tuple[int, ...]  # (block,) or (block, item, nested item, …)

DIALOGUE_LANGUAGES = frozenset({"fr", "es", "pt", "it", "ca"})
# How far back (in sentences) a pronoun looks for its person.
PRONOUN_REACH = 12


@dataclass
class _Unit:
    key: UnitKey
    kind: str  # "paragraph", "item", "quotation", "caption"
    text: str
    attribution: str | None = None


@dataclass
class _Mention:
    entity: Entity
    sentence: int
    subject: bool


@dataclass
class _State:
    registry: Registry = field(default_factory=Registry)
    history: list[_Mention] = field(default_factory=list)
    sentence: int = 0
    # The chain of a quotation still open at the end of the last unit.
    open_family: Family | None = None
    open_chain: _Chain | None = None
    # What the last unit ended with: its last quotation's speaker, or its last subject.
    last_quote: Entity | None = None
    last_subject: Entity | None = None
    ended_in_quote: bool = False
    previous_text: str = ""
    topic: Entity | None = None


@dataclass
class _Chain:
    """The parts of one quotation: split by attributions, or carried over paragraphs."""

    speaker: Entity | None = None
    explicit: bool = False


# --- the public entry point ------------------------------------------------------------------


def attribute(article: Article) -> dict[UnitKey, list[Run]]:
    """Every unit of the article that can hold quotations, as runs with their speakers."""
    language = (article.language or "en").split("-")[0].lower()
    units = list(_units(article.blocks))
    state = _State()
    _register_organisations(units, state)
    if article.byline:
        for name in re.split(r",|\band\b|\bet\b|\by\b", article.byline):
            if name.strip() and NAME.fullmatch(name.strip()):
                state.registry.person(name.strip(), -1)
    interview = _Interview.detect(units, state, article)
    runs: list[list[Run]] = []
    speakers: list[list[Entity | None]] = []
    chains: list[list[_Chain | None]] = []
    for number, unit in enumerate(units):
        if unit.kind == "heading":
            state.open_family, state.open_chain = None, None
            interview.turn = None
            runs.append([])
            speakers.append([])
            chains.append([])
            continue
        found, who, linked = _read_unit(number, unit, units, state, interview, language)
        runs.append(found)
        speakers.append(who)
        chains.append(linked)
    # A chain's speaker, found anywhere in it, goes to every part of it (look-ahead).
    result: dict[UnitKey, list[Run]] = {}
    for unit, unit_runs, unit_speakers, unit_chains in zip(
        units, runs, speakers, chains, strict=True
    ):
        if unit.kind == "heading":
            continue
        final: list[Run] = []
        for run, speaker, chain in zip(unit_runs, unit_speakers, unit_chains, strict=True):
            said_by = chain.speaker if chain is not None and chain.speaker is not None else speaker
            label = said_by.label if said_by is not None else None
            final.append(Run(run.kind, run.text, label, run.carried))
        result[unit.key] = final
    return result


def _units(blocks: tuple[Block, ...]) -> Iterator[_Unit]:
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            yield _Unit((index,), "paragraph", block.text)
        elif isinstance(block, Quotation):
            yield _Unit((index,), "quotation", block.text, block.attribution)
        elif isinstance(block, Figure):
            if block.caption:
                yield _Unit((index,), "caption", block.caption)
        elif isinstance(block, ListBlock):
            yield from _items(block, (index,))
        elif isinstance(block, Heading):
            yield _Unit((index,), "heading", block.text)


def _items(block: ListBlock, key: UnitKey) -> Iterator[_Unit]:
    nested = dict(block.sublists)
    for number, item in enumerate(block.items):
        yield _Unit((*key, number), "item", item)
        if number in nested:
            yield from _items(nested[number], (*key, number))


# --- organisations named anywhere -------------------------------------------------------------

_ORG_RUN = re.compile(
    r"(?:[A-ZÀ-Þ][\w’'&.-]*\s+)*(?:[A-ZÀ-Þ][\w’'&.-]*)"
    r"(?:\s+(?:of|for|and|&|de|du|des|de la|del)\s+(?:the\s+)?"
    r"[A-ZÀ-Þ][\w’'&.-]*(?:\s+[A-ZÀ-Þ][\w’'&.-]*)*)*"
)
# A French or Spanish organisation's name is in sentence case: "Club alpin de la vallée".
_ORG_SENTENCE_CASE = re.compile(
    r"\b(?:Club|Conseil|Comité|Syndicat|Association|Fédération|Office|Ministère|Parc|"
    r"Société|Compagnie|Groupe|Centre|Institut|Musée|Asociación|Consejo|Comité|Sindicato|"
    r"Federación|Instituto|Museo|Fundación|Centro)"
    r"(?:\s+(?!(?:dans|pour|sur|avec|en|à|au|aux|par|qui|que|est|a|ont|sont|para|con|por|en|"
    r"que|es|ha|han)\b)[a-zà-ÿ][\w’'-]*|\s+(?:de la|de l['’]|du|des|de|del|de los)\s*[\w’'-]+)*"
)


_ORG_NOUN_THEN_NAME = re.compile(
    r"\b(?:the|its|l['’]|la|le|les|el|la|su|sa|son)\s*(?P<noun>[a-zà-ÿ]+)\s+"
    r"(?P<name>[A-ZÀ-Þ][\w’'-]*(?:\s+(?:(?:de|du|des|de la|del|of|the|and|et|y)\s+)?"
    r"[A-ZÀ-Þ][\w’'-]*)*)"
)


def _register_organisations(units: list[_Unit], state: _State) -> None:
    """Organisations are named anywhere, even first inside a quotation ("Calder Terminal
    Partners remains committed …"): "the company" may refer to them before or after. A name
    after an organisation's noun ("l'association Lumières du Port", "the charity Open Doors")
    is that organisation, and the noun finds it again."""
    for unit in units:
        for match in _ORG_NOUN_THEN_NAME.finditer(unit.text):
            noun = fold(match.group("noun"))
            if noun in ORG_NOUNS:
                name = match.group("name")
                if not is_first_name(name.split()[0]):
                    entity = state.registry.organisation(name, -1)
                    entity.roles.add(noun)
        for match in list(_ORG_RUN.finditer(unit.text)) + list(
            _ORG_SENTENCE_CASE.finditer(unit.text)
        ):
            name = _strip_leading(match.group(0))
            if len(name.split()) >= 2 and is_organisation_name(name):
                state.registry.organisation(name, -1)


def _strip_leading(name: str) -> str:
    words = name.split()
    while words and fold(words[0]).strip(".") in NOT_NAMES:
        words = words[1:]
    return " ".join(words)


# --- interviews -------------------------------------------------------------------------------

_LABEL = re.compile(
    r"^(?P<label>Q|A|P|R|Q\.|A\.|Question|Answer|Pregunta|Respuesta|Réponse|"
    r"(?:(?:The|Le|La|L['’]|El)\s*)?[A-ZÀ-Þ][\w’'.-]*(?:\s+(?:(?:de|du|van|von|der|la|le)\s+)?"
    r"[A-ZÀ-Þ][\w’'.-]*){0,3})\s*:\s+(?P<rest>\S.*)$",
    re.S,
)
_ASKING = frozenset({"q", "q.", "question", "pregunta", "p"})
_ANSWERING = frozenset({"a", "a.", "answer", "respuesta", "réponse", "r"})
_FIRST_SECOND_PERSON = re.compile(
    r"\b(?:I|me|my|mine|we|us|our|you|your|je|j['’]|moi|nous|vous|on|mon|ma|mes|notre|nos|"
    r"yo|me|mi|mis|nosotros|nuestro|nuestra|usted|tú)\b",
)


@dataclass
class _Interview:
    """An interview's labels: which ask and which answer, and who the answerers are."""

    labels: dict[str, str] = field(default_factory=dict)  # label -> "ask" | "answer"
    guest: Entity | None = None  # who answers under "A:"
    turn: Entity | None = None  # the guest answering now (for unlabelled paragraphs)
    turn_open: bool = False

    @classmethod
    def detect(cls, units: list[_Unit], state: _State, article: Article) -> _Interview:
        found: dict[str, list[str]] = {}
        for unit in units:
            if unit.kind != "paragraph":
                continue
            match = _LABEL.match(unit.text)
            if match and not _NOT_LABELS.match(match.group("label")):
                found.setdefault(match.group("label"), []).append(match.group("rest"))
        repeated = {label: turns for label, turns in found.items() if len(turns) >= 2}
        interview = cls()
        if len(found) < 2 or not repeated:
            return interview
        byline = fold(article.byline or "")
        for label, turns in found.items():
            key = fold(label)
            asks = sum(turn.rstrip().endswith("?") for turn in turns) / len(turns)
            if key in _ASKING:
                role = "ask"
            elif key in _ANSWERING:
                role = "answer"
            elif (
                re.match(r"(?:the|le|la|l['’]|el)\b", key)
                or (byline and key.split()[-1] in byline)
                or asks > 0.5
            ):
                role = "ask"
            else:
                role = "answer"
            interview.labels[label] = role
        if not any(r == "answer" for r in interview.labels.values()) or not any(
            r == "ask" for r in interview.labels.values()
        ):
            interview.labels = {}
            return interview
        if any(fold(label) in _ANSWERING for label in interview.labels):
            interview.guest = _introduced_guest(units, state, article)
        return interview

    def label_of(self, text: str) -> tuple[str, str, str] | None:
        """(label, role, the rest) for a labelled paragraph of this interview."""
        if not self.labels:
            return None
        match = _LABEL.match(text)
        if match is None or match.group("label") not in self.labels:
            return None
        return match.group("label"), self.labels[match.group("label")], match.group("rest")


_NOT_LABELS = re.compile(
    r"^(?:Note|Update|Updated|Correction|Editor|Photo|Source|Read more)$", re.I
)


def _introduced_guest(units: list[_Unit], state: _State, article: Article) -> Entity | None:
    """The person an interview presents: named in its headline, else first in its
    introduction (the paragraphs before the first question)."""
    byline = set(fold(article.byline or "").split())
    texts = [article.title]
    for unit in units:
        if unit.kind == "paragraph" and _LABEL.match(unit.text):
            break
        if unit.kind == "paragraph":
            texts.append(unit.text)
    for text in texts:
        for match in NAME.finditer(text):
            name = _strip_leading(match.group(0))
            words = name.split()
            if len(words) < 2 or set(fold(name).split()) <= byline:
                continue
            if is_organisation_name(name) or is_place_name(name):
                continue
            if not is_first_name(words[0]) and not re.match(
                rf"\s*(?:has|is|was|said|says|{SPEECH_VERB.pattern})", text[match.end() :]
            ):
                continue
            return state.registry.person(name, state.sentence)
    return None


# --- one unit ---------------------------------------------------------------------------------


def _read_unit(
    number: int,
    unit: _Unit,
    units: list[_Unit],
    state: _State,
    interview: _Interview,
    language: str,
) -> tuple[list[Run], list[Entity | None], list[_Chain | None]]:
    if unit.kind == "quotation":
        return _block_quote(number, unit, units, state)
    labelled = interview.label_of(unit.text) if unit.kind == "paragraph" else None
    if labelled is not None:
        return _interview_turn(unit, labelled, state, interview)
    if interview.turn_open and unit.kind == "paragraph":
        if _continues_answer(unit.text):
            who = interview.turn
            state.last_quote, state.ended_in_quote = who, True
            return [Run(RunKind.QUOTE, unit.text)], [who], [None]
        interview.turn_open = False
    return _prose(number, unit, units, state, language)


def _interview_turn(
    unit: _Unit, labelled: tuple[str, str, str], state: _State, interview: _Interview
) -> tuple[list[Run], list[Entity | None], list[_Chain | None]]:
    label, role, rest = labelled
    letter = fold(label) in _ASKING | _ANSWERING
    head = unit.text[: len(unit.text) - len(rest)]
    if role == "ask":
        interview.turn_open = False
        if letter:
            return [Run(RunKind.NARRATION, rest, carried=head)], [None], [None]
        return [Run(RunKind.NARRATION, unit.text)], [None], [None]
    who = interview.guest if letter else state.registry.person(label, state.sentence)
    interview.turn, interview.turn_open = who, True
    state.last_quote, state.ended_in_quote = who, True
    if who is not None:
        state.history.append(_Mention(who, state.sentence, True))
    state.sentence += 1
    if letter:
        return [Run(RunKind.QUOTE, rest, carried=head)], [who], [None]
    return (
        [Run(RunKind.NARRATION, head.strip()), Run(RunKind.QUOTE, rest)],
        [None, who],
        [None, None],
    )


def _continues_answer(text: str) -> bool:
    """An unlabelled paragraph after an answer is more of it when it speaks in the first or
    second person and quotes nobody."""
    if re.search(r"[“”\"«»]", text):
        return False
    return bool(_FIRST_SECOND_PERSON.search(text))


def _block_quote(
    number: int, unit: _Unit, units: list[_Unit], state: _State
) -> tuple[list[Run], list[Entity | None], list[_Chain | None]]:
    who: Entity | None = None
    if unit.attribution:
        who = _resolve_phrase(unit.attribution, state, subject=True)
    if who is None and state.previous_text.rstrip().endswith(":"):
        who = _sentence_speaker(_last_sentence(state.previous_text), state)
    if who is None and number + 1 < len(units):
        following = units[number + 1]
        if following.kind == "paragraph" and _REFERS_BACK.search(following.text):
            who = _first_named(following.text, state)
    state.last_quote, state.ended_in_quote = who, True
    state.previous_text = unit.text
    state.open_family, state.open_chain = None, None
    if who is not None:
        state.history.append(_Mention(who, state.sentence, True))
    state.sentence += 1
    return [Run(RunKind.QUOTE, unit.text)], [who], [None]


_REFERS_BACK = re.compile(
    r"\b(?:above|ci-dessus|plus haut|arriba|these words|those words|that letter|this letter|"
    r"that statement|this statement|ces mots|ce courrier|cette lettre|ese texto|esas palabras)\b",
    re.I,
)


def _first_named(text: str, state: _State) -> Entity | None:
    for match in list(_ORG_SENTENCE_CASE.finditer(text)) + list(NAME.finditer(text)):
        name = _strip_leading(match.group(0))
        if not name:
            continue
        if is_organisation_name(name):
            return state.registry.organisation(name, state.sentence)
        found = state.registry.find(name)
        if found is not None:
            return found
    return None


# --- prose: paragraphs, list items, captions ---------------------------------------------------


def _prose(
    number: int, unit: _Unit, units: list[_Unit], state: _State, language: str
) -> tuple[list[Run], list[Entity | None], list[_Chain | None]]:
    text = unit.text
    carried = state.open_family
    if carried is not None and opening_family(text) is not carried:
        carried = None  # the quotation was not carried on after all
        state.open_chain = None
    spans, still_open = find_spans(text, carried, dialogue=language in DIALOGUE_LANGUAGES)
    if still_open is not None and not _continues(units, number, still_open):
        # A stray mark: the paragraph is narration, marks and all.
        spans = [s for s in spans if not s.open_end]
        still_open = None
    for span in spans:
        span.kind = classify(text, span)
        if span.kind is Kind.FULL:
            span.incises = incises(text, span.inner_start, span.inner_end)

    pieces = _pieces(text, spans)
    runs: list[Run] = []
    speakers: list[Entity | None] = []
    chains: list[_Chain | None] = []
    span_chains: dict[int, _Chain] = {}
    previous_quote: Entity | None = None
    first_quote_at_start = bool(spans) and (
        spans[0].continued or not text[: spans[0].start].strip()
    )
    start_context = state.last_quote if state.ended_in_quote else state.last_subject
    quote_runs: list[int] = []
    for piece in pieces:
        if piece.kind == "narration":
            for sentence, who in _narration(piece.text, state):
                runs.append(Run(RunKind.NARRATION, sentence))
                speakers.append(who)
                chains.append(None)
            continue
        chain = span_chains.get(piece.chain)
        if chain is None:
            if piece.continued and state.open_chain is not None:
                chain = state.open_chain
            elif piece.joins is not None and piece.joins in span_chains:
                chain = span_chains[piece.joins]
            else:
                chain = _Chain()
            span_chains[piece.chain] = chain
        who = _resolve_phrase(piece.attribution, state, subject=True)
        if who is not None and not chain.explicit:
            chain.speaker, chain.explicit = who, True
        runs.append(Run(RunKind.QUOTE, piece.text))
        speakers.append(who)
        chains.append(chain)
        quote_runs.append(len(runs) - 1)
        if piece.open_end:
            state.open_chain = chain

    # Quotations with no attribution of their own: the one before in the paragraph, or the
    # paragraph before.
    for index in quote_runs:
        linked = chains[index]
        if linked is not None and linked.speaker is not None:
            previous_quote = linked.speaker
            continue
        if previous_quote is not None:
            if linked is not None:
                linked.speaker = previous_quote
            speakers[index] = previous_quote
            continue
        if first_quote_at_start and index == quote_runs[0] and start_context is not None:
            if linked is not None:
                linked.speaker = start_context
            speakers[index] = start_context
            previous_quote = start_context
            continue
        context = state.topic
        if context is not None and linked is not None and not linked.explicit:
            linked.speaker = context
            speakers[index] = context
            previous_quote = context

    # What this unit leaves for the next.
    state.open_family = still_open
    if still_open is None:
        state.open_chain = None
    ended_in_quote = bool(runs) and runs[-1].kind is RunKind.QUOTE
    state.ended_in_quote = ended_in_quote
    if quote_runs:
        last = chains[quote_runs[-1]]
        state.last_quote = last.speaker if last is not None else speakers[quote_runs[-1]]
        if state.last_quote is not None:
            state.history.append(_Mention(state.last_quote, state.sentence, True))
            state.topic = state.last_quote
    state.previous_text = text
    return runs, speakers, chains


def _continues(units: list[_Unit], number: int, family: Family) -> bool:
    if number + 1 >= len(units):
        return False
    following = units[number + 1]
    return following.kind in ("paragraph", "item") and opening_family(following.text) is family


@dataclass
class _Piece:
    kind: str  # "narration" or "quote"
    text: str
    chain: int = -1  # the quotation it is part of (its index among the full quotations)
    attribution: str | None = None  # the speaker phrase found for that quotation
    joins: int | None = None  # a split quotation: the quotation whose chain it goes on
    continued: bool = False  # goes on from the paragraph before
    open_end: bool = False  # goes on into the next paragraph


def _pieces(text: str, spans: list[Span]) -> list[_Piece]:
    """The unit as narration and quotation parts, each quotation with its attribution."""
    pieces: list[_Piece] = []
    cursor = 0
    full = [s for s in spans if s.kind is Kind.FULL]
    for number, span in enumerate(full):
        before = text[cursor : span.start]
        if before.strip():
            pieces.append(_Piece("narration", before.strip()))
        after_end = full[number + 1].start if number + 1 < len(full) else len(text)
        after = text[span.end : after_end]
        inner = text[span.inner_start : span.inner_end]
        between = text[full[number - 1].end : span.start] if number else ""
        # "First part," she said, "second part.": one quotation, one sentence.
        joins = (
            number - 1
            if number
            and not re.search(r"[.!?…][\s”\"’'»]*$", text[: span.start].rstrip() + " ")
            and not re.search(r"[.!?…]\s", between)
            else None
        )
        incise_spans = span.incises or []
        subjects = [s for a, b in incise_spans if (s := _incise_subject(text[a:b]))]
        attribution = (
            (subjects[0] if subjects else None)
            or _attribution_after(after, inner)
            or _attribution_before(before)
        )
        parts: list[tuple[int, int, bool]] = []  # (start, end, is an incise)
        position = span.inner_start
        for a, b in incise_spans:
            parts.append((position, a, False))
            parts.append((a, b, True))
            position = b
        parts.append((position, span.inner_end, False))
        speech = [(a, b) for a, b, incise in parts if not incise and re.search(r"\w", text[a:b])]
        for a, b, incise in parts:
            chunk = text[a:b].strip()
            if not re.search(r"\w", chunk):
                continue
            if incise:
                pieces.append(_Piece("narration", chunk))
                continue
            pieces.append(
                _Piece(
                    "quote",
                    chunk,
                    number,
                    attribution,
                    joins=joins,
                    continued=span.continued,
                    open_end=span.open_end and (a, b) == speech[-1],
                )
            )
        cursor = span.end
    rest = text[cursor:]
    if rest.strip():
        pieces.append(_Piece("narration", rest.strip()))
    return pieces


def _incise_subject(incise: str) -> str | None:
    clause = incise.strip(" —–―,.")
    inverted = INVERTED_PRONOUN.search(clause)
    if inverted and inverted.start() == 0:
        return inverted.group("a") or inverted.group("b")
    verb = SPEECH_VERB.search(clause)
    if verb is None:
        return None
    subject = clause[verb.end() :].strip()
    return subject or None


# --- attribution clauses ----------------------------------------------------------------------

_ADVERBIAL = re.compile(
    r"^(?:in|on|at|after|before|as|when|while|late|early|later|afterwards|yesterday|today|"
    r"last|this|during|outside|inside|from|with|to|pointing|speaking|adding|tapping|"
    r"shaking|smiling|laughing|quietly|simply|flatly|firmly|again|then|dans|en|lors|à|au|"
    r"devant|après|avant|por|en|durante|tras|ante|con)\b",
    re.I,
)
_SUBJECT_STOP = re.compile(
    r"\s*(?:[,;:.!?—–()]|\bwho\b|\bwhich\b|\bqui\b|\bque\b|\bafter\b|\bbefore\b|\bas\b|"
    r"\bwhen\b|\bwhile\b|\bin a\b|\bin an\b|\bin written\b|\bon\b|\bat\b|\bduring\b|"
    r"\bspeaking\b|\bentre\b|\bdans\b|\ben\b)",
    re.I,
)


def _attribution_after(after: str, inner: str) -> str | None:
    """The speaker phrase of an attribution right after a quotation, in its sentence."""
    found = _attribution_after_masked(_mask(after), inner)
    return found.replace("\x00", ".") if found else None


def _mask(text: str) -> str:
    """Full stops of abbreviations ("Sen.", "Mr.") hidden, so they end no sentence."""
    return _ABBREVIATED.sub(lambda m: m.group(1) + "\x00", text)


def _attribution_after_masked(after: str, inner: str) -> str | None:
    head = re.split(r"(?<=[.!?…])\s+(?=[A-ZÀ-Þ“\"«‘'—–])", after.strip(), maxsplit=1)[0]
    head = head.lstrip(" ,;:—–-")
    if not head:
        return None
    complete = bool(re.search(r"[.!?…]$", inner.strip()))
    according = ACCORDING_TO.match(head)
    if according:
        return _speaker_after_verb(head[according.end() :])
    inverted = INVERTED_PRONOUN.match(head)
    if inverted and SPEECH_VERB.search(head[: inverted.end()] + " "):
        return inverted.group("a") or inverted.group("b")
    if inverted:
        return inverted.group("a") or inverted.group("b")
    verb = re.match(
        rf"(?:(?:le|les|me|nos|lui|leur)\s+)?(?:{SPEECH_VERB.pattern})(?![\w’'-])", head, re.I
    )
    if verb:
        rest = head[verb.end() :]
        if not rest.strip() or re.match(r"\s*[.,;!?]", rest):
            return "<topic>"  # "«…», afirmó." the subject is the one being talked about
        return _speaker_after_verb(rest)
    verb = SPEECH_VERB.search(head)
    if verb is None:
        return None
    subject = head[: verb.start()].strip()
    if not subject or len(subject.split()) > 7 or re.search(r"[,;:]", subject):
        return None
    tail = head[verb.end() :]
    if (
        complete
        and head[:1].isupper()
        and tail.strip()
        and not (re.match(r"\s*[.,;!?]", tail) or _ADVERBIAL.match(tail.strip()))
    ):
        return None  # a new sentence of reported speech, not this quotation's attribution
    return subject


def _attribution_before(before: str) -> str | None:
    """The speaker phrase of an attribution that introduces a quotation ("X said:")."""
    text = before.rstrip()
    if not text.endswith((":", ",")):
        return None
    clause = re.split(r"(?<=[.!?…])\s+", text[:-1])[-1]
    according = ACCORDING_TO.search(clause)
    if according:
        return _speaker_after_verb(clause[according.end() :])
    verbs = list(SPEECH_VERB.finditer(clause))
    if not verbs:
        return None
    verb = verbs[0]
    after = clause[verb.end() :].strip()
    before_verb = clause[: verb.start()]
    if before_verb.strip():
        return _subject_before(before_verb)
    return _speaker_after_verb(after) if after else None


def _phrase_until_stop(text: str) -> str | None:
    text = text.strip()
    stop = _SUBJECT_STOP.search(text)
    phrase = text[: stop.start()] if stop else text
    phrase = phrase.strip()
    return phrase or None


# --- narration: mentions, reported speech --------------------------------------------------------


def _narration(text: str, state: _State) -> list[tuple[str, Entity | None]]:
    """Narration split into sentences, each with the speaker of a partial quotation it holds
    (None when it holds none); who is named is noted on the way."""
    found: list[tuple[str, Entity | None]] = []
    for sentence in split_sentences(text):
        speaker = _sentence_speaker(sentence, state)
        embedded = bool(find_spans(sentence)[0])
        found.append((sentence, speaker if embedded else None))
        state.sentence += 1
    state.previous_text = text
    return found


_LEADING_CLAUSE = re.compile(
    r"^(?:asked|pressed|questioned|interrogée?s?|questionnée?s?|preguntad[oa]s?|"
    r"consultad[oa]s?|when|after|before|as|although|though|while|since|if|once|speaking|"
    r"quand|lorsqu|alors|après|avant|cuando|tras|después|antes|in|on|at|for|en|dans|à|"
    r"según|selon|according)\b[^,]*,\s*",
    re.I,
)
_AUXILIARIES = frozenset(
    "has have had also later then once again always often still is was will would could "
    "also a ont avait était va aussi ha había".split()
)


def _sentence_speaker(sentence: str, state: _State) -> Entity | None:
    """Note every person and organisation the sentence names, and return whoever it says is
    speaking (the subject of its first speech verb, or of "according to"), or else its
    subject when that is a person already named: who a following quotation may be from."""
    subject_entity: Entity | None = None
    main = sentence
    leading = _LEADING_CLAUSE.match(sentence)
    participle_gender = None
    if leading:
        word = fold(leading.group(0).split()[0])
        if word in ("interrogee", "questionnee", "preguntada", "consultada"):
            participle_gender = "f"
        elif word in ("interroge", "questionne", "preguntado", "consultado"):
            participle_gender = "m"
        main = sentence[leading.end() :]
    # Everyone named in it.
    named: list[Entity] = []
    for match in NAME.finditer(sentence):
        name = _strip_leading(match.group(0))
        if not name:
            continue
        entity = _named(name, sentence, match.end() - len(name), state)
        if entity is not None:
            named.append(entity)
    according = ACCORDING_TO.search(sentence)
    if according:
        subject_entity = _resolve_phrase(
            _speaker_after_verb(sentence[according.end() :]), state, subject=True
        )
    verb = SPEECH_VERB.search(main)
    if subject_entity is None and verb is not None:
        before = main[: verb.start()]
        phrase = _subject_before(before)
        if phrase == "<relative>":
            subject_entity = _antecedent(before, state)
        elif phrase:
            subject_entity = _resolve_phrase(phrase, state, subject=True, sentence=sentence)
        elif not before.strip():
            subject_entity = _resolve_phrase(
                _speaker_after_verb(main[verb.end() :]), state, subject=True
            )
    if subject_entity is None and verb is None:
        # No speech verb: the subject is whoever opens the sentence ("O'Dowd paused."), or
        # the name after a role that opens it ("le maire, Gwénaël Tanguy, a pris …").
        segments = main.split(",")
        phrase = segments[0]
        if len(segments) > 2 and not _names_in(phrase) and _DETERMINER.match(phrase.strip()):
            apposition = _strip_leading(segments[1].strip())
            if apposition and NAME.fullmatch(apposition):
                phrase = apposition
        words = fold(phrase).split()
        if words and words[0] in PRONOUNS:
            subject_entity = _resolve_pronoun(PRONOUNS[words[0]], state, sentence)
        else:
            names = _names_in(phrase)
            if names and names[0][0] <= 3:
                subject_entity = state.registry.find(names[0][2], Source.PERSON)
    if subject_entity is not None and participle_gender and subject_entity.gender is None:
        subject_entity.gender = participle_gender
    for entity in named:
        if entity is not subject_entity:
            state.history.append(_Mention(entity, state.sentence, False))
    _learn_roles(sentence, state)
    _learn_genders(sentence, state, subject_entity)
    if subject_entity is not None:
        state.history.append(_Mention(subject_entity, state.sentence, True))
        if subject_entity.source in (Source.PERSON, Source.ANONYMOUS):
            state.topic = subject_entity
    state.last_subject = subject_entity
    state.ended_in_quote = False
    return subject_entity


def _subject_before(before: str) -> str | None:
    """The subject phrase of a verb, from the words before it in its clause.

    "X, who …, said": the phrase before the first comma (or the name in apposition after a
    role: "The orchestra's conductor, Mateus Albuquerque, has called"); "… , a plan it
    describes": the pronoun right before the verb; "the council's head of highways, Niall
    O'Dowd, defended": the name; "who said": "<relative>".
    """
    words = re.findall(r"[\w’'.-]+", before)
    while words and fold(words[-1]) in _AUXILIARIES:
        before = before[: before.rstrip().rfind(words[-1])]
        words.pop()
    trailing = words
    if trailing and fold(trailing[-1]) in ("who", "qui", "que", "quien", "which"):
        return "<relative>"
    if trailing and fold(trailing[-1]) in PRONOUNS and fold(trailing[-1]) not in ("her", "him"):
        return str(trailing[-1])
    segments = [seg.strip() for seg in before.split(",")]
    if len(segments) == 1 or segments[-1]:
        phrase = segments[-1]
        return _trim_subject(phrase) if phrase else None
    first = segments[0]
    if len(segments) > 2 and not _names_in(first) and _names_in(segments[1]):
        second = segments[1]
        if NAME.fullmatch(_strip_leading(second) or "-"):
            return f"{first}, {second}"
    return _trim_subject(first)


def _trim_subject(phrase: str) -> str:
    """A subject without the auxiliaries and adverbs before the verb."""
    words = phrase.split()
    while words and fold(words[-1]) in _AUXILIARIES:
        words.pop()
    return " ".join(words)


def _antecedent(before: str, state: _State) -> Entity | None:
    """Who "who" is: the last person named before it in the sentence, else the description
    before it ("A baker who asked not to be named said …": an unnamed source)."""
    for _, _, name in reversed(_names_in(before)):
        found = state.registry.find(name, Source.PERSON)
        if found is not None:
            return found
    head = re.split(r"\b(?:who|qui|quien|que|which)\b", before)[0]
    head = head.split(",")[-1].strip() or head.split(",")[0].strip()
    if _DETERMINER.match(head) and not _names_in(head):
        return _resolve_phrase(head, state, subject=True)
    return None


_ABBREVIATED = re.compile(
    r"\b(Sen|Rep|Gov|Dr|Mr|Mrs|Ms|St|Lt|Gen|Col|Sgt|Capt|Prof|Rev|Supt|Insp|Det|Cllr|M|Mme|Mlle|Sr|Sra|Srta|Jr)\."
)


def _speaker_after_verb(text: str) -> str | None:
    """The speaker phrase after a verb ("said state Sen. Marisol Quintero-Park, a Democrat
    …"), with a name in apposition when the phrase is a role ("a déclaré le maire, Bernard
    Quémeneur, venu …")."""
    masked = _mask(text)
    phrase = _phrase_until_stop(masked)
    if phrase is None:
        return None
    if not _names_in(phrase.replace("\x00", ".")):
        rest = masked.strip()[len(phrase) :]
        apposition = re.match(r"\s*,\s*([^,.;:!?]+)", rest)
        if apposition and _names_in(apposition.group(1).replace("\x00", ".")):
            phrase = f"{phrase}, {apposition.group(1).strip()}"
    return phrase.replace("\x00", ".")


def _named(name: str, sentence: str, position: int, state: _State) -> Entity | None:
    """The person or organisation a capitalised name in narration is, when it is one."""
    registry = state.registry
    if is_organisation_name(name):
        return registry.organisation(name, state.sentence)
    first = fold(name.split()[0])
    honorific = first in HONORIFICS or first.rstrip(".") in TITLES
    if is_place_name(name) and not is_first_name(name.split()[0]) and not honorific:
        return None
    before = sentence[:position].rstrip()
    last_word = before.split()[-1] if before.split() else ""
    known = registry.find(name, Source.PERSON)
    words = name.split()
    titled = fold(last_word) in HONORIFICS or fold(last_word).rstrip(".") in TITLES
    if len(words) >= 2 and is_first_name(words[0]) and known is None:
        return registry.person(name, state.sentence)
    if len(words) >= 2 and (fold(words[0]) in HONORIFICS or fold(words[0]).rstrip(".") in TITLES):
        return registry.person(name, state.sentence)
    place = re.search(r"\b(?:in|at|from|to|near|into|across|à|au|en|de|dans|desde|hacia)$", before)
    if place and known is None and not titled:
        return None
    if known is not None:
        return registry.person(name, state.sentence)
    if titled:
        return registry.person(f"{last_word} {name}", state.sentence)
    after = sentence[position + len(name) :]
    if len(words) >= 2 and re.match(
        rf"\s*(?:,\s*(?:who|qui|que|an?|the|le|la|un|une|el|una)\b|\s+(?:{SPEECH_VERB.pattern}))",
        after,
        re.I,
    ):
        return registry.person(name, state.sentence)
    # "Rowan Tillery was nineteen when …": two names opening a sentence, then its verb.
    if len(words) >= 2 and not before and re.match(r"\s+[a-zà-ÿ]", after):
        return registry.person(name, state.sentence)
    return None


_ROLE_BEFORE = re.compile(
    r"(?:^|[,;:]\s*|\b(?:by|from|to|selon|según|par|por|with)\s+)"
    r"(?P<det>the|la|le|l['’]|el|his|her|their|its|son|sa|su)\s+"
    r"(?P<role>[^,.;:]{2,60}?),\s+(?P<name>[^,.;:]+?)(?=[,.;:]|$)",
    re.I,
)
_ROLE_AFTER = re.compile(
    r"(?P<name>[^,.;:]+?),\s+(?P<det>the|a|an|la|le|l['’]|el|un|une|una|un)\s+"
    r"(?P<role>[^,.;:]{2,60}?)(?=[,.;:]|$)",
    re.I,
)


def _learn_roles(sentence: str, state: _State) -> None:
    """Roles the article gives people ("La alcaldesa, Pilar Soto, …", "Gloria Hutchins-Bey,
    a school nurse, …"), so that "dijo la alcaldesa" later finds her, and the gender a
    role says ("la alcaldesa", "his daughter")."""
    for pattern in (_ROLE_BEFORE, _ROLE_AFTER):
        for match in pattern.finditer(sentence):
            name = _strip_leading(match.group("name").strip())
            if not name or not NAME.fullmatch(name):
                continue
            person = state.registry.find(name, Source.PERSON)
            if person is None:
                continue
            role = re.split(
                r"\s+(?:of|de|du|des|del|from|at|in|for|who|qui|que)\b", match.group("role")
            )[0]
            words = [fold(w) for w in re.findall(r"[\w’'-]+", role) if w[:1].islower()]
            if not words:
                continue
            person.roles.add(words[-1])
            det = fold(match.group("det"))
            gender = GENDERED_NOUNS.get(words[-1]) or {"la": "f", "le": "m", "el": "m"}.get(det)
            if gender and person.gender is None:
                person.gender = gender


_THEY_PRONOUNS = re.compile(r"\buses? (?:they/them|they/their|the pronouns they)", re.I)
_GENDERED_PRONOUNS = re.compile(r"\buses? (?P<p>she|he)/(?:her|him)\b", re.I)


def _learn_genders(sentence: str, state: _State, subject: Entity | None) -> None:
    """Genders the article states: "who uses they/them pronouns"."""
    last_person = (
        subject
        if subject is not None and subject.source is Source.PERSON
        else next(
            (m.entity for m in reversed(state.history) if m.entity.source is Source.PERSON), None
        )
    )
    if last_person is None:
        return
    if _THEY_PRONOUNS.search(sentence):
        last_person.gender = "they"
    elif match := _GENDERED_PRONOUNS.search(sentence):
        last_person.gender = "f" if match.group("p").lower() == "she" else "m"


# --- resolving a speaker phrase ---------------------------------------------------------------

_DETERMINER = re.compile(
    r"^(?P<det>the|a|an|one|another|some|his|her|their|its|our|le|la|l['’]|les|un|une|son|sa|"
    r"ses|leur|el|los|las|uno|una|su|sus|otro|otra)\b\s*",
    re.I,
)
_INDEFINITE = frozenset("a an one another some un une uno una otro otra certain".split())


def _resolve_phrase(
    phrase: str | None,
    state: _State,
    *,
    subject: bool = False,
    sentence: str | None = None,
    introduce: bool = True,
) -> Entity | None:
    """The entity a speaker phrase names: a name, a pronoun, a role or a description.

    With ``introduce`` False (a sentence's subject that says nothing, as opposed to a
    speaker), only people and organisations already named, pronouns and roles are found.
    """
    if not phrase:
        return None
    registry = state.registry
    phrase = phrase.strip(" ,;:—–-").strip()
    if phrase == "<topic>":
        return state.topic
    if not phrase:
        return None
    words = fold(phrase).split()
    if words[0] in PRONOUNS and (len(words) == 1 or not introduce):
        return _resolve_pronoun(PRONOUNS[words[0]], state, sentence)
    names = _names_in(phrase)
    if names:
        start, _, name = names[0]
        if is_organisation_name(name) or registry.find(name, Source.ORGANISATION) is not None:
            return registry.organisation(name, state.sentence)
        prefix = phrase[:start]
        before = re.findall(r"[\w’'.-]+", prefix)
        roles = {fold(w).rstrip(".") for w in before if w[:1].islower() or fold(w) in TITLES}
        roles -= set(PARTICLES) | {"the", "state", "his", "her", "their", "its", "son", "sa", "su"}
        gender = next((HONORIFICS[fold(w)] for w in before[-1:] if fold(w) in HONORIFICS), None)
        gender = gender or next(
            (GENDERED_NOUNS[fold(w)] for w in before if fold(w) in GENDERED_NOUNS), None
        )
        if gender is None and before and fold(before[0]) in ("la", "une", "una"):
            gender = "f"
        elif gender is None and before and fold(before[0]) in ("le", "un", "el"):
            gender = "m"
        known = registry.find(name, Source.PERSON)
        if known is None and not introduce:
            return None
        title = before[-1] if before and fold(before[-1]).rstrip(".") in TITLES else None
        entity = registry.person(
            f"{title} {name}" if title and len(name.split()) == 1 and known is None else name,
            state.sentence,
            roles=roles,
            gender=gender,
        )
        return entity
    if words[0] in PRONOUNS:
        return _resolve_pronoun(PRONOUNS[words[0]], state, sentence)
    if not introduce:
        det = _DETERMINER.match(phrase)
        if det and fold(det.group("det")) in ("the", "le", "la", "l'", "el"):
            head = fold(phrase[det.end() :].split()[0]) if phrase[det.end() :].split() else ""
            if head in ORG_NOUNS:
                return registry.organisation_for(head)
            return registry.by_role(head)
        return None
    # A description: a document, an organisation, a role, or an unnamed source.
    det = _DETERMINER.match(phrase)
    noun_phrase = phrase[det.end() :] if det else phrase
    head_words = re.split(
        r"\s+(?:of|de|du|des|from|in|at|for|del|who|qui|que|with|avec|con|entre)\s+", noun_phrase
    )[0]
    head_words = re.sub(r"[’']s\b", "", head_words)
    heads = [fold(w) for w in re.findall(r"[\w’'-]+", head_words)]
    head = heads[-1] if heads else ""
    if not head or not re.match(r"[^\W\d_]", head):
        return None
    if head in DOCUMENT_NOUNS or any(h in DOCUMENT_NOUNS for h in heads[-2:]):
        return registry.touch(Entity(phrase, Source.DOCUMENT), state.sentence)
    definite = det is None or fold(det.group("det")) not in _INDEFINITE
    if head in ORG_NOUNS or any(h in ORG_NOUNS for h in heads):
        noun = head if head in ORG_NOUNS else next(h for h in heads if h in ORG_NOUNS)
        named = registry.organisation_for(noun)
        if named is not None:
            return registry.touch(named, state.sentence)
        if definite:
            return registry.organisation(phrase, state.sentence)
    person = registry.by_role(head)
    if person is not None and definite:
        return registry.touch(person, state.sentence)
    if det is None and not subject:
        return None
    entity = Entity(phrase, Source.ANONYMOUS)
    _gender_from_words(entity, phrase)
    if entity.gender is None and det:
        article = fold(det.group("det"))
        entity.gender = {"une": "f", "una": "f", "un": "m", "uno": "m"}.get(article)
    return registry.touch(entity, state.sentence)


def _names_in(phrase: str) -> list[tuple[int, int, str]]:
    """The names in a phrase, as (start, end, name): not a title alone, not a place after
    "of"/"de" ("le maire de Saint-Véran"), and a lone capitalised word before a longer name
    ("Republican state Rep. Douglas Fairweather") set aside."""
    found: list[tuple[int, int, str]] = []
    for match in NAME.finditer(phrase):
        name = _strip_leading(match.group(0))
        if not name:
            continue
        start = match.end() - len(name)
        if len(name.split()) == 1 and fold(name).rstrip(".") in TITLES | set(HONORIFICS):
            continue
        if re.search(r"\b(?:of|de|du|des|del|from|in|at|for|à|en)\s*$", phrase[:start]):
            continue
        found.append((start, match.end(), name))
    if len(found) > 1 and len(found[0][2].split()) == 1:
        return found[1:]
    return found


def _gender_from_words(entity: Entity, phrase: str) -> None:
    if entity.gender is not None:
        return
    words = [fold(w) for w in re.findall(r"[\w’'-]+", phrase)]
    for word in words:
        if word in GENDERED_NOUNS:
            entity.gender = GENDERED_NOUNS[word]
            return
    if words and words[0] in ("la",) and entity.source is Source.PERSON:
        entity.gender = "f"
    elif words and words[0] in ("le",) and entity.source is Source.PERSON:
        entity.gender = "m"


def _resolve_pronoun(gender: str, state: _State, sentence: str | None = None) -> Entity | None:
    """The person (or organisation, for "it") the article last talked about whose gender
    fits; one whose gender is not known yet, if they were the subject just before."""
    recent = [m for m in reversed(state.history) if state.sentence - m.sentence <= PRONOUN_REACH]
    if gender == "it" and sentence:
        # "The company wants …, a plan it describes …": the organisation earlier in the sentence.
        for noun in re.findall(r"\b(?:the|la|le|l['’]|el)\s+([\w’'-]+)", sentence, re.I):
            named = state.registry.organisation_for(noun)
            if named is not None:
                return named
    if gender == "it":
        return next(
            (m.entity for m in recent if m.entity.source in (Source.ORGANISATION, Source.DOCUMENT)),
            None,
        )
    people = [m for m in recent if m.entity.source in (Source.PERSON, Source.ANONYMOUS)]
    for mention in people:
        entity = mention.entity
        if entity.gender == gender:
            return entity
        if entity.gender is None and mention.subject and state.sentence - mention.sentence <= 1:
            entity.gender = gender
            return entity
    if gender == "they":
        return None
    for mention in people:
        if mention.entity.gender is None:
            mention.entity.gender = gender
            return mention.entity
    return None


def _last_sentence(text: str) -> str:
    sentences = split_sentences(text)
    return sentences[-1] if sentences else text
