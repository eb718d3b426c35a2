"""The audionews command: options in, one library call, library errors out as one line."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from audionews import __version__
from audionews.errors import AudionewsError
from audionews.ingest import ArticleFormat
from audionews.text.script import QuoteStyle

F = Callable[..., Any]


class _Exit(click.ClickException):
    """A library error shown as ``audionews: <message>`` with exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"audionews: {self.format_message()}", err=True)


_debug = False


@contextlib.contextmanager
def library_errors() -> Iterator[None]:
    try:
        yield
    except AudionewsError as exc:
        if _debug:
            raise
        raise _Exit(str(exc)) from None


class _Main(click.Group):
    """The command group: anything unexpected is still one line, unless --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if _debug:
                raise
            raise _Exit(f"internal error: {exc!r} (run with --debug to see where)") from None


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    # Unwinds like Ctrl-C: partial files are removed, workers and ffmpeg stopped.
    click.echo("audionews: stopped (SIGTERM); earlier episodes are untouched", err=True)
    raise SystemExit(128 + signum)


def voice_options(command: F) -> F:
    """Options that choose how the episode sounds."""
    command = click.option(
        "--lexicon",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="A pronunciation lexicon (TOML) whose entries win over the built-in ones.",
    )(command)
    command = click.option(
        "--quote-style",
        type=click.Choice([style.value for style in QuoteStyle]),
        default=QuoteStyle.VOICE.value,
        show_default=True,
        help="How quotations are marked: the quote voice, spoken cues, or both.",
    )(command)
    command = click.option(
        "--voices",
        "voices",
        default="default",
        show_default=True,
        metavar="NAME",
        help="Voice profile: a name from voices/ or a path to a .toml file.",
    )(command)
    return command


def sound_options(command: F) -> F:
    """Options that choose how the episode is encoded and how fast it is read."""
    from audionews.presets import DEFAULT_PRESET, PRESETS

    for option in reversed(
        [
            click.option(
                "--preset",
                type=click.Choice(list(PRESETS)),
                default=DEFAULT_PRESET,
                show_default=True,
                help="Output preset: "
                + "; ".join(f"{p.name}: {p.description}" for p in PRESETS.values()),
            ),
            click.option(
                "--bitrate",
                type=int,
                default=None,
                metavar="KBPS",
                help="Override the preset's MP3 bit rate.",
            ),
            click.option(
                "--sample-rate",
                type=int,
                default=None,
                metavar="HZ",
                help="Override the preset's sample rate.",
            ),
            click.option(
                "--loudness",
                type=float,
                default=None,
                metavar="LUFS",
                help="Override the preset's integrated loudness target.",
            ),
            click.option(
                "--rate",
                default=None,
                metavar="WPM|FACTORx",
                help="Speaking rate: narrator words a minute (320) or a factor "
                "(1.5x); other voices and pauses follow.",
            ),
        ]
    ):
        command = option(command)
    return command


def input_options(command: F) -> F:
    """Options that say how to read the article."""
    return click.option(
        "--format",
        "article_format",
        type=click.Choice(["text", "markdown", "html"]),
        default=None,
        help="Article format; detected from the content and extension when not given.",
    )(command)


def output_options(command: F) -> F:
    """Options that choose where results go and in what form."""
    command = click.option(
        "--json", "as_json", is_flag=True, help="Print a JSON object on stdout."
    )(command)
    return command


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audionews")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
def main(debug: bool) -> None:
    """Turn news articles into accessible, chaptered audio briefings."""
    global _debug
    _debug = debug
    with contextlib.suppress(ValueError):  # not the main thread (an embedding program)
        signal.signal(signal.SIGTERM, _stop_on_sigterm)


@main.command()
@click.argument("article", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder to write the episode into.",
)
@click.option("--show", default="audionews", show_default=True, help="Show name (album tag).")
@click.option("--clips", is_flag=True, help="Also write every chapter as its own tagged clip.")
@click.option("--force", is_flag=True, help="Build even when the episode is up to date.")
@click.option("--no-cache", "no_cache", is_flag=True, help="Synthesise every sentence afresh.")
@click.option(
    "--feed",
    "feed_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Build into this feed folder and add the episode to its feed.",
)
@input_options
@voice_options
@sound_options
@output_options
def build(
    article: Path,
    article_format: str | None,
    preset: str,
    bitrate: int | None,
    sample_rate: int | None,
    loudness: float | None,
    rate: str | None,
    clips: bool,
    force: bool,
    no_cache: bool,
    feed_dir: Path | None,
    out_dir: Path,
    show: str,
    voices: str,
    quote_style: str,
    lexicon: Path | None,
    as_json: bool,
) -> None:
    """Build ARTICLE into a chaptered, tagged MP3 episode."""
    from audionews.episode import Rate
    from audionews.episode import build as build_episode

    with library_errors():
        speed = Rate.parse(rate) if rate else None
    options = _build_options(
        preset,
        bitrate,
        sample_rate,
        loudness,
        speed,
        voices,
        no_cache,
        show,
        quote_style,
        lexicon,
        article_format,
        clips=clips,
    )
    with library_errors():
        if feed_dir is not None:
            from audionews.outputs.feed import EPISODES, load_show

            load_show(feed_dir)  # a missing or broken feed is found before any work
            out_dir = feed_dir / EPISODES
        if not force and not clips and feed_dir is None and not as_json:
            from audionews.episode import up_to_date

            if (existing := up_to_date(article, out_dir, options)) is not None:
                click.echo(f"{existing} is up to date (--force builds it again)", err=True)
                return
        episode = build_episode(article, out_dir, options, progress=_progress_printer())
        if feed_dir is not None:
            from audionews.outputs.feed import add_episode

            added = add_episode(feed_dir, episode.mp3)
    for notice in episode.notices:
        click.echo(f"audionews: note: {notice}", err=True)
    summary = episode.summary()
    if feed_dir is not None:
        summary["feed"] = str(feed_dir / "feed.xml")
        summary["guid"] = added.guid
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    click.echo(
        f"wrote {episode.mp3} ({_clock(episode.track_duration_s)}, "
        f"{len(episode.chapters)} chapters, {episode.preset.name}: "
        f"{episode.measured.lufs:.1f} LUFS, true peak {episode.measured.true_peak:.1f} dBTP)",
        err=True,
    )
    if not as_json:
        for number, chapter in enumerate(episode.chapters, start=1):
            click.echo(
                f"  {number:>2}  {_clock(chapter.start_ms / 1000)}  {chapter.title}", err=True
            )


@main.command()
@click.argument("episode", type=click.Path(path_type=Path))
@output_options
def chapters(episode: Path, as_json: bool) -> None:
    """List the chapters of EPISODE, any MP3 with ID3 chapters."""
    from audionews.outputs.tags import read_chapters

    with library_errors():
        marks = read_chapters(episode)
    if as_json:
        click.echo(
            json.dumps(
                [_chapter_json(number, mark) for number, mark in enumerate(marks, start=1)],
                ensure_ascii=False,
            )
        )
        return
    if not marks:
        click.echo(f"{episode}: no chapters", err=True)
        return
    for number, mark in enumerate(marks, start=1):
        click.echo(
            f"{number:>3}  {_clock(mark.start_ms / 1000)}  {_clock(mark.end_ms / 1000)}  "
            f"{mark.title}"
        )


@main.command()
@click.argument("article", type=click.Path(path_type=Path))
@input_options
@voice_options
@output_options
def script(
    article: Path,
    article_format: str | None,
    voices: str,
    quote_style: str,
    lexicon: Path | None,
    as_json: bool,
) -> None:
    """Show the spoken script of ARTICLE, without synthesis."""
    from audionews.audio.voices import load_profile
    from audionews.ingest import read_article
    from audionews.text.script import make_script
    from audionews.text.speech import default_lexicon, load_lexicon, speakable_script

    with library_errors():
        profile = load_profile(voices, check_installed=False)
        words = default_lexicon().merged(profile.lexicon)
        if lexicon is not None:
            words = words.merged(load_lexicon(lexicon))
        read = read_article(article, ArticleFormat(article_format) if article_format else None)
        for notice in read.notices:
            click.echo(f"audionews: note: {notice}", err=True)
        spoken = speakable_script(
            make_script(
                read,
                profile.pauses,
                QuoteStyle(quote_style),
            ),
            words,
        )
    if as_json:
        click.echo(json.dumps(_script_json(spoken), ensure_ascii=False, indent=2))
        return
    for number, chapter in enumerate(spoken.chapters, start=1):
        click.echo(f"== Chapter {number}: {chapter.title}")
        for segment in chapter.segments:
            who = f" ({segment.speaker})" if segment.speaker else ""
            said = f"\n      spoken: {segment.spoken}" if segment.spoken != segment.text else ""
            click.echo(f"  [{segment.role.value}{who}] {segment.text}{said}")


@main.command()
@output_options
def voices(as_json: bool) -> None:
    """List the installed espeak-ng voices and the voice profiles."""
    from audionews.audio.voices import ROLE_TABLES, list_profiles, listed_voices

    with library_errors():
        installed = listed_voices()
        profiles = list_profiles()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "voices": [v.__dict__ for v in installed],
                    "profiles": [
                        {
                            "name": p.name,
                            "description": p.description,
                            "path": str(p.path),
                            "roles": {ROLE_TABLES[r]: v.voice for r, v in p.voices.items()},
                            "problem": problem,
                        }
                        for p, problem in profiles
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo("Voice profiles (--voices NAME):")
    for profile, problem in profiles:
        roles = ", ".join(f"{ROLE_TABLES[r]} {v.voice}" for r, v in profile.voices.items())
        click.echo(f"  {profile.name:<12} {roles}")
        if profile.description:
            click.echo(f"  {'':<12} {profile.description}")
        if problem:
            click.echo(f"  {'':<12} problem: {problem}")
    click.echo("")
    click.echo(f"Installed espeak-ng voices ({len(installed)}; add a variant with +f3, +m3, …):")
    for voice in installed:
        click.echo(f"  {voice.language:<16} {voice.name:<32} {voice.identifier}")


@main.command()
@click.argument("episode", type=click.Path(path_type=Path))
@click.option(
    "--chapter",
    "chapter",
    metavar="N|TITLE",
    help="The chapter: its number as 'audionews chapters' lists it, or its title.",
)
@click.option("--all", "all_chapters", is_flag=True, help="Cut every chapter.")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=Path),
    default=None,
    help="File for one clip, folder for --all (default: beside the episode).",
)
@click.option(
    "--lossless",
    is_flag=True,
    help="Copy MP3 frames without re-encoding: no generation loss, ends within one "
    "frame (26 ms at 44.1 kHz) of the chapter's times.",
)
@output_options
def clip(
    episode: Path,
    chapter: str | None,
    all_chapters: bool,
    output: Path | None,
    lossless: bool,
    as_json: bool,
) -> None:
    """Cut chapters of EPISODE (any MP3 with ID3 chapters) into tagged clips."""
    from audionews.outputs.clips import clip_paths, cut, open_episode, safe_name, select

    if bool(chapter) == all_chapters:
        raise click.UsageError("give either --chapter N|TITLE or --all")
    with library_errors():
        source = open_episode(episode)
        if all_chapters:
            selection = list(enumerate(source.chapters, start=1))
            folder = output or episode.with_name(f"{episode.stem}.clips")
            folder.mkdir(parents=True, exist_ok=True)
            destinations = clip_paths(source, selection, folder)
        else:
            number, mark = select(source, chapter or "")
            selection = [(number, mark)]
            destinations = [
                output or episode.with_name(f"{episode.stem}.{safe_name(mark.title, number)}")
            ]
        written = cut(
            source,
            selection,
            destinations,
            lossless=lossless,
            progress=_progress_printer_for("clips"),
        )
    if as_json:
        click.echo(
            json.dumps(
                [
                    {**_chapter_json(n, m), "clip": str(path)}
                    for (n, m), path in zip(selection, written, strict=True)
                ],
                ensure_ascii=False,
            )
        )
    for (number, mark), path in zip(selection, written, strict=True):
        click.echo(f"wrote {path} (chapter {number}: {mark.title})", err=True)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("output"),
    show_default=True,
    help="Folder for the episodes.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Articles built at once (default: the number of cores).",
)
@click.option("--force", is_flag=True, help="Build even the episodes that are up to date.")
@click.option("--no-cache", "no_cache", is_flag=True, help="Synthesise every sentence afresh.")
@click.option("--show", default="audionews", show_default=True, help="Show name (album tag).")
@input_options
@voice_options
@sound_options
@output_options
def batch(
    inputs: tuple[str, ...],
    out_dir: Path,
    jobs: int | None,
    force: bool,
    no_cache: bool,
    show: str,
    article_format: str | None,
    voices: str,
    quote_style: str,
    lexicon: Path | None,
    preset: str,
    bitrate: int | None,
    sample_rate: int | None,
    loudness: float | None,
    rate: str | None,
    as_json: bool,
) -> None:
    """Build many articles (files, folders, globs) into episodes, side by side."""
    import time

    from audionews.audio.voices import load_profile
    from audionews.batch import expand_inputs, run_batch
    from audionews.episode import Rate
    from audionews.presets import resolve_preset

    with library_errors():
        options = _build_options(
            preset,
            bitrate,
            sample_rate,
            loudness,
            Rate.parse(rate) if rate else None,
            voices,
            no_cache,
            show,
            quote_style,
            lexicon,
            article_format,
        )
        # Options that cannot work are found before any article is read.
        resolve_preset(
            preset, bitrate_kbps=bitrate, sample_rate=sample_rate, loudness_lufs=loudness
        )
        load_profile(voices)
    articles = expand_inputs(inputs)
    if not articles:
        raise _Exit("no articles found in " + ", ".join(inputs))
    started = time.monotonic()
    reporter = _BatchReporter(len(articles), started)
    results = run_batch(
        articles,
        out_dir,
        options,
        jobs=jobs,
        force=force,
        on_start=reporter.start,
        on_done=reporter.done,
    )
    reporter.close()
    _batch_summary(results, time.monotonic() - started)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "article": str(r.article),
                        "status": r.status,
                        "mp3": str(r.mp3) if r.mp3 else None,
                        "duration_s": round(r.duration_s, 3),
                        "chapters": r.chapters,
                        "seconds": round(r.seconds, 2),
                        "error": r.error,
                    }
                    for r in results
                ],
                ensure_ascii=False,
            )
        )
    if any(r.status == "failed" for r in results):
        raise click.exceptions.Exit(1)


class _BatchReporter:
    """A progress bar on a terminal (tqdm); plain lines when stderr is a file or a pipe."""

    def __init__(self, total: int, started: float) -> None:
        import time

        self.total = total
        self.started = started
        self.finished = 0
        self.clock = time.monotonic
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="article", file=sys.stderr, dynamic_ncols=True)

    def start(self, article: Path) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(article.name[:40])

    def done(self, result: Any) -> None:
        self.finished += 1
        if self.bar is not None:
            self.bar.update(1)
            if result.status == "failed":
                self.bar.write(f"failed {result.article}: {result.error}", file=sys.stderr)
            return
        elapsed = self.clock() - self.started
        remaining = elapsed / self.finished * (self.total - self.finished)
        detail = f": {result.error}" if result.error else ""
        click.echo(
            f"[{self.finished}/{self.total}] {result.status} {result.article}{detail} "
            f"(elapsed {_short(elapsed)}, remaining {_short(remaining)})",
            err=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _short(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _batch_summary(results: list[Any], seconds: float) -> None:
    width = min(48, max((len(str(r.article)) for r in results), default=7))
    click.echo("", err=True)
    click.echo(
        f"{'status':<8} {'article':<{width}} {'audio':>9} {'ch':>3} {'time':>6}  episode or reason",
        err=True,
    )
    for r in results:
        name = str(r.article)
        name = name if len(name) <= width else "…" + name[-(width - 1) :]
        audio = _clock(r.duration_s)[:-4] if r.duration_s else "-"
        outcome = str(r.mp3) if r.mp3 else (r.error or "")
        click.echo(
            f"{r.status:<8} {name:<{width}} {audio:>9} {r.chapters or '-':>3} "
            f"{r.seconds:>5.1f}s  {outcome}",
            err=True,
        )
    counts = {
        status: sum(r.status == status for r in results)
        for status in ("built", "skipped", "failed")
    }
    click.echo(
        f"{counts['built']} built, {counts['skipped']} skipped, {counts['failed']} failed "
        f"in {_short(seconds)}",
        err=True,
    )


@main.group()
def feed() -> None:
    """Publish episodes as a podcast feed (a folder to upload as it is)."""


@feed.command("init")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--title", required=True, help="The show's title.")
@click.option("--base-url", required=True, help="Where the folder will be served (https://…).")
@click.option("--description", default="", help="What the show is.")
@click.option("--author", default="", help="The show's author (itunes:author).")
@click.option("--email", default="", help="The owner's e-mail (itunes:owner).")
@click.option("--language", default="en", show_default=True, help="The show's language.")
@click.option("--category", default="News", show_default=True, help="Apple Podcasts category.")
@click.option("--explicit/--clean", default=False, help="Whether the show is explicit.")
@click.option(
    "--image",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Square cover, 1400 to 3000 pixels (default: a plain one).",
)
def feed_init(
    folder: Path,
    title: str,
    base_url: str,
    description: str,
    author: str,
    email: str,
    language: str,
    category: str,
    explicit: bool,
    image: Path | None,
) -> None:
    """Create a feed in FOLDER."""
    from audionews.outputs.feed import Show, init_feed

    show = Show(
        title=title,
        base_url=base_url,
        description=description,
        author=author,
        email=email,
        language=language,
        category=category,
        explicit=explicit,
    )
    with library_errors():
        path = init_feed(folder, show, image)
    click.echo(f"wrote {path}", err=True)


@feed.command("add")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.argument("episode", type=click.Path(path_type=Path, dir_okay=False))
def feed_add(folder: Path, episode: Path) -> None:
    """Add EPISODE (and its side files) to the feed in FOLDER; re-adding replaces it."""
    from audionews.outputs.feed import add_episode

    with library_errors():
        added = add_episode(folder, episode)
    click.echo(f"added {added.title} ({added.guid}) to {folder / 'feed.xml'}", err=True)


@feed.command("list")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@output_options
def feed_list(folder: Path, as_json: bool) -> None:
    """List the episodes of the feed in FOLDER, newest first."""
    from audionews.outputs.feed import feed_summary, load_show

    with library_errors():
        load_show(folder)
        listed = feed_summary(folder)
    if as_json:
        click.echo(json.dumps(listed, ensure_ascii=False))
        return
    for item in listed:
        click.echo(f"{str(item['published'])[:10]}  {item['guid']}  {item['title']}")


@feed.command("remove")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.argument("guid")
def feed_remove(folder: Path, guid: str) -> None:
    """Remove the episode GUID (and its files) from the feed in FOLDER."""
    from audionews.outputs.feed import remove_episode

    with library_errors():
        removed = remove_episode(folder, guid)
    click.echo(f"removed {removed.title}", err=True)


def _progress_printer_for(stage: str) -> Callable[[int, int], None]:
    show = _progress_printer()
    return lambda done, total: show(stage, done, total)


def _build_options(
    preset: str,
    bitrate: int | None,
    sample_rate: int | None,
    loudness: float | None,
    rate: Any,
    voices: str,
    no_cache: bool,
    show: str,
    quote_style: str,
    lexicon: Path | None,
    article_format: str | None,
    *,
    clips: bool = False,
) -> Any:
    """BuildOptions from the options build and batch share."""
    from audionews.episode import BuildOptions

    return BuildOptions(
        preset=preset,
        bitrate_kbps=bitrate,
        sample_rate=sample_rate,
        loudness_lufs=loudness,
        rate=rate,
        voices=voices,
        clips=clips,
        cache=not no_cache,
        show=show,
        quote_style=QuoteStyle(quote_style),
        lexicon=lexicon,
        article_format=ArticleFormat(article_format) if article_format else None,
    )


def _chapter_json(number: int, mark: Any) -> dict[str, Any]:
    return {
        "number": number,
        "title": mark.title,
        "start_s": mark.start_ms / 1000,
        "end_s": mark.end_ms / 1000,
    }


def _script_json(spoken: Any) -> dict[str, Any]:
    return {
        "title": spoken.title,
        "byline": spoken.byline,
        "date": spoken.date,
        "language": spoken.language,
        "chapters": [
            {
                "title": chapter.title,
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
            for chapter in spoken.chapters
        ],
    }


def _clock(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _progress_printer() -> Callable[[str, int, int], None]:
    """Progress on stderr: a line that rewrites itself on a terminal, a few lines otherwise."""
    interactive = sys.stderr.isatty()
    last_shown: dict[str, int] = {}

    def show(stage: str, done: int, total: int) -> None:
        if interactive:
            end = "\n" if done == total else ""
            click.echo(f"\r{stage}: {done}/{total}", err=True, nl=False)
            if end:
                click.echo("", err=True)
            return
        step = max(1, total // 4)
        if done == total or done - last_shown.get(stage, -step) >= step:
            last_shown[stage] = done
            click.echo(f"{stage}: {done}/{total}", err=True)

    return show
