"""build(): the stages composed, and the episode's files written atomically."""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audionews import __version__, data
from audionews.article import Article, Paragraph
from audionews.audio.assemble import Track, assemble
from audionews.audio.cache import CachedEngine, SegmentCache
from audionews.audio.encode import Measurement, encode_mp3, measure
from audionews.audio.synth import Pyttsx3Engine, SpeechEngine, Utterance, UtteranceFailed
from audionews.audio.voices import (
    DEFAULT_PROFILE,
    ROLE_TABLES,
    VoiceProfile,
    check_voice,
    find_profile,
    load_profile,
)
from audionews.dates import parse_date
from audionews.errors import AudionewsError, OptionError, OutputError, SegmentSynthesisError
from audionews.files import atomic_files
from audionews.ingest import ArticleFormat, read_article
from audionews.outputs import sidefiles
from audionews.outputs.clips import ClipSource, clip_tags, safe_name
from audionews.outputs.feed import episode_guid
from audionews.outputs.tags import ChapterMark, EpisodeTags, read_tags, write_tags
from audionews.presets import DEFAULT_PRESET, Preset, resolve_preset
from audionews.text.script import QuoteStyle, Role, Script, make_script
from audionews.text.sentences import split_sentences
from audionews.text.speech import default_lexicon, load_lexicon, speakable_script
from audionews.tools import require_espeak, require_ffmpeg

DEFAULT_SHOW = "audionews"
SLUG_MAX = 80

if TYPE_CHECKING:
    from audionews.audio import loudness

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Rate:
    """A speaking rate: words a minute for the narrator, or a factor of the profile's rate."""

    value: float
    is_factor: bool = False

    @classmethod
    def parse(cls, text: str) -> Rate:
        """ "320" (words a minute) or "1.5x" (a factor); OptionError otherwise."""
        cleaned = text.strip().lower()
        factor = cleaned.endswith("x")
        try:
            value = float(cleaned.rstrip("x"))
        except ValueError:
            raise OptionError(
                f"rate {text!r}: give words a minute (320) or a factor (1.5x)"
            ) from None
        if factor and not 0.5 <= value <= 3.0:
            raise OptionError(f"rate {text!r}: a factor must be from 0.5x to 3x")
        if not factor and not 80 <= value <= 500:
            raise OptionError(f"rate {text!r}: words a minute must be from 80 to 500")
        return cls(value, factor)

    def words_per_minute(self, profile: VoiceProfile) -> int:
        narrator = profile.voice_for(Role.NARRATION).rate
        return round(narrator * self.value) if self.is_factor else round(self.value)


"""Called as progress(stage, done, total); stages: "synthesis", "encoding"."""


@dataclass(frozen=True)
class BuildOptions:
    """What a build may be asked to do differently from the defaults."""

    voices: str = DEFAULT_PROFILE
    show: str = DEFAULT_SHOW
    quote_style: QuoteStyle = QuoteStyle.VOICE
    preset: str = DEFAULT_PRESET
    bitrate_kbps: int | None = None
    sample_rate: int | None = None
    loudness_lufs: float | None = None
    rate: Rate | None = None
    article_format: ArticleFormat | None = None
    jobs: int | None = None
    lexicon: Path | None = None
    clips: bool = False
    cache: bool = True
    cache_folder: Path | None = None


@dataclass(frozen=True)
class Episode:
    """What a build produced."""

    files: dict[str, Path]  # "mp3", "chapters_json", "vtt", "srt"
    script: Script
    track_duration_s: float
    chapters: tuple[ChapterMark, ...]
    timings: dict[str, float]
    measured: Measurement
    preset: Preset
    notices: tuple[str, ...] = ()

    @property
    def mp3(self) -> Path:
        return self.files["mp3"]

    def summary(self) -> dict[str, object]:
        """The object ``build --json`` prints (DESIGN.md's output contract)."""
        return {
            **{key: str(path) for key, path in self.files.items()},
            "duration_s": round(self.track_duration_s, 3),
            "preset": self.preset.name,
            "loudness_lufs": self.measured.lufs,
            "true_peak_dbtp": self.measured.true_peak,
            "chapters": [
                {
                    "title": chapter.title,
                    "start_s": chapter.start_ms / 1000,
                    "end_s": chapter.end_ms / 1000,
                }
                for chapter in self.chapters
            ],
        }


def slugify(title: str) -> str:
    """A file-name-safe slug of a title: ASCII letters, digits and hyphens, never empty."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    slug = slug[:SLUG_MAX].rstrip("-")
    return slug or "episode"


def build(
    article_path: Path | str,
    out_dir: Path | str,
    options: BuildOptions | None = None,
    *,
    engine: SpeechEngine | None = None,
    progress: Progress | None = None,
) -> Episode:
    """Build the episode of one article into ``out_dir``.

    Everything that can be checked before work starts is checked first: the tools, the voice
    profile, the article, the output folder. Files appear in ``out_dir`` only when complete.
    """
    options = options or BuildOptions()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    require_ffmpeg()
    preset = resolve_preset(
        options.preset,
        bitrate_kbps=options.bitrate_kbps,
        sample_rate=options.sample_rate,
        loudness_lufs=options.loudness_lufs,
    )
    if engine is None:
        require_espeak()
        engine = Pyttsx3Engine(options.jobs)
        if options.cache:
            engine = CachedEngine(engine, SegmentCache(options.cache_folder))
    profile = load_profile(options.voices)
    if options.rate is not None:
        profile = profile.with_rate(options.rate.words_per_minute(profile))
    article = read_article(Path(article_path), options.article_format)
    notices = list(article.notices)
    profile, fallback = profile.for_language(article.language)
    if fallback:
        notices.append(fallback)
    for role, voice in profile.voices.items():
        check_voice(voice.voice, f"voice for {article.language} [{ROLE_TABLES[role]}]")
    out_dir = _prepare_output(Path(out_dir))
    lexicon = default_lexicon().merged(profile.lexicon)
    if options.lexicon is not None:
        lexicon = lexicon.merged(load_lexicon(options.lexicon))
    script = make_script(article, profile.pauses, options.quote_style)
    script = speakable_script(script, lexicon)
    lap("read")

    # Loudness needs scipy, slow to import (half a second): import it while espeak-ng speaks.
    warm = threading.Thread(
        target=importlib.import_module, args=("audionews.audio.loudness",), daemon=True
    )
    warm.start()
    audio = _synthesize(script, profile, engine, progress)
    lap("synthesis")
    warm.join()
    from audionews.audio.loudness import normalise

    track = assemble(script, audio)
    del audio
    curve = normalise(track.samples, track.sample_rate, preset.loudness)
    lap("assembly")

    slug = slugify(article.title)
    files = {
        "mp3": out_dir / f"{slug}.mp3",
        "chapters_json": out_dir / f"{slug}.chapters.json",
        "vtt": out_dir / f"{slug}.vtt",
        "srt": out_dir / f"{slug}.srt",
    }
    chapters = tuple(ChapterMark(c.title, c.start_ms, c.end_ms) for c in track.timeline.chapters)
    clip_folder = out_dir / f"{slug}.clips"
    created_folder = False
    if options.clips:
        for number, mark in enumerate(chapters, start=1):
            files[f"clip{number:03d}"] = clip_folder / safe_name(mark.title, number)
        clip_folder.mkdir(exist_ok=True)
    try:
        with atomic_files(files) as partial:
            if progress:
                progress("encoding", 0, 1)
            encode_mp3(
                curve.slices(track.samples, track.sample_rate),
                track.sample_rate,
                partial["mp3"],
                preset.sample_rate,
                preset.bitrate_kbps,
            )
            measured = measure(partial["mp3"])
            lap("encoding")
            tags = _episode_tags(
                article,
                script,
                options,
                profile,
                preset,
                measured,
                build_key(Path(article_path), options),
            )
            write_tags(partial["mp3"], tags, chapters)
            transcript = sidefiles.cues(script, track.timeline)
            partial["chapters_json"].write_text(sidefiles.chapters_json(track.timeline), "utf-8")
            partial["vtt"].write_text(sidefiles.webvtt(transcript), "utf-8")
            partial["srt"].write_text(sidefiles.subrip(transcript), "utf-8")
            lap("tagging")
            if options.clips:
                _write_clips(track, curve, chapters, tags, preset, files, partial)
                lap("clips")
            if progress:
                progress("encoding", 1, 1)
    except BaseException as exc:
        if options.clips and created_folder and not any(clip_folder.iterdir()):
            clip_folder.rmdir()
        if isinstance(exc, OSError):
            # A full disk, a folder that went away: nothing half-written was left behind.
            raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
        raise
    if options.clips:
        keep = {path.name for key, path in files.items() if key.startswith("clip")}
        for stale in clip_folder.glob("[0-9][0-9]-*.mp3"):
            if stale.name not in keep:
                stale.unlink()
    return Episode(
        files,
        script,
        track.duration_s,
        chapters,
        timings,
        measured,
        preset,
        tuple(notices),
    )


def _write_clips(
    track: Track,
    curve: loudness.GainCurve,
    chapters: tuple[ChapterMark, ...],
    tags: EpisodeTags,
    preset: Preset,
    files: dict[str, Path],
    partial: dict[str, Path],
) -> None:
    """Every chapter as a clip, cut from the episode's samples before they are encoded."""
    source = ClipSource(
        files["mp3"],
        tags,
        chapters,
        preset.sample_rate,
        preset.bitrate_kbps,
        chapters[-1].end_ms if chapters else 0,
    )
    for number, mark in enumerate(chapters, start=1):
        key = f"clip{number:03d}"
        rate = track.sample_rate
        first, last = round(mark.start_ms * rate / 1000), round(mark.end_ms * rate / 1000)
        encode_mp3(
            curve.slices(track.samples, rate, first, last),
            rate,
            partial[key],
            preset.sample_rate,
            preset.bitrate_kbps,
        )
        write_tags(partial[key], clip_tags(source, number, mark), ())


def build_key(article_path: Path, options: BuildOptions) -> str:
    """What decides an episode's content: the article's bytes, the profile and lexicons, the
    options that change the output, and the program's version. Same key, same episode."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    add("version", __version__.encode())
    add("article", _bytes(article_path))
    add("profile", _bytes(find_profile(options.voices)))
    add("lexicon", data.LEXICON.read_bytes())
    if options.lexicon is not None:
        add("user lexicon", _bytes(options.lexicon))
    relevant = {
        k: v
        for k, v in asdict(options).items()
        if k not in ("jobs", "cache", "cache_folder", "lexicon")
    }
    add("options", repr(sorted(relevant.items())).encode())
    return digest.hexdigest()[:32]


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def up_to_date(article_path: Path, out_dir: Path, options: BuildOptions) -> Path | None:
    """The episode already built from exactly these inputs, or None when it must be built."""
    try:
        article = read_article(article_path, options.article_format)
    except AudionewsError:
        return None
    slug = slugify(article.title)
    mp3 = out_dir / f"{slug}.mp3"
    wanted = [mp3, *(out_dir / f"{slug}{suffix}" for suffix in (".chapters.json", ".vtt", ".srt"))]
    if not all(path.is_file() for path in wanted):
        return None
    try:
        tags = read_tags(mp3)
    except AudionewsError:
        return None
    return (
        mp3
        if tags.extra_dict().get("audionews:build_key") == build_key(article_path, options)
        else None
    )


def _synthesize(
    script: Script, profile: VoiceProfile, engine: SpeechEngine, progress: Progress | None
) -> list[bytes]:
    utterances = [
        Utterance(segment.utterance, profile.voice_for(segment.role)) for segment in script.segments
    ]
    report = (lambda done, total: progress("synthesis", done, total)) if progress else None
    try:
        return engine.synthesize(utterances, report)
    except UtteranceFailed as failure:
        chapter, segment, text = _locate(script, failure.index)
        raise SegmentSynthesisError(chapter, segment, text, failure.cause) from None


def _locate(script: Script, flat_index: int) -> tuple[int, int, str]:
    index = 0
    for chapter_number, chapter in enumerate(script.chapters):
        for segment_number, segment in enumerate(chapter.segments):
            if index == flat_index:
                return chapter_number, segment_number, segment.text
            index += 1
    raise IndexError(flat_index)


def _episode_tags(
    article: Article,
    script: Script,
    options: BuildOptions,
    profile: VoiceProfile,
    preset: Preset,
    measured: Measurement,
    build_key: str,
) -> EpisodeTags:
    description = article.description or _opening_sentence(article)
    return EpisodeTags(
        title=article.title,
        show=options.show,
        artist=article.byline,
        date=parse_date(article.date, article.language),
        language=article.language,
        description=description,
        transcript=script.transcript(),
        extra=(
            (
                "audionews:guid",
                episode_guid(article.title, parse_date(article.date, article.language)),
            ),
            ("audionews:build_key", build_key),
            ("audionews:preset", preset.name),
            ("audionews:loudness_lufs", f"{measured.lufs:.1f}"),
            ("audionews:true_peak_dbtp", f"{measured.true_peak:.1f}"),
            ("audionews:voices", options.voices),
            *((f"audionews:{ROLE_TABLES[role]}", v.voice) for role, v in profile.voices.items()),
        ),
    )


def _opening_sentence(article: Article) -> str | None:
    """The first sentence of the first paragraph: what a listener hears the article open with."""
    for block in article.blocks:
        if isinstance(block, Paragraph):
            sentences = split_sentences(block.text)
            return sentences[0] if sentences else None
    return None


def _prepare_output(out_dir: Path) -> Path:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {out_dir}: {exc.strerror}") from None
    if not out_dir.is_dir():
        raise OutputError(f"output path {out_dir} is not a folder")
    if not os.access(out_dir, os.W_OK):
        raise OutputError(f"output folder {out_dir} is not writable")
    return out_dir
