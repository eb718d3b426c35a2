"""ID3v2.3 tags and chapters: written after encoding, read back for any chaptered MP3.

Facts this module follows (ID3v2 Chapter Frame Addendum, and DESIGN.md):

- One CTOC, flagged top-level and ordered, lists every CHAP's element id and has a TIT2;
  Overcast shows chapters only when it is there.
- Each CHAP has start and end in milliseconds, byte offsets 0xFFFFFFFF ("use the times") and
  a TIT2 sub-frame with its title.
- ID3v2.3, not 2.4: Apple and Pocket Casts lost chapters with long titles in 2.4 tags.
- ffmpeg and ffprobe ignore CTOC and list chapters in the order of the CHAP frames in the
  file; mutagen orders frames by size. ``_TimeOrderedID3`` writes CHAP frames last, in time
  order (mutagen issue #506 tracks this upstream).
- Sub-chapters (a section's parts) stay in the one flat, ordered table of contents, one CHAP
  per stretch of audio, contiguous: podcast players show a flat list, and ffprobe ignores
  CTOC frames altogether. The addendum would allow a nested CTOC per section, but a player
  that reads only the top-level table would then lose the parts. Each CHAP carries its level
  in a ``TXXX audionews:level`` sub-frame instead, which ``read_chapters`` reads back (other
  programs ignore it), so ``audionews chapters`` can indent the parts.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mutagen import MutagenError
from mutagen.id3 import (
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TRCK,
    TXXX,
    USLT,
    CTOCFlags,
    Encoding,
    ID3NoHeaderError,
)

# mutagen's own frame writer, private: mutagen has no public way to order frames, and
# CHAP frames must be written in time order (see _TimeOrderedID3). Pinned in pyproject.toml.
from mutagen.id3._tags import save_frame
from mutagen.mp3 import MP3, MPEGInfo

from audionews.errors import EpisodeError
from audionews.files import describe_mode
from audionews.ingest.source import strip_controls
from audionews.outputs import Output, OutputContext
from audionews.timeline import Chapter

NO_OFFSET = 0xFFFFFFFF
LEVEL_KEY = "audionews:level"
# The TXXX frame holding the build key (pipeline.build_key): what "up to date" is decided by.
BUILD_KEY = "audionews:build_key"
MAX_CTOC_CHILDREN = 255
# Players show a line, not a page: titles are cut to this many characters in the tags.
TITLE_MAX = 250


def _short(text: str) -> str:
    text = strip_controls(text)
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1].rstrip() + "…"


# ISO 639-1 (what articles declare) to ISO 639-2/B (what TLAN and USLT/COMM take).
_LANGUAGES = {
    "en": "eng",
    "fr": "fre",
    "de": "ger",
    "es": "spa",
    "pt": "por",
    "it": "ita",
    "nl": "dut",
    "pl": "pol",
    "uk": "ukr",
    "ru": "rus",
    "ar": "ara",
    "zh": "chi",
    "ja": "jpn",
    "ko": "kor",
    "sv": "swe",
    "da": "dan",
    "no": "nor",
    "fi": "fin",
    "cs": "cze",
    "el": "gre",
    "tr": "tur",
    "he": "heb",
    "hi": "hin",
    "af": "afr",
    "ca": "cat",
    "ro": "rum",
    "hu": "hun",
}


def iso639_1(code: str) -> str | None:
    """The two-letter code for a three-letter one read back from TLAN ("fre" -> "fr")."""
    return next((two for two, three in _LANGUAGES.items() if three == code.lower()), None)


def iso639_2(language: str) -> str:
    """The three-letter code for a BCP 47 tag such as "en-GB"; "und" when unknown."""
    base = language.split("-")[0].lower()
    if len(base) == 3 and base.isalpha():
        return base  # already ISO 639-2, as TLAN is read back
    return _LANGUAGES.get(base, "und")


@dataclass(frozen=True)
class EpisodeTags:
    """The tags of an episode or clip."""

    title: str
    show: str
    artist: str | None = None
    date: dt.date | None = None
    language: str = "en"
    description: str | None = None
    transcript: str | None = None
    track: int | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def extra_dict(self) -> dict[str, str]:
        return dict(self.extra)


class _TimeOrderedID3(ID3):
    """ID3 tags whose CHAP frames are written after all others, ordered by start time."""

    def _write(self, config):  # type: ignore[no-untyped-def]
        chapters = sorted(self.getall("CHAP"), key=lambda frame: frame.start_time)
        self.delall("CHAP")
        try:
            head = super()._write(config)
        finally:
            for frame in chapters:
                self.add(frame)
        return head + b"".join(save_frame(frame, config=config) for frame in chapters)


def _fit_one_toc(chapters: Sequence[Chapter]) -> Sequence[Chapter]:
    """Chapters as one ID3 table of contents can list them (255 at most): beyond that, the
    last entry covers the rest. JSON chapters and transcripts keep every section."""
    if len(chapters) <= MAX_CTOC_CHILDREN:
        return chapters
    keep = chapters[: MAX_CTOC_CHILDREN - 1]
    rest = chapters[MAX_CTOC_CHILDREN - 1 :]
    merged = Chapter(
        f"{rest[0].title} (and {len(rest) - 1} more sections)",
        rest[0].start_ms,
        rest[-1].end_ms,
        rest[0].level,
    )
    return (*keep, merged)


def write_tags(path: Path, tags: EpisodeTags, chapters: Sequence[Chapter]) -> None:
    """Write ID3v2.3 tags with a table of contents and chapters to the MP3 at ``path``."""
    chapters = _fit_one_toc(chapters)
    id3 = _TimeOrderedID3()
    lang = iso639_2(tags.language)
    id3.add(TIT2(encoding=Encoding.UTF8, text=[_short(tags.title)]))
    id3.add(TALB(encoding=Encoding.UTF8, text=[_short(tags.show)]))
    id3.add(TCON(encoding=Encoding.UTF8, text=["Podcast"]))
    id3.add(TLAN(encoding=Encoding.UTF8, text=[lang]))
    if tags.artist:
        id3.add(TPE1(encoding=Encoding.UTF8, text=[_short(tags.artist)]))
    if tags.date:
        id3.add(TDRC(encoding=Encoding.UTF8, text=[tags.date.isoformat()]))
    if tags.track is not None:
        id3.add(TRCK(encoding=Encoding.UTF8, text=[str(tags.track)]))
    # Whatever a tag is made from (an episode read back, a chapter of someone else's MP3),
    # it never carries a control character to a player's or a terminal's screen.
    if tags.description:
        text = strip_controls(tags.description)
        id3.add(COMM(encoding=Encoding.UTF8, lang=lang, desc="", text=[text]))
    if tags.transcript:
        text = strip_controls(tags.transcript)
        id3.add(USLT(encoding=Encoding.UTF8, lang=lang, desc="transcript", text=text))
    for key, value in tags.extra:
        id3.add(TXXX(encoding=Encoding.UTF8, desc=key, text=[strip_controls(value)]))

    ids = [f"chp{number}" for number in range(len(chapters))]
    if chapters:
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=Encoding.UTF8, text=[_short(tags.title)])],
            )
        )
    for element_id, chapter in zip(ids, chapters, strict=True):
        id3.add(
            CHAP(
                element_id=element_id,
                start_time=chapter.start_ms,
                end_time=chapter.end_ms,
                start_offset=NO_OFFSET,
                end_offset=NO_OFFSET,
                sub_frames=[
                    TIT2(encoding=Encoding.UTF8, text=[_short(chapter.title)]),
                    TXXX(encoding=Encoding.UTF8, desc=LEVEL_KEY, text=[str(chapter.level)]),
                ],
            )
        )
    id3.update_to_v23()
    try:
        id3.save(str(path), v2_version=3, v1=0)
    except (MutagenError, OSError) as exc:
        raise EpisodeError(path, f"cannot write tags ({exc})") from None


@dataclass(frozen=True)
class Mp3Info:
    """An MP3's stream: length in seconds, bit rate in bits a second, sample rate in Hz."""

    length: float
    bitrate: int
    sample_rate: int


def mp3_info(path: Path) -> Mp3Info:
    """What mutagen reads of the MPEG stream; EpisodeError if there is none."""
    with _open(path) as handle:
        try:
            audio: Any = MP3(handle)
        except Exception as exc:  # a hostile file can trip the parser anywhere
            raise EpisodeError(path, f"not a readable MP3 ({_cause(exc)})") from None
        size = os.fstat(handle.fileno()).st_size
    info = audio.info
    if not isinstance(info, MPEGInfo):
        raise EpisodeError(path, "not a readable MP3 (no MPEG audio)")
    length = float(info.length)
    if info.bitrate:
        # A file cut short keeps the header that counts the frames of the whole: its bytes
        # say how much audio it still holds.
        audio_bytes = size - (audio.tags.size if audio.tags is not None else 0)
        length = min(length, max(0, audio_bytes) * 8 / info.bitrate)
    return Mp3Info(length, int(info.bitrate or 0), int(info.sample_rate))


def _open(path: Path) -> IO[bytes]:
    """An MP3 file opened for reading: EpisodeError for a missing path, a folder or anything
    but a regular file (a FIFO would make an ordinary open wait for a writer for ever)."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise EpisodeError(path, "no such file") from None
    except OSError as exc:
        raise EpisodeError(path, exc.strerror or str(exc)) from None
    mode = os.fstat(handle).st_mode
    if not stat.S_ISREG(mode):
        os.close(handle)
        if stat.S_ISDIR(mode):
            raise EpisodeError(path, "is a folder, not an MP3 file")
        raise EpisodeError(path, f"not a regular file ({describe_mode(mode)})")
    os.set_blocking(handle, True)
    return os.fdopen(handle, "rb")


def _cause(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "its frames are nested too deeply"
    text = " ".join(str(exc).split())
    return text if isinstance(exc, MutagenError | OSError) else f"{type(exc).__name__}: {text}"


def _load(path: Path, only: dict[str, type] | None = None) -> ID3:
    """The ID3 tags of ``path``; with ``only``, just those frames are parsed (the others
    are kept unread: an episode's hundreds of chapter frames take a quarter of a second)."""
    with _open(path) as handle:
        try:
            return ID3(handle) if only is None else ID3(handle, known_frames=only)
        except ID3NoHeaderError:
            raise EpisodeError(path, "no ID3 tags (not a tagged MP3)") from None
        except Exception as exc:  # a hostile file can trip the parser anywhere
            raise EpisodeError(path, f"unreadable ID3 tags ({_cause(exc)})") from None


def read_chapters(path: Path) -> list[Chapter]:
    """The chapters of any MP3 with ID3 chapters, in playing order.

    The order is the top-level CTOC's when there is one, else start time.
    """
    id3 = _load(path)
    frames = {frame.element_id: frame for frame in id3.getall("CHAP")}
    ordered = sorted(frames.values(), key=lambda frame: frame.start_time)
    toc = next((f for f in id3.getall("CTOC") if f.flags & CTOCFlags.TOP_LEVEL), None)
    if toc is not None and all(child in frames for child in toc.child_element_ids):
        ordered = [frames[child] for child in toc.child_element_ids]
    return [
        Chapter(_title(frame), frame.start_time, frame.end_time, _level(frame)) for frame in ordered
    ]


def _level(frame: Any) -> int:  # a CHAP frame
    """The level audionews wrote into a chapter; 1 for a chapter from elsewhere."""
    for sub in frame.sub_frames.getall("TXXX"):
        if sub.desc == LEVEL_KEY and sub.text and str(sub.text[0]).isdigit():
            return max(1, int(str(sub.text[0])))
    return 1


def _title(frame: Any) -> str:  # a CHAP frame (mutagen makes its attributes at run time)
    titles = frame.sub_frames.getall("TIT2")
    return str(titles[0].text[0]) if titles and titles[0].text else frame.element_id


def read_build_key(path: Path) -> str | None:
    """The build key audionews wrote into an episode (``audionews:build_key``), None if it has
    none; EpisodeError, as ``read_tags``, for a file without ID3 tags."""
    for frame in _load(path, {"TXXX": TXXX}).getall("TXXX"):
        if frame.desc == BUILD_KEY and frame.text:
            return str(frame.text[0])
    return None


def read_tags(path: Path) -> EpisodeTags:
    """The main tags of an MP3 (title, show, artist, date, language, description)."""
    id3 = _load(path)

    def text(frame_id: str) -> str | None:
        frame = id3.get(frame_id)
        return str(frame.text[0]) if frame is not None and frame.text else None

    date_text = text("TDRC")
    date = None
    if date_text:
        try:
            date = dt.date.fromisoformat(date_text[:10])
        except ValueError:
            date = None
    comments = [c for c in id3.getall("COMM") if c.desc == ""]
    transcripts = id3.getall("USLT")
    return EpisodeTags(
        title=text("TIT2") or path.stem,
        show=text("TALB") or "",
        artist=text("TPE1"),
        date=date,
        language=text("TLAN") or "und",
        description=str(comments[0].text[0]) if comments and comments[0].text else None,
        transcript=str(transcripts[0].text) if transcripts else None,
        track=int(t.split("/")[0]) if (t := text("TRCK")) and t.split("/")[0].isdigit() else None,
        extra=tuple((str(f.desc), str(f.text[0])) for f in id3.getall("TXXX") if f.text),
    )


class _Id3(Output):
    """The episode's tags and chapters, written into the encoded MP3."""

    key = "id3"

    def write(self, context: OutputContext) -> None:
        write_tags(context.paths["mp3"], context.tags, context.chapters)


OUTPUT = _Id3()
