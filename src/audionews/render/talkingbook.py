"""What the DAISY 2.02 and EPUB 3 talking books share.

- The document is checked before anything is written: ids usable as XML ids, chapters in time
  order and contiguous, sentences inside their chapter and inside the audio.
- Every sentence becomes a phrase: the clip of its own speech, exactly its Timeline span (so
  exactly its WebVTT cue), plus the silence after it as a clip of its own. Players that play
  clip by clip then keep the episode's pauses, and a book's clips tile its chapters with no
  gap, while the sentence's clip still matches the transcript to the millisecond.
- Heading levels follow the chapters' levels, never skipping one on the way down (h1 then h3
  is not a hierarchy either format accepts).
- Text from the article is made safe for XML 1.0 and for a terminal (daisy-player shows titles
  in one): control characters are dropped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audionews.errors import EpisodeError
from audionews.outputs.tags import mp3_info
from audionews.render.document import EpisodeDocument, TimedChapter, TimedSentence

# Our own ids are the document's ids with a prefix and a hyphen ("par-s3"); document ids may
# not contain a hyphen, so the two can never collide.
_DOCUMENT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
# BCP 47 in the shape EPUBCheck and DAISY players accept: language, then subtags.
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
# An hour: the longest audio file a book gets (see plan_audio_parts).
HOUR_MS = 3_600_000


def xml_text(text: str) -> str:
    """``text`` without what XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/F)
    and without C1 controls, which XML allows but a terminal would obey."""
    return "".join(character for character in text if _allowed(ord(character)))


def _allowed(code: int) -> bool:
    if code in (0x09, 0x0A, 0x0D):
        return True
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return False
    return not (0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF))


def one_line(text: str) -> str:
    """``xml_text`` on one line, runs of white space as one space (titles, metadata)."""
    return " ".join(xml_text(text).split())


def language_tag(tag: str | None) -> str | None:
    """``tag`` when it is shaped like a BCP 47 tag, else None."""
    if tag and _LANGUAGE.fullmatch(tag.strip()):
        return tag.strip()
    return None


def document_language(doc: EpisodeDocument) -> str:
    """The document's language, or "und" (undetermined, BCP 47) when it is unusable."""
    return language_tag(doc.language) or "und"


@dataclass(frozen=True)
class Clip:
    """A stretch of the episode's audio, in the Timeline's milliseconds."""

    start_ms: int
    end_ms: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class Phrase:
    """One sentence as a synchronised unit (a SMIL ``par``).

    lead: silence before the sentence when its chapter opens with some; else None.
    speech: the sentence's own span, the same as its WebVTT cue.
    pause: the silence after it, up to the next sentence or the chapter's end; else None.
    """

    sentence: TimedSentence
    speech: Clip
    lead: Clip | None = None
    pause: Clip | None = None

    @property
    def clips(self) -> tuple[Clip, ...]:
        return tuple(clip for clip in (self.lead, self.speech, self.pause) if clip is not None)

    @property
    def start_ms(self) -> int:
        return self.clips[0].start_ms

    @property
    def end_ms(self) -> int:
        return self.clips[-1].end_ms


@dataclass(frozen=True)
class ChapterPlan:
    """A chapter, its heading level (1-6, hierarchical) and its phrases tiling its span."""

    chapter: TimedChapter
    level: int
    phrases: tuple[Phrase, ...]

    @property
    def start_ms(self) -> int:
        return self.phrases[0].start_ms

    @property
    def end_ms(self) -> int:
        return self.phrases[-1].end_ms

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def audio_duration_ms(mp3: Path) -> int:
    """The MP3's playing time to the nearest millisecond, as the Timeline rounds its times,
    read from its frames and its Info tag's delay and padding (EpisodeError if it is not an
    MP3)."""
    return round(mp3_info(mp3).length * 1000)


def plan_book(doc: EpisodeDocument, audio_ms: int, mp3: Path) -> tuple[ChapterPlan, ...]:
    """Check ``doc`` against itself and its audio, and plan every chapter's phrases.

    EpisodeError (naming ``mp3``) when the document cannot make a valid book: no chapters,
    a chapter with no sentence, ids that are not usable or not unique, times out of order,
    overlapping, outside their chapter or beyond the audio.
    """

    def fail(cause: str) -> EpisodeError:
        return EpisodeError(mp3, f"its timed document cannot make a talking book: {cause}")

    if not doc.chapters:
        raise fail("it has no chapters")
    # A few milliseconds past the file's end are the encoder's padding; a second is the
    # wrong audio file.
    if doc.chapters[-1].end_ms > audio_ms + 1000:
        raise fail(f"it lasts {doc.chapters[-1].end_ms} ms but the audio {audio_ms} ms")
    seen: set[str] = set()
    for identifier in [c.id for c in doc.chapters] + [s.id for s in doc.sentences()]:
        if not _DOCUMENT_ID.fullmatch(identifier):
            raise fail(f"id {identifier!r} is not a plain name (a letter, then letters or digits)")
        if identifier in seen:
            raise fail(f"id {identifier!r} is used twice")
        seen.add(identifier)

    plans = []
    previous_level = 0
    for index, chapter in enumerate(doc.chapters):
        if index and chapter.start_ms != doc.chapters[index - 1].end_ms:
            raise fail(f"chapter {chapter.id} does not start where the one before it ends")
        if chapter.start_ms < 0 or chapter.end_ms <= chapter.start_ms:
            raise fail(f"chapter {chapter.id} has no time of its own")
        sentences = chapter.sentences()
        if not sentences:
            raise fail(f"chapter {chapter.id} has no sentence")
        # The opening is the book's title heading; a level may go up any number of steps but
        # down only one, so the headings always form a hierarchy.
        level = 1 if index == 0 else max(1, min(chapter.level, previous_level + 1, 6))
        previous_level = level
        plans.append(ChapterPlan(chapter, level, _phrases(chapter, sentences, audio_ms, fail)))
    return tuple(plans)


def _phrases(
    chapter: TimedChapter,
    sentences: Sequence[TimedSentence],
    audio_ms: int,
    fail: Callable[[str], EpisodeError],
) -> tuple[Phrase, ...]:
    # The last pause may not run past the audio file's end, which can fall a few
    # milliseconds before the Timeline's (the encoder's padding is not counted).
    chapter_end = min(chapter.end_ms, audio_ms)
    phrases = []
    cursor = chapter.start_ms
    for position, sentence in enumerate(sentences):
        if sentence.start_ms < cursor:
            raise fail(f"sentence {sentence.id} starts before the one before it ends")
        if sentence.end_ms <= sentence.start_ms:
            raise fail(f"sentence {sentence.id} has no time of its own")
        if sentence.end_ms > chapter_end:
            raise fail(
                f"sentence {sentence.id} ends at {sentence.end_ms} ms, after its chapter "
                f"or the audio (which ends at {audio_ms} ms)"
            )
        following = (
            sentences[position + 1].start_ms if position + 1 < len(sentences) else chapter_end
        )
        lead = Clip(cursor, sentence.start_ms) if sentence.start_ms > cursor else None
        pause = Clip(sentence.end_ms, following) if following > sentence.end_ms else None
        phrases.append(Phrase(sentence, Clip(sentence.start_ms, sentence.end_ms), lead, pause))
        cursor = max(following, sentence.end_ms)
    return tuple(phrases)


@dataclass(frozen=True)
class AudioPart:
    """One audio file of a book: its name in the book and the stretch of the episode it holds.

    A clip's time in the file is its Timeline time less ``start_ms``.
    """

    name: str
    start_ms: int
    end_ms: int


def plan_audio_parts(plans: Sequence[ChapterPlan], max_ms: int = HOUR_MS) -> tuple[AudioPart, ...]:
    """The episode as one file when it is shorter than ``max_ms``, else in parts, each cut at
    a chapter's start where one fits, else at a sentence's, so every part is under ``max_ms``
    (a single sentence longer than that would have a part of its own)."""
    start, end = plans[0].start_ms, plans[-1].end_ms
    if end - start <= max_ms:
        return (AudioPart("audio.mp3", start, end),)
    chapter_starts = {plan.start_ms for plan in plans}
    phrase_starts = sorted({p.start_ms for plan in plans for p in plan.phrases} | {end})
    cuts = [start]
    while end - cuts[-1] > max_ms:
        fits = [t for t in phrase_starts if cuts[-1] < t <= cuts[-1] + max_ms]
        chapter_fits = [t for t in fits if t in chapter_starts]
        if chapter_fits:
            cuts.append(chapter_fits[-1])
        elif fits:
            cuts.append(fits[-1])
        else:
            cuts.append(next(t for t in phrase_starts if t > cuts[-1]))
    cuts.append(end)
    return tuple(
        AudioPart(f"audio{number:02d}.mp3", first, last)
        for number, (first, last) in enumerate(itertools.pairwise(cuts), start=1)
    )


def part_of(parts: Sequence[AudioPart], clip: Clip) -> AudioPart:
    """The audio part that holds ``clip`` (parts are cut at phrase starts, so one does)."""
    for part in parts:
        if part.start_ms <= clip.start_ms and clip.end_ms <= part.end_ms:
            return part
    raise AssertionError(f"no audio part holds {clip}")


def seconds(ms: int) -> str:
    """Milliseconds as SMIL seconds with three decimals: 44037 -> "44.037"."""
    return f"{ms // 1000}.{ms % 1000:03d}"


def hms(ms: int) -> str:
    """Milliseconds as hh:mm:ss, rounded to the second (the syntax DAISY 2.02 recommends)."""
    total = (ms + 500) // 1000
    return f"{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}"


def clock(ms: int) -> str:
    """Milliseconds as a SMIL 3 full clock value: 44037 -> "0:00:44.037"."""
    total, rest = divmod(ms, 1000)
    return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}.{rest:03d}"
