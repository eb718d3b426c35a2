"""The ``EpisodeDocument`` of a build, made from its Script and Timeline as they are.

Nothing is guessed here (compare ``from_sidefiles``, for episodes built before): each segment
says which article block it comes from (``Segment.block``) and which list item or table row
(``Segment.item``), the article says what kind of block that is, and the Timeline says when
every segment and chapter is heard. A segment with no audible speech has no WebVTT cue and so
no sentence here either: the document's sentences are the cues, one for one.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from audionews.article import Block, Figure, ListBlock, Paragraph, Quotation, Table
from audionews.render.document import (
    BlockKind,
    EpisodeDocument,
    ListItem,
    TimedBlock,
    TimedChapter,
    TimedSentence,
)
from audionews.text.script import Role, Script, Segment
from audionews.timeline import SegmentTime, Timeline

_Timed = tuple[Segment, SegmentTime]


def document_from_build(
    script: Script,
    blocks: Sequence[Block],
    timeline: Timeline,
    *,
    audio: str,
    identifier: str,
    show: str,
    date: dt.date | None = None,
    description: str | None = None,
) -> EpisodeDocument:
    """The timed document of one build.

    blocks: the article's blocks, which ``Segment.block`` indexes.
    audio: the MP3's file name; identifier: the episode's guid; show: the show's name.
    date, description: as the episode's tags carry them (the parsed date, the description or
        the opening sentence), so a page made now and one read back from the tags agree.
    """
    timed = list(zip(script.segments, timeline.segments, strict=True))
    numbering = itertools.count(1)
    chapters = []
    for index, (chapter, mark) in enumerate(zip(script.chapters, timeline.chapters, strict=True)):
        heard = [
            (segment, time)
            for segment, time in timed
            if time.chapter == index and time.end_ms > time.start_ms
        ]
        sentences = [_sentence(segment, time, numbering) for segment, time in heard]
        chapters.append(
            TimedChapter(
                id=f"c{index + 1}",
                title=chapter.title,
                # The opening is level 1, the article's sections 2 and their parts 3, as the
                # Script and the Timeline count them.
                level=1 if index == 0 else max(2, mark.level),
                start_ms=mark.start_ms,
                end_ms=mark.end_ms,
                blocks=_blocks([s for s, _ in heard], sentences, blocks),
            )
        )
    return EpisodeDocument(
        title=script.title,
        language=script.language,
        audio=audio,
        duration_ms=timeline.duration_ms,
        identifier=identifier,
        chapters=tuple(chapters),
        byline=script.byline,
        date=date.isoformat() if date else None,
        description=description,
        show=show,
    )


def _sentence(
    segment: Segment, time: SegmentTime, numbering: itertools.count[int]
) -> TimedSentence:
    # A speaker only on a quote, as the WebVTT voice spans carry it.
    speaker = segment.speaker if segment.role is Role.QUOTE else None
    return TimedSentence(
        id=f"s{next(numbering)}",
        role=segment.role.value,
        text=segment.text,
        start_ms=time.start_ms,
        end_ms=time.end_ms,
        speaker=speaker,
    )


def _blocks(
    segments: Sequence[Segment], sentences: Sequence[TimedSentence], blocks: Sequence[Block]
) -> tuple[TimedBlock, ...]:
    """One chapter's sentences grouped back into the article's blocks, in reading order."""
    made: list[TimedBlock] = []
    pairs = list(zip(segments, sentences, strict=True))
    for block_index, run in itertools.groupby(pairs, key=lambda pair: pair[0].block):
        group = list(run)
        source = blocks[block_index] if 0 <= block_index < len(blocks) else None
        said = tuple(sentence for _, sentence in group)
        if isinstance(source, ListBlock | Table):
            made.append(_listing(group, source))
        elif isinstance(source, Quotation):
            made.append(TimedBlock(BlockKind.QUOTATION, said, speaker=source.attribution))
        elif isinstance(source, Paragraph):
            made.append(TimedBlock(BlockKind.PARAGRAPH, said))
        elif isinstance(source, Figure):
            made.append(TimedBlock(BlockKind.FIGURE, said))
        else:
            # The words around the article (title, byline, overview, closing) and a section's
            # announcement: each its own block, as the renderers expect a chapter to open.
            made.extend(TimedBlock(BlockKind.ANNOUNCEMENT, (sentence,)) for sentence in said)
    return tuple(made)


def _listing(
    group: Sequence[tuple[Segment, TimedSentence]], source: ListBlock | Table
) -> TimedBlock:
    """A list or table: its opening announcement, its items or rows, its closing one.

    Segments of an item carry its index (a nested list's own announcements included); the
    list's own announcements carry none. The last of those after the first item, or the last
    segment of an empty listing beyond its opening, is the closing announcement.
    """
    opening: list[TimedSentence] = []
    items: dict[int, list[TimedSentence]] = {}
    closing: list[TimedSentence] = []
    for position, (segment, sentence) in enumerate(group):
        if segment.item is not None:
            items.setdefault(segment.item, []).append(sentence)
        elif items or (position == len(group) - 1 and position > 0):
            closing.append(sentence)
        else:
            opening.append(sentence)
    kind = BlockKind.TABLE if isinstance(source, Table) else BlockKind.LIST
    return TimedBlock(
        kind,
        tuple(opening),
        tuple(ListItem(tuple(items[key])) for key in sorted(items)),
        tuple(closing),
        ordered=isinstance(source, ListBlock) and source.ordered,
    )
