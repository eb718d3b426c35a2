"""The episode as a timed document: chapters, blocks and sentences with their times.

Built from a build's Script and Timeline, written beside the episode, and read back, so the
page, DAISY and EPUB outputs (and ``audionews page EPISODE.mp3`` later) all render the same
sentences at the same milliseconds as the WebVTT cues. See the field lists below.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class BlockKind(enum.Enum):
    """What a block of the document is."""

    ANNOUNCEMENT = "announcement"
    PARAGRAPH = "paragraph"
    QUOTATION = "quotation"
    LIST = "list"
    TABLE = "table"
    FIGURE = "figure"


@dataclass(frozen=True)
class TimedSentence:
    """One spoken segment.

    id: unique in the document, "s1", "s2", … in reading order.
    role: "announcement", "narration" or "quote" (the Script's roles).
    text: the words as the transcript shows them.
    speaker: who is quoted, for a quote whose speaker the article names; else None.
    language: a BCP 47 tag when it differs from the document's; else None.
    start_ms, end_ms: when it is heard, in the Timeline's milliseconds.
    """

    id: str
    role: str
    text: str
    start_ms: int
    end_ms: int
    speaker: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ListItem:
    """One item of a list or one row of a table."""

    sentences: tuple[TimedSentence, ...]


@dataclass(frozen=True)
class TimedBlock:
    """A block of a chapter.

    sentences: the block's own sentences; for a list or table, its opening announcement.
    items: for a list or table, its items or rows in order.
    end: for a list or table, its closing announcement ("End of list.").
    speaker: for a quotation block, who said it when known.
    ordered: for a list, whether it is numbered.
    """

    kind: BlockKind
    sentences: tuple[TimedSentence, ...] = ()
    items: tuple[ListItem, ...] = ()
    end: tuple[TimedSentence, ...] = ()
    speaker: str | None = None
    ordered: bool = False

    def all_sentences(self) -> tuple[TimedSentence, ...]:
        inner = tuple(s for item in self.items for s in item.sentences)
        return (*self.sentences, *inner, *self.end)


@dataclass(frozen=True)
class TimedChapter:
    """A chapter: the opening (level 1) or a section (2) or sub-section (3 and deeper).

    Chapters are flat, in time order and contiguous; ``level`` gives the nesting.
    """

    id: str
    title: str
    level: int
    start_ms: int
    end_ms: int
    blocks: tuple[TimedBlock, ...] = ()

    def sentences(self) -> tuple[TimedSentence, ...]:
        return tuple(s for block in self.blocks for s in block.all_sentences())


@dataclass(frozen=True)
class EpisodeDocument:
    """One episode, timed.

    audio: the MP3's file name (beside the rendered output).
    identifier: stable per article (the feed guid).
    date: ISO calendar date (YYYY-MM-DD) or None.
    """

    title: str
    language: str
    audio: str
    duration_ms: int
    identifier: str
    chapters: tuple[TimedChapter, ...] = ()
    byline: str | None = None
    date: str | None = None
    description: str | None = None
    show: str = "audionews"
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def sentences(self) -> tuple[TimedSentence, ...]:
        return tuple(s for chapter in self.chapters for s in chapter.sentences())

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "byline": self.byline,
            "date": self.date,
            "language": self.language,
            "description": self.description,
            "identifier": self.identifier,
            "show": self.show,
            "audio": self.audio,
            "duration_ms": self.duration_ms,
            "chapters": [_chapter_dict(chapter) for chapter in self.chapters],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpisodeDocument:
        return cls(
            title=data["title"],
            language=data["language"],
            audio=data["audio"],
            duration_ms=int(data["duration_ms"]),
            identifier=data["identifier"],
            chapters=tuple(_chapter(c) for c in data.get("chapters", ())),
            byline=data.get("byline"),
            date=data.get("date"),
            description=data.get("description"),
            show=data.get("show", "audionews"),
        )


def _sentence_dict(sentence: TimedSentence) -> dict[str, Any]:
    return {
        "id": sentence.id,
        "role": sentence.role,
        "text": sentence.text,
        "speaker": sentence.speaker,
        "language": sentence.language,
        "start_ms": sentence.start_ms,
        "end_ms": sentence.end_ms,
    }


def _block_dict(block: TimedBlock) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": block.kind.value,
        "sentences": [_sentence_dict(s) for s in block.sentences],
    }
    if block.kind in (BlockKind.LIST, BlockKind.TABLE):
        data["items"] = [
            {"sentences": [_sentence_dict(s) for s in i.sentences]} for i in block.items
        ]
        data["end"] = [_sentence_dict(s) for s in block.end]
        data["ordered"] = block.ordered
    if block.speaker is not None:
        data["speaker"] = block.speaker
    return data


def _chapter_dict(chapter: TimedChapter) -> dict[str, Any]:
    return {
        "id": chapter.id,
        "title": chapter.title,
        "level": chapter.level,
        "start_ms": chapter.start_ms,
        "end_ms": chapter.end_ms,
        "blocks": [_block_dict(b) for b in chapter.blocks],
    }


def _sentence(data: dict[str, Any]) -> TimedSentence:
    return TimedSentence(
        id=data["id"],
        role=data["role"],
        text=data["text"],
        start_ms=int(data["start_ms"]),
        end_ms=int(data["end_ms"]),
        speaker=data.get("speaker"),
        language=data.get("language"),
    )


def _block(data: dict[str, Any]) -> TimedBlock:
    return TimedBlock(
        kind=BlockKind(data["kind"]),
        sentences=tuple(_sentence(s) for s in data.get("sentences", ())),
        items=tuple(
            ListItem(tuple(_sentence(s) for s in item["sentences"]))
            for item in data.get("items", ())
        ),
        end=tuple(_sentence(s) for s in data.get("end", ())),
        speaker=data.get("speaker"),
        ordered=bool(data.get("ordered", False)),
    )


def _chapter(data: dict[str, Any]) -> TimedChapter:
    return TimedChapter(
        id=data["id"],
        title=data["title"],
        level=int(data["level"]),
        start_ms=int(data["start_ms"]),
        end_ms=int(data["end_ms"]),
        blocks=tuple(_block(b) for b in data.get("blocks", ())),
    )
