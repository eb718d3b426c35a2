"""Chapter clips for broadcasters: one chapter of any chaptered MP3 as its own tagged MP3.

Two ways to cut:
- re-encoded (the default): the episode is decoded once, each chapter cut at its exact sample
  and encoded again at the episode's sample rate and bit rate. Sample-accurate; one more
  generation of MP3 coding.
- lossless: MP3 frames are copied without decoding, so a cut can only fall on a frame
  boundary: each end lands within one frame (1152 samples, 26 ms at 44.1 kHz) of the
  chapter's time. No generation loss.

``build --clips`` cuts from the episode's own PCM before it is ever encoded (``_BuildClips``),
so those clips have no generation loss and are sample-accurate.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audionews.audio.encode import encode_mp3, mp3_output
from audionews.errors import EpisodeError, OptionError, OutputError
from audionews.files import Target, atomic_files, check_targets
from audionews.outputs import Output, OutputContext
from audionews.outputs.tags import EpisodeTags, mp3_info, read_chapters, read_tags, write_tags
from audionews.timeline import Chapter
from audionews.tools import run_ffmpeg

if TYPE_CHECKING:
    from audionews.options import BuildOptions

NAME_MAX = 60


@dataclass(frozen=True)
class ClipSource:
    """What a clip is cut from: the episode's tags, chapters and audio format."""

    path: Path
    tags: EpisodeTags
    chapters: tuple[Chapter, ...]
    sample_rate: int
    bitrate_kbps: int
    duration_ms: int


def open_episode(path: Path) -> ClipSource:
    """Read a chaptered MP3 (ID3v2.3 or v2.4, chapters in any order, end times optional)."""
    marks = read_chapters(path)  # raises EpisodeError for a missing or untagged file
    if not marks:
        raise EpisodeError(path, "the MP3 has no chapters")
    info = mp3_info(path)
    duration_ms = round(info.length * 1000)
    ordered = sorted(marks, key=lambda mark: mark.start_ms)
    mended = []
    for index, mark in enumerate(ordered):
        following = ordered[index + 1].start_ms if index + 1 < len(ordered) else duration_ms
        end = mark.end_ms
        # A missing end (0xFFFFFFFF, 0, or not after the start) is the next chapter's start.
        if end in (0, 0xFFFFFFFF) or end <= mark.start_ms or end > duration_ms + 1000:
            end = following
        mended.append(Chapter(mark.title, mark.start_ms, min(end, duration_ms)))
    bitrate = round(info.bitrate / 1000) if info.bitrate else 128
    return ClipSource(path, read_tags(path), tuple(mended), info.sample_rate, bitrate, duration_ms)


def select(source: ClipSource, chapter: str) -> tuple[int, Chapter]:
    """A chapter by number (from 1, as ``audionews chapters`` lists them) or title."""
    # Only ASCII digits are a number: "²" or "٣" are titles (int() would refuse the first).
    if re.fullmatch(r"[0-9]+", chapter.strip()):
        number = int(chapter)
        if 1 <= number <= len(source.chapters):
            return number, source.chapters[number - 1]
        raise OptionError(f"{source.path} has chapters 1 to {len(source.chapters)}, not {number}")
    wanted = " ".join(chapter.split()).casefold()
    for number, mark in enumerate(source.chapters, start=1):
        if " ".join(mark.title.split()).casefold() == wanted:
            return number, mark
    titles = "; ".join(mark.title for mark in source.chapters)
    raise OptionError(f"{source.path} has no chapter titled {chapter!r} (chapters: {titles})")


def safe_name(title: str, number: int) -> str:
    """A file name for a chapter clip: no separators, no "..", no control characters."""
    text = unicodedata.normalize("NFKC", title)
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    text = re.sub(r"[\\/:*?\"<>|]+", " ", text)
    text = re.sub(r"[^\w\- ]+", "", text)
    text = re.sub(r"\s+", "-", text.strip()).strip(".-_").lower()[:NAME_MAX].rstrip("-")
    return f"{number:02d}-{text or 'chapter'}.mp3"


def check_audible(source: ClipSource, number: int, mark: Chapter) -> None:
    """EpisodeError for a chapter with no audio: one that starts where the audio has ended
    (an MP3 cut short, its chapters still those of the whole episode)."""
    if mark.end_ms <= mark.start_ms:
        raise EpisodeError(
            source.path,
            f"chapter {number} ({mark.title}) starts at {_clock(mark.start_ms)}, after the "
            f"audio ends at {_clock(source.duration_ms)} (is the file cut short?)",
        )


def clip_tags(source: ClipSource, number: int, mark: Chapter) -> EpisodeTags:
    return EpisodeTags(
        title=mark.title,
        show=source.tags.title,
        artist=source.tags.artist,
        date=source.tags.date,
        language=source.tags.language,
        track=number,
        description=(
            f"Chapter {number} of {source.path.name}, "
            f"{_clock(mark.start_ms)} to {_clock(mark.end_ms)}"
        ),
    )


def _clock(ms: int) -> str:
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes // 60}:{minutes % 60:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def decode(path: Path, sample_rate: int) -> np.ndarray:
    """The whole file as float mono samples at ``sample_rate``; EncodingError if it cannot be."""
    raw = run_ffmpeg(
        ["-i", str(path), "-f", "f32le", "-ac", "1", "-ar", str(sample_rate), "-"],
        doing=f"decode {path}",
    ).stdout
    return np.frombuffer(raw, dtype="<f4")


def copy_frames(source: Path, start_ms: int, end_ms: int, path: Path) -> None:
    """Cut without re-encoding: whole MP3 frames are copied."""
    run_ffmpeg(
        [
            "-ss",
            f"{start_ms / 1000:.3f}",
            "-to",
            f"{end_ms / 1000:.3f}",
            "-i",
            str(source),
            "-map",
            "0:a",
            "-c:a",
            "copy",
            *mp3_output(path),
        ]
    )


def cut(
    source: ClipSource,
    selection: Sequence[tuple[int, Chapter]],
    destinations: Sequence[Path],
    *,
    lossless: bool = False,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
) -> list[Path]:
    """Cut the selected chapters into ``destinations``, tagged, each written atomically.

    Clips are encoded side by side, one ffmpeg process per core, and switched in as one set:
    a failure leaves every earlier clip as it was. No clip may be the episode itself.
    """
    for number, mark in selection:
        check_audible(source, number, mark)
    targets = {str(index): path for index, path in enumerate(destinations)}
    check_targets(targets, inputs=[source.path])  # before the episode is decoded
    samples = None if lossless else decode(source.path, source.sample_rate)

    def one(number: int, mark: Chapter, path: Path) -> None:
        if lossless:
            copy_frames(source.path, mark.start_ms, mark.end_ms, path)
        else:
            assert samples is not None
            first = round(mark.start_ms * source.sample_rate / 1000)
            last = min(round(mark.end_ms * source.sample_rate / 1000), samples.size)
            if last <= first:  # the stream decodes shorter than its header says
                check_audible(source, number, Chapter(mark.title, mark.start_ms, mark.start_ms))
            encode_mp3(
                samples[first:last],
                source.sample_rate,
                path,
                source.sample_rate,
                source.bitrate_kbps,
            )
        write_tags(path, clip_tags(source, number, mark), ())

    workers = max(1, jobs or os.cpu_count() or 1)
    with (
        atomic_files(targets, inputs=[source.path]) as partial,
        ThreadPoolExecutor(workers) as pool,
    ):
        futures = [
            pool.submit(one, number, mark, partial[key])
            for (number, mark), key in zip(selection, targets, strict=True)
        ]
        for done, future in enumerate(futures, start=1):
            future.result()
            if progress:
                progress(done, len(futures))
    return list(destinations)


@dataclass(frozen=True)
class Clip:
    """One clip cut: the chapter's number (from 1), the chapter, and the clip's file."""

    number: int
    chapter: Chapter
    path: Path


def clip_chapters(
    episode: Path,
    chapter: str | None,
    *,
    output: Path | None = None,
    lossless: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[Clip]:
    """Cut one chapter (by number or title) of any chaptered MP3, or every chapter when
    ``chapter`` is None. One clip goes to ``output`` or beside the episode (S.NN-title.mp3);
    every chapter goes into the folder ``output`` or S.clips/ beside the episode."""
    source = open_episode(episode)
    if chapter is None:
        selection = list(enumerate(source.chapters, start=1))
        folder = output or episode.with_name(f"{episode.stem}.clips")
        _make_folder(folder, folder)
        destinations = [folder / safe_name(mark.title, number) for number, mark in selection]
    else:
        number, mark = select(source, chapter)
        selection = [(number, mark)]
        destination = output or episode.with_name(f"{episode.stem}.{safe_name(mark.title, number)}")
        if destination.is_dir():
            raise OutputError(f"cannot write {destination}: it is a folder (give a file name)")
        _make_folder(destination.parent, destination)
        destinations = [destination]
    written = cut(source, selection, destinations, lossless=lossless, progress=progress)
    return [
        Clip(number, mark, path) for (number, mark), path in zip(selection, written, strict=True)
    ]


def _make_folder(folder: Path, writing: Path) -> None:
    """``folder`` made if need be, as ``build -o`` makes its folder."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        cause = exc.strerror or str(exc)
        if isinstance(exc, FileExistsError | NotADirectoryError):
            cause = f"{folder} is not a folder"
        raise OutputError(f"cannot write {writing}: {cause}") from None


class _BuildClips(Output):
    """``build --clips``: every chapter as a tagged clip in S.clips/, cut from the episode's
    own samples before they were encoded (no generation loss, sample-exact)."""

    key = "clips"

    def wanted(self, options: BuildOptions) -> bool:
        return options.clips

    def targets(self, stem: Path) -> dict[str, Target]:
        return {self.key: Target(Path(f"{stem}.clips"), folder=True)}

    def write(self, context: OutputContext) -> None:
        preset = context.preset
        source = ClipSource(
            context.finals["mp3"],
            context.tags,
            context.chapters,
            preset.sample_rate,
            preset.bitrate_kbps,
            context.timeline.duration_ms,
        )
        for number, mark in enumerate(context.chapters, start=1):
            path = context.paths[self.key] / safe_name(mark.title, number)
            encode_mp3(
                context.audio(mark.start_ms, mark.end_ms),
                context.track.sample_rate,
                path,
                preset.sample_rate,
                preset.bitrate_kbps,
            )
            write_tags(path, clip_tags(source, number, mark), ())


OUTPUT = _BuildClips()
