"""Article -> Script: the one place where written structure becomes speech.

Every announcement, quote cue and pause is decided here; synthesis only voices the segments
and assembly only lays them end to end. The words the narrator adds live in ``Wording``.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from audionews.article import (
    Article,
    Block,
    Break,
    Figure,
    Heading,
    ListBlock,
    Paragraph,
    Quotation,
    Table,
)
from audionews.text.attribution import UnitKey, attribute
from audionews.text.quotes import Run, RunKind
from audionews.text.sentences import split_sentences


class Role(enum.Enum):
    """Who speaks a segment: each role has its own voice in a profile."""

    ANNOUNCEMENT = "announcement"
    NARRATION = "narration"
    QUOTE = "quote"


class QuoteStyle(enum.Enum):
    """How a listener is told that words are a quotation."""

    VOICE = "voice"  # the quote voice alone
    CUES = "cues"  # narrator says "Quote," … "End quote." in the narrator's voice
    BOTH = "both"  # cues, and the quote voice


@dataclass(frozen=True)
class Pauses:
    """Silence after each kind of segment, in milliseconds."""

    sentence: int = 300
    paragraph: int = 700
    announcement: int = 600
    list_item: int = 450
    section: int = 1400

    def scaled(self, factor: float) -> Pauses:
        return Pauses(*(round(value * factor) for value in self.__dict__.values()))


@dataclass(frozen=True)
class Segment:
    """One utterance.

    role: whose voice says it.
    text: the words as the transcript shows them.
    pause_ms: silence after it.
    speaker: for a quote, who said it when the article says; else None.
    article_text: the part of the article this segment carries ("" for pure cues such as
        "End of list."), so it can be shown that nothing of the article is lost.
    spoken: what the synthesiser is given (speech.speakable_script fills it); "" until then.
    block: the index in ``Article.blocks`` of the block it comes from; -1 for the words
        around the article (title, byline, overview, closing). A section announcement carries
        its heading's index.
    item: for a segment of a list or table, the index of its (top-level) item or row; None
        for the list's or table's own announcements and for every other block.
    """

    role: Role
    text: str
    pause_ms: int
    speaker: str | None = None
    article_text: str = ""
    spoken: str = ""
    block: int = -1
    item: int | None = None

    @property
    def utterance(self) -> str:
        """The text to synthesise: the speakable form when there is one."""
        return self.spoken or self.text


@dataclass(frozen=True)
class ScriptChapter:
    """What one chapter of the episode says: the opening, or one section of the article.

    level: the chapter's depth: 1 for the opening, 2 for a section of the article, 3 for a
        part of a section (a sub-heading: Markdown ``###``, HTML h3). Chapters stay a flat list
        in playing order, each covering only its own stretch; the level says how they nest.
        The Timeline's Chapter carries it on.
    """

    title: str
    segments: tuple[Segment, ...]
    level: int = 1


@dataclass(frozen=True)
class Script:
    """What is spoken, chapter by chapter, with the article's metadata."""

    title: str
    chapters: tuple[ScriptChapter, ...]
    byline: str | None = None
    date: str | None = None
    language: str = "en"
    description: str | None = None
    updated: str | None = None

    @property
    def segments(self) -> Iterator[Segment]:
        for chapter in self.chapters:
            yield from chapter.segments

    def transcript(self) -> str:
        """The whole spoken text, one segment a line."""
        return "\n".join(segment.text for segment in self.segments)

    def summary(self) -> dict[str, object]:
        """The script as ``audionews script --json`` prints it."""
        return {
            "title": self.title,
            "byline": self.byline,
            "date": self.date,
            "updated": self.updated,
            "language": self.language,
            "chapters": [
                {
                    "title": chapter.title,
                    "level": chapter.level,
                    "segments": [
                        {
                            "role": s.role.value,
                            "text": s.text,
                            "spoken": s.spoken,
                            "speaker": s.speaker,
                        }
                        for s in chapter.segments
                    ],
                }
                for chapter in self.chapters
            ],
        }


@dataclass(frozen=True)
class Wording:
    """Every phrase the narrator adds to the article, in one place, for one language."""

    byline: str = "By {byline}."
    date: str = "Published {date}."
    updated: str = "Updated {date}."
    dateline: str = "Reporting from {dateline}."
    overview_one: str = "This briefing has 1 section: {names}"
    overview: str = "This briefing has {count} sections: {names}"
    section: str = "Section {number} of {total}: {title}"
    section_parts: str = "Section {number} of {total}, in {parts} parts: {title}"
    section_part_one: str = "Section {number} of {total}, in 1 part: {title}"
    part: str = "Section {section}, part {number} of {total}: {title}"
    list_start_one: str = "A list of 1 item."
    list_start: str = "A list of {count} items."
    list_end: str = "End of list."
    table_start_one: str = "A table of 1 row."
    table_start: str = "A table of {count} rows."
    table_row: str = "Row {number}."
    table_end: str = "End of table."
    figure: str = "Image: {caption}"
    quote_start: str = "Quote,"
    quote_start_named: str = "{who}, quote:"
    quote_end: str = "End quote."
    pull_quote_intro: str = "In the words of {who}:"
    closing: str = "End of briefing."
    and_word: str = "and"


WORDINGS = {
    "en": Wording(),
    "fr": Wording(
        byline="Par {byline}.",
        date="Publié le {date}.",
        updated="Mis à jour le {date}.",
        dateline="Depuis {dateline}.",
        overview_one="Ce bulletin compte une section : {names}",
        overview="Ce bulletin compte {count} sections : {names}",
        section="Section {number} sur {total} : {title}",
        section_parts="Section {number} sur {total}, en {parts} parties : {title}",
        section_part_one="Section {number} sur {total}, en une partie : {title}",
        part="Section {section}, partie {number} sur {total} : {title}",
        list_start_one="Une liste d'un élément.",
        list_start="Une liste de {count} éléments.",
        list_end="Fin de la liste.",
        table_start_one="Un tableau d'une ligne.",
        table_start="Un tableau de {count} lignes.",
        table_row="Ligne {number}.",
        table_end="Fin du tableau.",
        figure="Image : {caption}",
        quote_start="Citation :",
        quote_start_named="{who}, citation :",
        quote_end="Fin de citation.",
        pull_quote_intro="Selon {who} :",
        closing="Fin du bulletin.",
        and_word="et",
    ),
    "es": Wording(
        byline="Por {byline}.",
        date="Publicado el {date}.",
        updated="Actualizado el {date}.",
        dateline="Desde {dateline}.",
        overview_one="Este boletín tiene una sección: {names}",
        overview="Este boletín tiene {count} secciones: {names}",
        section="Sección {number} de {total}: {title}",
        section_parts="Sección {number} de {total}, en {parts} partes: {title}",
        section_part_one="Sección {number} de {total}, en una parte: {title}",
        part="Sección {section}, parte {number} de {total}: {title}",
        list_start_one="Una lista de un elemento.",
        list_start="Una lista de {count} elementos.",
        list_end="Fin de la lista.",
        table_start_one="Una tabla de una fila.",
        table_start="Una tabla de {count} filas.",
        table_row="Fila {number}.",
        table_end="Fin de la tabla.",
        figure="Imagen: {caption}",
        quote_start="Cita:",
        quote_start_named="{who}, cita:",
        quote_end="Fin de la cita.",
        pull_quote_intro="En palabras de {who}:",
        closing="Fin del boletín.",
        and_word="y",
    ),
}


def wording_for(language: str) -> Wording:
    """The narrator's phrases in the article's language; English where there is no table."""
    return WORDINGS.get((language or "en").split("-")[0].lower(), WORDINGS["en"])


def _sentence(text: str) -> str:
    """Close a phrase with a full stop unless it already ends like a sentence."""
    return text if text.endswith((".", "?", "!", ":")) else text + "."


def _join_names(names: list[str], and_word: str) -> str:
    bare = [name.rstrip(".:?!") for name in names]
    if len(bare) <= 2:
        return f" {and_word} ".join(bare)
    return "; ".join(bare[:-1]) + f"; {and_word} " + bare[-1]


@dataclass
class _ChapterBuilder:
    """A chapter being written; ``block`` and ``item`` say where in the article the segments
    added now come from (see ``Segment``)."""

    title: str
    pauses: Pauses
    segments: list[Segment] = field(default_factory=list)
    block: int = -1
    item: int | None = None

    def add(
        self,
        role: Role,
        text: str,
        pause: int,
        speaker: str | None = None,
        article_text: str = "",
    ) -> None:
        self.segments.append(
            Segment(role, text, pause, speaker, article_text, block=self.block, item=self.item)
        )

    def end_block(self, pause: int) -> None:
        """Lengthen the pause after the block's last segment."""
        if self.segments:
            last = self.segments[-1]
            self.segments[-1] = dataclasses.replace(last, pause_ms=max(last.pause_ms, pause))

    level: int = 1

    def build(self) -> ScriptChapter:
        return ScriptChapter(self.title, tuple(self.segments), self.level)


def make_script(
    article: Article,
    pauses: Pauses | None = None,
    quote_style: QuoteStyle = QuoteStyle.VOICE,
    wording: Wording | None = None,
) -> Script:
    """Turn an article into the script of its episode."""
    pauses = pauses or Pauses()
    wording = wording or wording_for(article.language)
    levels = heading_levels(article.headings)
    sections = [h for h, level in zip(article.headings, levels, strict=True) if level == 2]
    places = _heading_places(levels)
    said = _Said(attribute(article), quote_style, wording, pauses)

    opening = _ChapterBuilder(article.title, pauses)
    opening.add(
        Role.ANNOUNCEMENT, _sentence(article.title), pauses.announcement, article_text=article.title
    )
    if article.byline:
        opening.add(
            Role.ANNOUNCEMENT,
            wording.byline.format(byline=article.byline),
            pauses.announcement,
            article_text=article.byline,
        )
    if article.date:
        opening.add(
            Role.ANNOUNCEMENT,
            wording.date.format(date=article.date),
            pauses.announcement,
            article_text=article.date,
        )
    if article.updated:
        opening.add(
            Role.ANNOUNCEMENT,
            wording.updated.format(date=article.updated),
            pauses.announcement,
            article_text=article.updated,
        )
    if article.dateline:
        opening.add(
            Role.ANNOUNCEMENT,
            wording.dateline.format(dateline=article.dateline),
            pauses.announcement,
            article_text=article.dateline,
        )
    if sections:
        names = _join_names([heading.text for heading in sections], wording.and_word)
        template = wording.overview_one if len(sections) == 1 else wording.overview
        opening.add(
            Role.ANNOUNCEMENT,
            _sentence(template.format(count=len(sections), names=names)),
            pauses.paragraph,
        )

    chapters: list[_ChapterBuilder] = [opening]
    blocks = list(article.blocks)
    for index, block in enumerate(blocks):
        current = chapters[-1]
        if isinstance(block, Heading):
            current.end_block(pauses.section)
            place = places[len(chapters) - 1]
            chapter = _ChapterBuilder(block.text, pauses, block=index, level=place.level)
            chapter.add(
                Role.ANNOUNCEMENT,
                _sentence(place.announcement(wording, block.text, len(sections))),
                pauses.announcement,
                article_text=block.text,
            )
            chapters.append(chapter)
            continue
        current.block, current.item = index, None
        _add_block(current, block, index, said)

    chapters[-1].block, chapters[-1].item = -1, None
    chapters[-1].add(Role.ANNOUNCEMENT, wording.closing, 0)
    return Script(
        title=article.title,
        chapters=tuple(chapter.build() for chapter in chapters),
        byline=article.byline,
        date=article.date,
        language=article.language,
        description=article.description,
        updated=article.updated,
    )


MAX_LEVEL = 3


def heading_levels(headings: tuple[Heading, ...]) -> list[int]:
    """Each heading's chapter level: 2 for a section, 3 for a part of one.

    The shallowest heading the body uses is a section, whatever its tag (an article set in h3
    throughout has sections, not parts); a level never goes more than one deeper than the one
    before (h2 then h4 is a part), and deeper than parts is read as parts.
    """
    if not headings:
        return []
    top = min(heading.level for heading in headings)
    levels: list[int] = []
    previous = 1
    for heading in headings:
        level = min(2 + heading.level - top, previous + 1, MAX_LEVEL)
        levels.append(level)
        previous = level
    return levels


@dataclass(frozen=True)
class _Place:
    """Where a heading stands: its level, its section's number, its number among its
    section's parts (0 for a section), and how many parts that section has."""

    level: int
    section: int
    part: int
    parts: int

    def announcement(self, wording: Wording, title: str, sections: int) -> str:
        if self.part:
            return wording.part.format(
                section=self.section, number=self.part, total=self.parts, title=title
            )
        if self.parts:
            template = wording.section_part_one if self.parts == 1 else wording.section_parts
            return template.format(
                number=self.section, total=sections, parts=self.parts, title=title
            )
        return wording.section.format(number=self.section, total=sections, title=title)


def _heading_places(levels: list[int]) -> list[_Place]:
    section = 0
    numbered: list[tuple[int, int, int]] = []  # (level, section, part)
    part = 0
    for level in levels:
        if level == 2:
            section, part = section + 1, 0
            numbered.append((level, section, 0))
        else:
            part += 1
            numbered.append((level, max(section, 1), part))
    counts: dict[int, int] = {}
    for _, number, part_number in numbered:
        if part_number:
            counts[number] = max(counts.get(number, 0), part_number)
    return [
        _Place(level, number, part_number, counts.get(number, 0))
        for level, number, part_number in numbered
    ]


@dataclass
class _Said:
    """What the blocks are read with: each unit's runs (attribution.py), the quote style,
    the wording and pauses, and the speaker a cue last named."""

    runs: dict[UnitKey, list[Run]]
    quote_style: QuoteStyle
    wording: Wording
    pauses: Pauses
    cue_speaker: str | None = None

    def of(self, key: UnitKey, text: str) -> list[Run]:
        return self.runs.get(key) or ([Run(RunKind.NARRATION, text)] if text.strip() else [])


def _add_block(chapter: _ChapterBuilder, block: Block, index: int, said: _Said) -> None:
    wording, pauses = said.wording, said.pauses
    if isinstance(block, Paragraph):
        _add_runs(chapter, said.of((index,), block.text), said)
        chapter.end_block(pauses.paragraph)
    elif isinstance(block, Quotation):
        runs = said.of((index,), block.text)
        if block.attribution:
            chapter.add(
                Role.NARRATION,
                wording.pull_quote_intro.format(who=block.attribution),
                pauses.sentence,
                article_text=block.attribution,
            )
            said.cue_speaker = next((r.speaker for r in runs if r.speaker), None)
        _add_runs(chapter, runs, said)
        chapter.end_block(pauses.paragraph)
    elif isinstance(block, ListBlock):
        _add_list(chapter, block, (index,), said)
    elif isinstance(block, Table):
        _add_table(chapter, block, wording, pauses)
    elif isinstance(block, Figure):
        if block.caption:
            _add_caption(chapter, said.of((index,), block.caption), said)
    elif isinstance(block, Break):
        chapter.end_block(pauses.section)


def _add_caption(chapter: _ChapterBuilder, runs: list[Run], said: _Said) -> None:
    """ "Image: …", the caption's quotations in their voice like any other."""
    label = said.wording.figure.format(caption="").strip()
    if len(runs) == 1 and runs[0].kind is RunKind.NARRATION:
        text = _sentence(said.wording.figure.format(caption=runs[0].text))
        chapter.add(
            Role.NARRATION, text, said.pauses.paragraph, runs[0].speaker, article_text=runs[0].text
        )
        return
    if runs and runs[0].kind is RunKind.NARRATION:
        _add_runs(chapter, runs, said, prefix=label + " ")
    else:
        chapter.add(Role.NARRATION, label, 0)
        _add_runs(chapter, runs, said)
    chapter.end_block(said.pauses.paragraph)


def _add_list(chapter: _ChapterBuilder, block: ListBlock, key: UnitKey, said: _Said) -> None:
    wording, pauses = said.wording, said.pauses
    count = len(block.items)
    start = wording.list_start_one if count == 1 else wording.list_start.format(count=count)
    chapter.add(Role.ANNOUNCEMENT, start, pauses.announcement)
    nested = dict(block.sublists)
    top_level = chapter.item is None
    for index, item in enumerate(block.items):
        if top_level:
            chapter.item = index
        prefix = f"{index + 1}. " if block.ordered else ""
        _add_runs(chapter, said.of((*key, index), item), said, prefix)
        chapter.end_block(pauses.list_item)
        if index in nested:
            _add_list(chapter, nested[index], (*key, index), said)
    if top_level:
        chapter.item = None
    chapter.add(Role.ANNOUNCEMENT, wording.list_end, pauses.paragraph)


def _add_table(chapter: _ChapterBuilder, table: Table, wording: Wording, pauses: Pauses) -> None:
    count = len(table.rows)
    start = wording.table_start_one if count == 1 else wording.table_start.format(count=count)
    chapter.add(Role.ANNOUNCEMENT, start, pauses.announcement)
    if not table.rows and table.header:
        cells = ", ".join(table.header)
        chapter.add(Role.NARRATION, _sentence(cells), pauses.list_item, article_text=cells)
    for number, row in enumerate(table.rows, start=1):
        chapter.item = number - 1
        if table.header:
            parts = [
                f"{_sentence_part(head)}: {cell}" if head else cell
                for head, cell in zip(table.header, row, strict=False)
            ]
            parts += list(row[len(table.header) :])
        else:
            parts = list(row)
        said = " ".join(_sentence(part) for part in parts if part)
        carried = " ".join([*table.header, *row]) if number == 1 else " ".join(row)
        chapter.add(
            Role.NARRATION,
            f"{wording.table_row.format(number=number)} {said}",
            pauses.list_item,
            article_text=carried,
        )
    chapter.item = None
    chapter.add(Role.ANNOUNCEMENT, wording.table_end, pauses.paragraph)


def _sentence_part(text: str) -> str:
    return text.rstrip(".:;, ")


def _add_runs(chapter: _ChapterBuilder, runs: list[Run], said: _Said, prefix: str = "") -> None:
    """Add runs as segments, one a sentence; ``prefix`` goes before the first (an item number).

    With cues, a quotation is framed by "Quote," and "End quote." in the narrator's voice, and
    the speaker is named when it changes ("Osei, quote: …"), so a listener who hears one
    voice still knows who said it.
    """
    wording, pauses, quote_style = said.wording, said.pauses, said.quote_style
    for run in runs:
        quoted = run.kind is RunKind.QUOTE
        cues = quoted and quote_style in (QuoteStyle.CUES, QuoteStyle.BOTH)
        role = Role.QUOTE if quoted and quote_style is not QuoteStyle.CUES else Role.NARRATION
        carried = run.carried
        if cues:
            if run.speaker and run.speaker != said.cue_speaker:
                start = wording.quote_start_named.format(who=run.speaker)
            else:
                start = wording.quote_start
            said.cue_speaker = run.speaker or said.cue_speaker
            chapter.add(Role.NARRATION, start, 0)
        for sentence in split_sentences(run.text):
            if not re.search(r"\w", sentence):
                continue  # punctuation left between two quotations: nothing to say
            chapter.add(
                role,
                prefix + sentence,
                pauses.sentence,
                run.speaker,
                article_text=f"{carried} {sentence}".strip() if carried else sentence,
            )
            prefix = ""
            carried = ""
        if cues:
            chapter.add(Role.NARRATION, wording.quote_end, pauses.sentence)
