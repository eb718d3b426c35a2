"""An ``EpisodeDocument`` read back from an episode built before: its tags and side files.

For ``audionews page EPISODE.mp3``: an episode ``S.mp3`` has ``S.vtt`` (one cue per spoken
segment, quotations in ``<v Speaker>`` spans), ``S.chapters.json`` (Podcasting 2.0 chapters)
and ID3 tags (title, byline, date, language, description, guid, and the spoken transcript).
The times are the VTT's own milliseconds, so a page made from them agrees with the VTT.

What the side files do not say is recovered from what the narrator says, in the article's
language (``script.Wording``): the title, byline and section announcements, lists ("A list of
3 items." … "End of list."), tables, pull quotes ("In the words of …:"), images, the closing.
Paragraph and list-item boundaries come from the pauses between cues, measured against the
pause after the title, so a build with ``--rate`` reads the same. A quotation without a named
speaker carries no voice span and reads as narration: the side files cannot tell.
"""

from __future__ import annotations

import bisect
import html
import itertools
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from audionews.errors import EpisodeError
from audionews.outputs.feed import episode_guid
from audionews.outputs.tags import EpisodeTags, iso639_1, mp3_info, read_chapters, read_tags
from audionews.render.document import (
    BlockKind,
    EpisodeDocument,
    ListItem,
    TimedBlock,
    TimedChapter,
    TimedSentence,
)
from audionews.text.script import Pauses, Wording, wording_for
from audionews.timeline import Chapter as ChapterMark

_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+([^>]*))?>")
_TAG = re.compile(r"<[^>]*>")
# ISO 639-2 (TLAN, as tags are read back) to the two-letter code BCP 47 requires.
# ISO 639-2/T forms, which TLAN may hold when another program wrote it.
_TERMINOLOGY = {"fra": "fr", "deu": "de", "nld": "nl", "ces": "cs", "ell": "el", "zho": "zh"}
_TERMINOLOGY["ron"] = "ro"


@dataclass(frozen=True)
class Cue:
    """One cue of the transcript as read: times, text, and the speaker of a voice span."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str | None = None


def _ms(stamp: str) -> int:
    match = _TIME.fullmatch(stamp.strip())
    if not match:
        raise ValueError(f"bad time {stamp!r}")
    hours, minutes, seconds, millis = (int(part or 0) for part in match.groups())
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def read_cues(vtt: Path, transcript: str | None = None) -> list[Cue]:
    """The cues of a WebVTT file (webvtt-py), text unescaped and unwrapped.

    The VTT wraps long text over lines; ``transcript`` (the spoken transcript, one segment a
    line, as the tags carry it) gives each cue's exact text back when it matches, so a word
    longer than a line is not split by a space.
    """
    try:
        captions = webvtt.read(str(vtt)).captions
    except (MalformedFileError, MalformedCaptionError, UnicodeDecodeError) as exc:
        raise EpisodeError(vtt, f"not a WebVTT transcript ({exc})") from None
    except OSError as exc:
        raise EpisodeError(vtt, f"cannot be read ({exc.strerror or exc})") from None
    lines = transcript.splitlines() if transcript else []
    position = 0
    cues = []
    for caption in captions:
        raw = caption.raw_text
        voice = _VOICE.search(raw)
        speaker = html.unescape(voice.group(1) or "").strip() or None if voice else None
        wrapped = [html.unescape(_TAG.sub("", line)) for line in raw.splitlines()]
        text = " ".join(line.strip() for line in wrapped if line.strip())
        key = re.sub(r"\s+", "", text)
        for ahead in range(position, min(position + 4, len(lines))):
            if re.sub(r"\s+", "", lines[ahead]) == key:
                text = lines[ahead]
                position = ahead + 1
                break
        try:
            start, end = _ms(caption.start), _ms(caption.end)
        except ValueError as exc:
            raise EpisodeError(vtt, str(exc)) from None
        cues.append(Cue(start, end, text, speaker))
    return cues


def _chapter_marks(mp3: Path, duration_ms: int) -> list[ChapterMark]:
    """Chapters from ``S.chapters.json``, else from the ID3 chapters, else one chapter."""
    path = mp3.with_suffix(".chapters.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data["chapters"]
        marks = []
        for index, item in enumerate(items):
            start = round(float(item["startTime"]) * 1000)
            following = items[index + 1]["startTime"] if index + 1 < len(items) else None
            end_s = item.get("endTime", following)
            end = round(float(end_s) * 1000) if end_s is not None else duration_ms
            marks.append(ChapterMark(str(item.get("title") or ""), start, end))
        if marks:
            return sorted(marks, key=lambda mark: mark.start_ms)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass  # no usable JSON chapters: the ID3 chapters say the same
    marks = read_chapters(mp3)
    return marks or [ChapterMark("", 0, duration_ms)]


def _pattern(
    template: str, numeric: tuple[str, ...] = ("count", "number", "total")
) -> re.Pattern[str]:
    """A narrator's phrase as a regular expression (placeholders match any text, or digits)."""
    parts = re.split(r"(\{\w+\})", template)
    body = "".join(
        (r"\d+" if part[1:-1] in numeric else ".+") if part.startswith("{") else re.escape(part)
        for part in parts
    )
    return re.compile(body + r"\.?")  # script._sentence may close a phrase with a full stop


@dataclass(frozen=True)
class _Phrases:
    """What the narrator adds, as patterns in one language."""

    head: tuple[re.Pattern[str], ...]  # date, dateline, overview: said after title and byline
    list_start: tuple[re.Pattern[str], ...]
    list_end: re.Pattern[str]
    table_start: tuple[re.Pattern[str], ...]
    table_end: re.Pattern[str]
    table_row: re.Pattern[str]
    figure: re.Pattern[str]
    pull_quote: re.Pattern[str]

    @classmethod
    def of(cls, wording: Wording) -> _Phrases:
        row = re.escape(wording.table_row).replace(r"\{number\}", r"\d+")
        pull = re.escape(wording.pull_quote_intro).replace(r"\{who\}", "(?P<who>.+)")
        return cls(
            head=tuple(
                _pattern(t)
                for t in (wording.date, wording.dateline, wording.overview_one, wording.overview)
            ),
            list_start=(_pattern(wording.list_start_one), _pattern(wording.list_start)),
            list_end=_pattern(wording.list_end),
            table_start=(_pattern(wording.table_start_one), _pattern(wording.table_start)),
            table_end=_pattern(wording.table_end),
            table_row=re.compile(row + r"(?:\s|$)"),
            figure=_pattern(wording.figure),
            pull_quote=re.compile(pull),
        )


def _closing(text: str) -> str:
    return text if text.endswith((".", "?", "!", ":")) else text + "."


class _Numbering:
    def __init__(self) -> None:
        self.count = 0

    def sentence(self, cue: Cue, role: str) -> TimedSentence:
        self.count += 1
        speaker = cue.speaker if role == "quote" else None
        return TimedSentence(f"s{self.count}", role, cue.text, cue.start_ms, cue.end_ms, speaker)


def _blocks(
    cues: list[Cue],
    gaps: list[int],
    phrases: _Phrases,
    announcements: set[int],
    numbering: _Numbering,
    thresholds: tuple[float, float],
) -> list[TimedBlock]:
    """One chapter's cues as blocks; ``gaps[i]`` is the silence before cue ``i``."""
    paragraph_gap, item_gap = thresholds
    blocks: list[TimedBlock] = []
    paragraph: list[TimedSentence] = []

    def flush() -> None:
        if paragraph:
            blocks.append(TimedBlock(BlockKind.PARAGRAPH, tuple(paragraph)))
            paragraph.clear()

    index = 0
    while index < len(cues):
        cue = cues[index]
        text = cue.text.strip()
        if index in announcements:
            flush()
            blocks.append(
                TimedBlock(BlockKind.ANNOUNCEMENT, (numbering.sentence(cue, "announcement"),))
            )
            index += 1
            continue
        kind = None
        if cue.speaker is None and any(p.fullmatch(text) for p in phrases.list_start):
            kind, end_pattern = BlockKind.LIST, phrases.list_end
        elif cue.speaker is None and any(p.fullmatch(text) for p in phrases.table_start):
            kind, end_pattern = BlockKind.TABLE, phrases.table_end
        if kind is not None:
            flush()
            index = _list_block(
                cues, gaps, index, kind, end_pattern, phrases, numbering, item_gap, blocks
            )
            continue
        pull = phrases.pull_quote.fullmatch(text) if cue.speaker is None else None
        following = cues[index + 1] if index + 1 < len(cues) else None
        # The introduction names the speaker as the article describes them ("Mayor Ines
        # Okafor", "Ines Okafor, the mayor"); the cues carry the name alone.
        if (
            pull
            and following is not None
            and following.speaker
            and following.speaker in pull.group("who")
        ):
            flush()
            sentences = [numbering.sentence(cue, "narration")]
            index += 1
            while (
                index < len(cues)
                and cues[index].speaker == following.speaker
                and (len(sentences) == 1 or gaps[index] < paragraph_gap)
            ):
                sentences.append(numbering.sentence(cues[index], "quote"))
                index += 1
            blocks.append(
                TimedBlock(BlockKind.QUOTATION, tuple(sentences), speaker=following.speaker)
            )
            continue
        if cue.speaker is None and phrases.figure.fullmatch(text):
            flush()
            blocks.append(TimedBlock(BlockKind.FIGURE, (numbering.sentence(cue, "narration"),)))
            index += 1
            continue
        if paragraph and gaps[index] >= paragraph_gap:
            flush()
        paragraph.append(numbering.sentence(cue, "quote" if cue.speaker else "narration"))
        index += 1
    flush()
    return blocks


def _list_block(
    cues: list[Cue],
    gaps: list[int],
    index: int,
    kind: BlockKind,
    end_pattern: re.Pattern[str],
    phrases: _Phrases,
    numbering: _Numbering,
    item_gap: float,
    blocks: list[TimedBlock],
) -> int:
    """A list or table from its opening announcement to its end; returns the next index."""
    opening = numbering.sentence(cues[index], "announcement")
    items: list[list[TimedSentence]] = []
    end: tuple[TimedSentence, ...] = ()
    depth = 0  # a list inside an item: its announcements stay in that item
    index += 1
    while index < len(cues):
        cue = cues[index]
        text = cue.text.strip()
        plain = cue.speaker is None
        if plain and depth == 0 and end_pattern.fullmatch(text):
            end = (numbering.sentence(cue, "announcement"),)
            index += 1
            break
        nested_start = plain and any(p.fullmatch(text) for p in phrases.list_start)
        nested_end = plain and phrases.list_end.fullmatch(text)
        role = "announcement" if nested_start or nested_end else ("quote" if cue.speaker else "")
        if kind is BlockKind.TABLE:
            new_item = plain and phrases.table_row.match(text) is not None
        else:
            new_item = depth == 0 and (not items or gaps[index] >= item_gap)
        if new_item or not items:
            items.append([])
        items[-1].append(numbering.sentence(cue, role or "narration"))
        depth += 1 if nested_start else (-1 if nested_end and depth else 0)
        index += 1
    ordered = kind is BlockKind.LIST and all(
        item[0].text.startswith(f"{number}. ") for number, item in enumerate(items, start=1)
    )
    blocks.append(
        TimedBlock(
            kind,
            (opening,),
            tuple(ListItem(tuple(item)) for item in items),
            end,
            ordered=bool(items) and ordered,
        )
    )
    return index


def _language(tags: EpisodeTags) -> str:
    # The full BCP 47 tag ("en-GB") where the build kept it; TLAN holds only ISO 639-2.
    full = tags.extra_dict().get("audionews:language", "").strip()
    if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*", full):
        return full
    code = (tags.language or "").strip().lower()
    if len(code) == 3:
        code = iso639_1(code) or _TERMINOLOGY.get(code, code)
    return code if re.fullmatch(r"[a-z]{2,3}", code) and code != "und" else "und"


def _duration_ms(mp3: Path, marks: list[ChapterMark]) -> int:
    if marks and marks[-1].end_ms > 0:
        return marks[-1].end_ms
    return round(mp3_info(mp3).length * 1000)


def _head_announcements(
    cues: list[Cue], tags: EpisodeTags, wording: Wording, phrases: _Phrases
) -> set[int]:
    """Indexes of the opening's own announcements: title, byline, date, dateline, overview."""
    found: set[int] = set()
    index = 0
    # The title as said; the tag may be cut short ("…") where the title is very long.
    title = tags.title.strip()
    said = cues[0].text.strip() if cues else ""
    if said and (said == _closing(title) or said.startswith(title.rstrip("…").rstrip())):
        found.add(0)
        index = 1
    byline = wording.byline.format(byline=tags.artist) if tags.artist else None
    if byline and index < len(cues) and cues[index].text.strip() == byline:
        found.add(index)
        index += 1
    while index < len(cues) and cues[index].speaker is None:
        if not any(p.fullmatch(cues[index].text.strip()) for p in phrases.head):
            break
        found.add(index)
        index += 1
    return found


def _said_byline(cues: list[Cue], tags: EpisodeTags, wording: Wording) -> bool:
    if not tags.artist:
        return False
    said = wording.byline.format(byline=tags.artist)
    return any(cue.text.strip() == said for cue in cues[:3])


def document_from_episode(mp3: Path) -> EpisodeDocument:
    """The timed document of an episode built before, from its tags and side files."""
    mp3 = Path(mp3)
    tags = read_tags(mp3)  # EpisodeError when the file is missing or has no tags
    vtt = mp3.with_suffix(".vtt")
    if not vtt.is_file():
        raise EpisodeError(mp3, f"no transcript beside it ({vtt.name})")
    cues = read_cues(vtt, tags.transcript)
    provisional = max((cue.end_ms for cue in cues), default=0)
    marks = _chapter_marks(mp3, provisional)
    duration = _duration_ms(mp3, marks)
    language = _language(tags)
    wording = wording_for(language)
    phrases = _Phrases.of(wording)

    starts = [mark.start_ms for mark in marks]
    per_chapter: list[list[int]] = [[] for _ in marks]
    for position, cue in enumerate(cues):
        chapter = max(0, bisect.bisect_right(starts, cue.start_ms) - 1)
        per_chapter[chapter].append(position)

    # Pauses measured against the one after the title, which is always an announcement's.
    pauses = Pauses()
    reference = float(pauses.announcement)
    first = per_chapter[0] if per_chapter else []
    if len(first) >= 2:
        measured = cues[first[1]].start_ms - cues[first[0]].end_ms
        if measured >= 100:
            reference = float(measured)
    scale = reference / pauses.announcement
    thresholds = (
        scale * (pauses.sentence + pauses.paragraph) / 2,
        scale * (pauses.sentence + pauses.list_item) / 2,
    )

    numbering = _Numbering()
    chapters = []
    total_sections = len(marks) - 1
    for number, (mark, positions) in enumerate(zip(marks, per_chapter, strict=True)):
        chapter_cues = [cues[p] for p in positions]
        gaps = [0] + [cues[p].start_ms - cues[q].end_ms for q, p in itertools.pairwise(positions)]
        announcements: set[int] = set()
        if number == 0:
            announcements |= _head_announcements(chapter_cues, tags, wording, phrases)
        elif chapter_cues:
            section = wording.section.format(number=number, total=total_sections, title=mark.title)
            said = chapter_cues[0].text.strip()
            if said == _closing(section) or _pattern(wording.section).fullmatch(said):
                announcements.add(0)
        if (
            number == len(marks) - 1
            and chapter_cues
            and chapter_cues[-1].text.strip() == wording.closing
        ):
            announcements.add(len(chapter_cues) - 1)
        blocks = _blocks(chapter_cues, gaps, phrases, announcements, numbering, thresholds)
        chapters.append(
            TimedChapter(
                id=f"c{number + 1}",
                title=mark.title,
                # The level each CHAP carries (audionews:level); 2 for another tool's.
                level=1 if number == 0 else max(2, mark.level),
                start_ms=mark.start_ms,
                end_ms=mark.end_ms,
                blocks=tuple(blocks),
            )
        )
    if chapters and chapters[-1].end_ms < duration:
        chapters[-1] = replace(chapters[-1], end_ms=duration)

    extra = tags.extra_dict()
    return EpisodeDocument(
        title=tags.title,
        language=language,
        audio=mp3.name,
        duration_ms=duration,
        identifier=extra.get("audionews:guid") or episode_guid(tags.title, tags.date),
        chapters=tuple(chapters),
        # The artist tag is the show when the article has no byline: a byline only when the
        # narrator said it.
        byline=tags.artist if _said_byline(cues, tags, wording) else None,
        date=tags.date.isoformat() if tags.date else None,
        description=tags.description,
        show=tags.show or "audionews",
    )
