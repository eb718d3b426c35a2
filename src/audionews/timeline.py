"""Where everything is heard: the Timeline of an episode and the one Chapter type.

Chapters and segment times are fixed once, when the track is assembled; ID3 chapters, JSON
chapters, transcripts, clips and the build summary all read them from here, so they can never
disagree. A ``Chapter`` read back from any chaptered MP3 (tags.read_chapters) is the same type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    """A titled stretch of an episode.

    title: the chapter's title (the article's title for the opening chapter).
    start_ms, end_ms: where it plays, in milliseconds of the final audio.
    level: 1 for a top-level chapter; deeper levels are sub-chapters (a section's
        sub-headings), listed under the chapter before them.
    """

    title: str
    start_ms: int
    end_ms: int
    level: int = 1

    def summary(self) -> dict[str, object]:
        """The chapter as the JSON outputs of the command line give it."""
        return {"title": self.title, "start_s": self.start_ms / 1000, "end_s": self.end_ms / 1000}


@dataclass(frozen=True)
class SegmentTime:
    """When one segment is heard: from start_ms to end_ms of speech (its pause follows)."""

    chapter: int
    index: int
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Timeline:
    """Every segment's and chapter's place in the final audio, in milliseconds. Chapters are
    contiguous and cover the whole track."""

    segments: tuple[SegmentTime, ...]
    chapters: tuple[Chapter, ...]
    duration_ms: int
