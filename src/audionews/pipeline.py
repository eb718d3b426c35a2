"""The pipeline: an article file in, an episode out, composed in one place.

``prepare`` reads the article and resolves everything a build depends on (the preset, the voice
profile for the article's language and rate, the lexicons) into a ``Prepared``; ``build`` takes
it through synthesis, assembly, loudness and encoding and hands one ``OutputContext`` to every
wanted output (outputs/); ``make`` is what ``audionews build`` and each article of a batch run:
checks, the up-to-date rule, the build. ``script``, ``batch`` and the up-to-date check all
start from ``prepare``, so an article is read once and settled the same way everywhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import resource
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from audionews import __version__, data, outputs
from audionews.article import Article, Paragraph
from audionews.audio.assemble import assemble
from audionews.audio.cache import CachedEngine, CalibrationCache, SegmentCache
from audionews.audio.encode import (
    Format,
    Measurement,
    cached_parts,
    coded_measurement,
    encode_parts,
    part_figures,
    plan_parts,
    sample_digest,
)
from audionews.audio.loudness import codec_loss_lu, gain_choices
from audionews.audio.speech import SAMPLE_RATE, AudioSegment, SpeechSpool
from audionews.audio.synth import Pyttsx3Engine, SpeechEngine, Utterance, UtteranceFailed
from audionews.audio.voices import (
    ROLE_TABLES,
    VoiceProfile,
    check_voice,
    find_profile,
    load_profile,
)
from audionews.dates import parse_date
from audionews.errors import AudionewsError, OutputError, SegmentSynthesisError
from audionews.files import Target, atomic_files, check_targets, clean_stale, release_if_held
from audionews.ingest import parse_article, read_bytes
from audionews.options import NOT_CONTENT, BuildOptions
from audionews.outputs import OutputContext
from audionews.outputs.feed import episode_guid
from audionews.outputs.tags import EpisodeTags, read_build_key
from audionews.presets import Preset, resolve_preset
from audionews.text.script import Role, Script, make_script
from audionews.text.sentences import split_sentences
from audionews.text.speech import Lexicon, default_lexicon, load_lexicon, speakable_script
from audionews.timeline import Chapter
from audionews.tools import require_espeak, require_ffmpeg

SLUG_MAX = 80

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total); stages: "synthesis", "encoding"."""


@dataclass(frozen=True)
class Prepared:
    """An article made ready to build: what it says, and every setting resolved.

    source: the article file.
    options: the options it was prepared with.
    article: the article as read.
    script: its script, speakable text filled in.
    preset: the sound preset with its overrides.
    profile: the voice profile for the article's language, at the chosen rate.
    lexicon: the built-in, profile and user lexicons merged.
    key: the build key (``content_key``) of the bytes read: a save made during the build
        leaves the episode out of date, to be built again.
    notices: things the user should know (an encoding guessed, a language without voices).
    """

    source: Path
    options: BuildOptions
    article: Article
    script: Script
    preset: Preset
    profile: VoiceProfile
    lexicon: Lexicon
    key: str
    notices: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return slugify(self.article.title)

    @property
    def date(self) -> dt.date | None:
        """The article's date, read by its locale (the same date speech says); the date it was
        updated when it gives no other."""
        return parse_date(self.article.date or self.article.updated, self.article.language)


@dataclass(frozen=True)
class Episode:
    """What a build produced.

    files: every file and folder written, by key ("mp3", "chapters_json", "vtt", "srt", and
        "clips" for the clip folder); published: what publishing added ("feed", "guid").
    """

    files: dict[str, Path]
    script: Script
    track_duration_s: float
    chapters: tuple[Chapter, ...]
    timings: dict[str, float]
    measured: Measurement
    preset: Preset
    notices: tuple[str, ...] = ()
    published: dict[str, object] = field(default_factory=dict)
    stages: tuple[Stage, ...] = ()
    spans: tuple[Span, ...] = ()
    parts: int = 0
    parts_reused: int = 0

    @property
    def mp3(self) -> Path:
        return self.files["mp3"]

    def summary(self) -> dict[str, object]:
        """The object ``build --json`` prints (DESIGN.md's output contract, and more)."""
        return {
            **{key: str(path) for key, path in self.files.items()},
            "duration_s": round(self.track_duration_s, 3),
            "preset": self.preset.name,
            "loudness_lufs": self.measured.lufs,
            "true_peak_dbtp": self.measured.true_peak,
            "chapters": [chapter.summary() for chapter in self.chapters],
            **self.published,
        }


@dataclass(frozen=True)
class Stage:
    """One stage of a build: wall time, and CPU time of this process and of its children
    (synthesis workers, ffmpeg) while it ran; ``cpu / wall`` is how many cores it kept busy."""

    name: str
    wall_s: float
    cpu_self_s: float
    cpu_children_s: float


@dataclass(frozen=True)
class Span:
    """Something that ran on its own thread or process within a stage (an encoded part):
    start and end in seconds from the start of the build."""

    what: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class UpToDate:
    """The episode already built from exactly these inputs: nothing was done."""

    mp3: Path


def slugify(title: str) -> str:
    """A file-name-safe slug of a title: ASCII letters, digits and hyphens, never empty."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    slug = slug[:SLUG_MAX].rstrip("-")
    return slug or "episode"


def prepare(
    article_path: Path | str, options: BuildOptions | None = None, *, for_speech: bool = True
) -> Prepared:
    """Read the article and settle everything a build of it depends on.

    Options that cannot work are refused before the article is read. With ``for_speech``
    False (``audionews script``), espeak-ng is not asked for voices: the profile's own are kept.
    """
    options = options or BuildOptions()
    preset = resolve_preset(
        options.preset,
        bitrate_kbps=options.bitrate_kbps,
        sample_rate=options.sample_rate,
        loudness_lufs=options.loudness_lufs,
    )
    profile = load_profile(options.voices, check_installed=for_speech)
    if options.rate is not None:
        narrator = profile.voice_for(Role.NARRATION).rate
        profile = profile.with_rate(options.rate.words_per_minute(narrator))
    source = Path(article_path)
    data = read_bytes(source, options.max_article_bytes)
    article = parse_article(source, data, options.article_format)
    notices = list(article.notices)
    if for_speech:
        profile, fallback = profile.for_language(article.language)
        notices += [fallback] if fallback else []
        for role, voice in profile.voices.items():
            check_voice(voice.voice, f"voice for {article.language} [{ROLE_TABLES[role]}]")
    lexicon = default_lexicon().merged(profile.lexicon)
    if options.lexicon is not None:
        lexicon = lexicon.merged(load_lexicon(options.lexicon))
    script = speakable_script(make_script(article, profile.pauses, options.quote_style), lexicon)
    key = content_key(data, options)
    return Prepared(source, options, article, script, preset, profile, lexicon, key, tuple(notices))


def make(
    article_path: Path | str,
    out_dir: Path | str,
    options: BuildOptions | None = None,
    *,
    skip_up_to_date: bool = False,
    engine: SpeechEngine | None = None,
    progress: Progress | None = None,
) -> Episode | UpToDate:
    """Build one article, everything that can be checked checked first; with
    ``skip_up_to_date``, an episode already built from the same inputs is left as it is."""
    options = options or BuildOptions()
    for output in outputs.wanted(options):
        output.check(options)
    require_ffmpeg()
    if engine is None:
        require_espeak()
    prepared = prepare(article_path, options)
    if skip_up_to_date and (existing := up_to_date(prepared, Path(out_dir))) is not None:
        return UpToDate(existing)
    return build(prepared, out_dir, engine=engine, progress=progress)


def build(
    prepared: Prepared,
    out_dir: Path | str,
    *,
    engine: SpeechEngine | None = None,
    progress: Progress | None = None,
) -> Episode:
    """The stages, in order; every output's files appear in ``out_dir`` only when all are whole."""
    out_dir = ready(_output_folder(prepared.options, Path(out_dir)))
    try:
        return _build(prepared, out_dir, engine, progress)
    except BaseException:
        # A folder of the build's own (``build --feed`` builds inside the feed) goes with a
        # build that fails or is stopped; a folder the caller named is never touched.
        release_if_held(out_dir)
        raise


def _build(
    prepared: Prepared, out_dir: Path, engine: SpeechEngine | None, progress: Progress | None
) -> Episode:
    clock = _Clock()
    wanted = outputs.wanted(prepared.options)
    targets = targets_of(prepared, out_dir)
    check_targets(targets, inputs=[prepared.source])  # a target that cannot be, before any work
    engine = engine or default_engine(prepared.options)
    audio = synthesize(prepared, engine, progress)
    clock.lap("synthesis")
    preset = prepared.preset
    fmt = Format(SAMPLE_RATE, preset.sample_rate, preset.bitrate_kbps)
    track = assemble(prepared.script, audio, fmt.grid)
    if isinstance(audio, SpeechSpool):
        audio.close()  # every utterance is in the track now
    del audio
    clock.lap("assembly")
    block = limiter_block(fmt)
    store = SegmentCache(prepared.options.cache_folder) if prepared.options.cache else None
    parts = plan_parts(track.seams, track.size, fmt)
    # Each part's samples hashed once: its cached loudness figures and encoding are found by it.
    digests = [sample_digest(track, part) for part in parts] if store is not None else None
    figures = part_figures(
        track,
        track.sample_rate,
        block,
        parts,
        digests=digests,
        store=store,
        jobs=prepared.options.jobs,
    )
    choices = gain_choices(
        figures.peaks,
        figures.energies,
        track.sample_rate,
        block,
        preset.loudness,
        codec_loss_lu(fmt.sample_rate),
    )
    gain = next(choices)
    if store is not None and (
        reusable := cached_parts(track, gain, parts, fmt, store, digests)
    ) < len(parts):
        # After an edit that moved the exact gain across the middle of two steps, the other
        # step may be the one the earlier build chose: its parts are already encoded.
        other = next(choices, None)
        if other is not None and cached_parts(track, other, parts, fmt, store, digests) > reusable:
            gain = other
    del choices
    clock.lap("normalisation")
    finals = {key: target.path for key, target in targets.items()}
    with _write_errors(out_dir), atomic_files(targets, inputs=[prepared.source]) as paths:
        if progress:
            progress("encoding", 0, 1)
        peak, reused = encode_parts(
            track,
            gain,
            parts,
            fmt,
            paths["mp3"],
            jobs=prepared.options.jobs,
            store=store,
            trace=clock.span,
            digests=digests,
        )
        measured = coded_measurement(figures.energies, gain, peak, track.sample_rate, fmt)
        del figures
        clock.lap("encoding")
        tags = episode_tags(prepared, measured)
        context = OutputContext(prepared, track, gain, measured, tags, paths, finals)
        for output in wanted:
            output.write(context)
        clock.lap("outputs")
        if progress:
            progress("encoding", 1, 1)
    published = {k: v for output in wanted for k, v in output.publish(context, finals).items()}
    # Publishing may move a file (into a feed): the episode is where it was published.
    files = {key: Path(str(published.get(key, path))) for key, path in finals.items()}
    return Episode(
        files,
        prepared.script,
        track.duration_s,
        track.timeline.chapters,
        clock.timings,
        measured,
        prepared.preset,
        prepared.notices,
        published,
        tuple(clock.stages),
        tuple(clock.spans),
        len(parts),
        reused,
    )


def limiter_block(fmt: Format) -> int:
    """The limiter's block: about 1 ms, dividing the seam grid, so that a part's gains are
    the same wherever in the track the part lies (its cached encoding stays valid)."""
    most = max(1, fmt.input_rate // 1000)
    return max(d for d in range(1, most + 1) if fmt.grid % d == 0)


def default_engine(options: BuildOptions) -> SpeechEngine:
    """pyttsx3 over espeak-ng, behind the segment cache unless the options turn it off."""
    require_espeak()
    cache = SegmentCache(options.cache_folder)
    # The voices' calibration figures are the engine's, not the article's: kept even when
    # every sentence is synthesised afresh (--no-cache), as measuring them costs a third of a
    # short article's synthesis.
    engine = Pyttsx3Engine(options.jobs, CalibrationCache(cache))
    return CachedEngine(engine, cache) if options.cache else engine


def synthesize(
    prepared: Prepared, engine: SpeechEngine, progress: Progress | None = None
) -> Sequence[AudioSegment]:
    """Every segment's speech, in order; a segment that gives none is named."""
    profile = prepared.profile
    utterances = [
        Utterance(s.utterance, profile.voice_for(s.role)) for s in prepared.script.segments
    ]
    report = (lambda done, total: progress("synthesis", done, total)) if progress else None
    try:
        return engine.synthesize(utterances, report)
    except UtteranceFailed as failure:
        chapter, segment, text = _locate(prepared.script, failure.index)
        raise SegmentSynthesisError(chapter, segment, text, failure.cause) from None


def targets_of(prepared: Prepared, out_dir: Path) -> dict[str, Target]:
    """Every file and folder a build of ``prepared`` writes into ``out_dir``, by key."""
    stem = out_dir / prepared.slug
    found = {"mp3": Target(Path(f"{stem}.mp3"))}
    for output in outputs.wanted(prepared.options):
        found.update(output.targets(stem))
    return found


def episode_tags(prepared: Prepared, measured: Measurement) -> EpisodeTags:
    """The episode's tags: the article's metadata, the show, and how it was made."""
    article, options = prepared.article, prepared.options
    voices = prepared.profile.voices
    return EpisodeTags(
        title=article.title,
        show=options.show,
        # Players show "Unknown artist" without one: the show speaks for an unsigned article.
        artist=article.byline or options.show,
        date=prepared.date,
        language=article.language,
        description=article.description or _opening_sentence(article),
        transcript=prepared.script.transcript(),
        extra=(
            ("audionews:guid", episode_guid(article.title, prepared.date)),
            # TLAN holds ISO 639-2 only: the full BCP 47 tag ("en-GB") is kept here.
            ("audionews:language", article.language),
            ("audionews:build_key", build_key(prepared)),
            ("audionews:preset", prepared.preset.name),
            ("audionews:loudness_lufs", f"{measured.lufs:.1f}"),
            ("audionews:true_peak_dbtp", f"{measured.true_peak:.1f}"),
            ("audionews:voices", options.voices),
            *((f"audionews:{ROLE_TABLES[role]}", v.voice) for role, v in voices.items()),
        ),
    )


def build_key(prepared: Prepared) -> str:
    """What decides an episode's content: the article's bytes as read, the profile and
    lexicons, the options that change the output, and the program's version. Same key, same
    episode."""
    return prepared.key


def content_key(article: bytes, options: BuildOptions) -> str:
    """``build_key`` from the article's bytes, before anything reads them: the distributed
    queue names a task by it on a machine that never parses the article."""
    digest = hashlib.sha256()

    def add(label: str, content: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(content).digest())

    add("version", __version__.encode())
    add("article", article)
    add("profile", _bytes(find_profile(options.voices)))
    add("lexicon", data.LEXICON.read_bytes())
    if options.lexicon is not None:
        add("user lexicon", _bytes(options.lexicon))
    relevant = {k: v for k, v in asdict(options).items() if k not in NOT_CONTENT}
    add("options", repr(sorted(relevant.items())).encode())
    return digest.hexdigest()[:32]


def up_to_date(prepared: Prepared, out_dir: Path) -> Path | None:
    """The episode already built from exactly these inputs, or None when it must be built.

    Every file and folder the build would write must be there, and the MP3's build key equal.
    What a killed run left half done in the output folder is finished first (files.clean_stale).
    """
    targets = targets_of(prepared, _output_folder(prepared.options, out_dir))
    # What a killed run left half switched is put right first (the next run in a folder
    # always does, whether it builds or not), and the files are judged as they are then.
    for folder in dict.fromkeys(t.path.parent for t in targets.values()):
        clean_stale(folder)
    if not all(t.path.is_dir() if t.folder else t.path.is_file() for t in targets.values()):
        return None
    mp3 = targets["mp3"].path
    try:
        key = read_build_key(mp3)
    except AudionewsError:
        return None
    return mp3 if key == build_key(prepared) else None


# --- helpers -------------------------------------------------------------------------------


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


class _Clock:
    """Wall and CPU time of each stage, and spans of work on other threads."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.stages: list[Stage] = []
        self.spans: list[Span] = []
        self.origin = self.started = time.perf_counter()
        self.cpu = _cpu()
        self.lock = threading.Lock()

    def lap(self, stage: str) -> None:
        now, cpu = time.perf_counter(), _cpu()
        self.timings[stage] = now - self.started
        self.stages.append(
            Stage(stage, now - self.started, cpu[0] - self.cpu[0], cpu[1] - self.cpu[1])
        )
        self.started, self.cpu = now, cpu

    def span(self, what: str, started: float, ended: float) -> None:
        with self.lock:
            self.spans.append(Span(what, started - self.origin, ended - self.origin))


def _output_folder(options: BuildOptions, out_dir: Path) -> Path:
    for output in outputs.wanted(options):
        out_dir = output.folder(options, out_dir)
    return out_dir


def ready(out_dir: Path) -> Path:
    """The output folder, made if need be, checked writable before any work."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {out_dir}: {exc.strerror}") from None
    if not out_dir.is_dir():
        raise OutputError(f"output path {out_dir} is not a folder")
    if not os.access(out_dir, os.W_OK):
        raise OutputError(f"output folder {out_dir} is not writable")
    return out_dir


@contextlib.contextmanager
def _write_errors(out_dir: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        # A full disk, a folder that went away: nothing half-written was left behind.
        raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None


def _locate(script: Script, flat_index: int) -> tuple[int, int, str]:
    index = 0
    for chapter_number, chapter in enumerate(script.chapters):
        for segment_number, segment in enumerate(chapter.segments):
            if index == flat_index:
                return chapter_number, segment_number, segment.text
            index += 1
    raise IndexError(flat_index)


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _opening_sentence(article: Article) -> str | None:
    """The first sentence of the first paragraph: what a listener hears the article open with."""
    for block in article.blocks:
        if isinstance(block, Paragraph):
            sentences = split_sentences(block.text)
            return sentences[0] if sentences else None
    return None
