"""The audionews command: options in, one library call, library errors out as one line."""

from __future__ import annotations

import contextlib
import signal
from dataclasses import fields
from pathlib import Path
from typing import Any

import click

from audionews import __version__, console
from audionews.cli_options import (
    document_options,
    episode_options,
    input_options,
    output_options,
    sound_options,
    voice_options,
)
from audionews.distributed import COMMANDS
from audionews.ingest import ArticleFormat
from audionews.options import BuildOptions, Rate
from audionews.outputs.show import Show
from audionews.text.script import QuoteStyle

SHOW = Show(title="", base_url="")  # the defaults of a show

_OPTION_NAMES = {f.name for f in fields(BuildOptions)}


def _build_options(values: dict[str, Any]) -> BuildOptions:
    """BuildOptions from a command's parameters: those it has, converted to library types."""
    given = {name: value for name, value in values.items() if name in _OPTION_NAMES}
    if values.get("article_format"):
        given["article_format"] = ArticleFormat(values["article_format"])
    if "quote_style" in values:
        given["quote_style"] = QuoteStyle(values["quote_style"])
    if values.get("rate"):
        given["rate"] = Rate.parse(values["rate"])
    if "no_cache" in values:
        given["cache"] = not values["no_cache"]
    if values.get("max_article_size"):
        given["max_article_bytes"] = round(values["max_article_size"] * (1 << 20))
    return BuildOptions(**given)


@click.group(
    cls=console.Main, commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="audionews")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
def main(debug: bool) -> None:
    """Turn news articles into accessible, chaptered audio briefings."""
    with contextlib.suppress(ValueError):  # not the main thread (an embedding program)
        signal.signal(signal.SIGTERM, console.stop_on_sigterm)


@main.command()
@click.argument("article", type=click.Path(path_type=Path))
@episode_options
@click.option("--clips", is_flag=True, help="Also write every chapter as its own tagged clip.")
@click.option(
    "--feed",
    type=click.Path(path_type=Path, file_okay=False),
    help="Build into this feed folder and add the episode to its feed.",
)
@document_options
@input_options
@voice_options
@sound_options
@output_options
def build(article: Path, out_dir: Path, force: bool, as_json: bool, **values: Any) -> None:
    """Build ARTICLE into a chaptered, tagged MP3 episode."""
    from audionews.pipeline import UpToDate, make

    options = _build_options(values)
    # A summary needs a build; a feed is published on every build.
    skip = not force and not as_json and options.feed is None
    episode = make(article, out_dir, options, skip_up_to_date=skip, progress=console.progress())
    if isinstance(episode, UpToDate):
        console.echo(f"{episode.mp3} is up to date (--force builds it again)", err=True)
        return
    console.notes(episode.notices)
    if as_json:
        console.json_out(episode.summary())
    console.episode_report(episode, with_chapters=not as_json)


@main.command()
@click.argument("episode", type=click.Path(path_type=Path))
@output_options
def chapters(episode: Path, as_json: bool) -> None:
    """List the chapters of EPISODE, any MP3 with ID3 chapters."""
    from audionews.outputs.tags import read_chapters

    marks = read_chapters(episode)
    if as_json:
        listed = [{"number": n, **mark.summary()} for n, mark in enumerate(marks, start=1)]
        console.json_out(listed)
    else:
        console.chapter_listing(episode, marks)


@main.command()
@click.argument("article", type=click.Path(path_type=Path))
@input_options
@voice_options
@output_options
def script(article: Path, as_json: bool, **values: Any) -> None:
    """Show the spoken script of ARTICLE, without synthesis."""
    from audionews.pipeline import prepare

    prepared = prepare(article, _build_options(values), for_speech=False)
    console.notes(prepared.notices)
    if as_json:
        console.json_out(prepared.script.summary(), indent=2)
    else:
        console.script_listing(prepared.script)


@main.command()
@click.argument("episode", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File or folder.")
def page(episode: Path, output: Path | None) -> None:
    """Write the page of EPISODE, built before, beside it (S.html) or at --output."""
    from audionews.outputs.documents import write_page

    written = write_page(episode, output)
    how = "" if written.exact else " (structure read back from its transcript)"
    console.echo(f"wrote {written.path}{how}", err=True)


@main.command()
@output_options
def voices(as_json: bool) -> None:
    """List the installed espeak-ng voices and the voice profiles."""
    from audionews.audio.voices import list_profiles, listed_voices

    installed, profiles = listed_voices(), list_profiles()
    if as_json:
        listing = {
            "voices": [v.__dict__ for v in installed],
            "profiles": [p.summary() | {"problem": problem} for p, problem in profiles],
        }
        console.json_out(listing)
    else:
        console.voices_listing(installed, profiles)


@main.command()
@click.argument("episode", type=click.Path(path_type=Path))
@click.option(
    "--chapter",
    metavar="N|TITLE",
    help="The chapter: its number as 'audionews chapters' lists it, or its title.",
)
@click.option("--all", "all_chapters", is_flag=True, help="Cut every chapter.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
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
    from audionews.outputs.clips import clip_chapters

    if bool(chapter) == all_chapters:
        raise click.UsageError("give either --chapter N|TITLE or --all")
    clips = clip_chapters(
        episode, chapter, output=output, lossless=lossless, progress=console.progress("clips")
    )
    if as_json:
        listed = [{"number": c.number, **c.chapter.summary(), "clip": str(c.path)} for c in clips]
        console.json_out(listed)
    for c in clips:
        console.echo(f"wrote {c.path} (chapter {c.number}: {c.chapter.title})", err=True)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@episode_options
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    help="Articles built at once (default: the number of cores).",
)
@document_options
@input_options
@voice_options
@sound_options
@output_options
def batch(
    inputs: tuple[str, ...],
    out_dir: Path,
    jobs: int | None,
    force: bool,
    as_json: bool,
    **values: Any,
) -> None:
    """Build many articles (files, folders, globs) into episodes, side by side."""
    from audionews.batch import BatchStatus, check, expand_inputs, run_batch

    options = _build_options(values)
    check(options, out_dir)
    articles = expand_inputs(inputs)
    if not articles:
        raise console.Failure("no articles found in " + ", ".join(inputs))
    with console.BatchReporter(len(articles)) as report:
        results = run_batch(articles, out_dir, options, jobs=jobs, force=force, **report.hooks())
    if as_json:
        console.json_out([r.summary() for r in results])
    if any(r.status is BatchStatus.FAILED for r in results):
        raise click.exceptions.Exit(1)


@main.command()
@click.argument("articles", nargs=-1, required=True, type=click.Path(path_type=Path))
@episode_options
@click.option("--clips", is_flag=True, help="Also write every chapter as its own tagged clip.")
@document_options
@input_options
@voice_options
@sound_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON object on stdout for every build."
)
def watch(
    articles: tuple[Path, ...], out_dir: Path, force: bool, as_json: bool, **values: Any
) -> None:
    """Build ARTICLES, then again every time one is saved, until Ctrl-C.

    Nothing is published while an article is being written: build --feed it when it is done.
    """
    from audionews import watch as watching

    for article in articles:
        if article.is_dir():
            raise console.Failure(f"{article} is a folder: watch takes article files")
    options = _build_options(values)
    progress = console.progress() if console.stderr_is_terminal() else None

    def report(result: watching.WatchResult) -> None:
        if as_json:
            console.json_out(result.summary())
        console.watch_report(result)

    def ready(files: int) -> None:
        count = f"{files} article{'s' if files > 1 else ''}"
        console.echo(f"watching {count} for changes (Ctrl-C to stop)", err=True)

    try:
        watching.watch(
            articles, out_dir, options, report, force=force, progress=progress, watching=ready
        )
    except KeyboardInterrupt:
        console.stopped("audionews: stopped watching; every episode is as last built")


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
@click.option("--language", default=SHOW.language, show_default=True, help="The show's language.")
@click.option("--category", default=SHOW.category, show_default=True, help="Apple category.")
@click.option("--explicit/--clean", default=False, help="Whether the show is explicit.")
@click.option(
    "--image",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Square cover, 1400 to 3000 pixels (default: a plain one).",
)
def feed_init(folder: Path, image: Path | None, **show: Any) -> None:
    """Create a feed in FOLDER."""
    from audionews.outputs.feed import init_feed

    path = init_feed(folder, Show(**show), image)
    console.echo(f"wrote {path}", err=True)


@feed.command("add")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.argument("episode", type=click.Path(path_type=Path, dir_okay=False))
def feed_add(folder: Path, episode: Path) -> None:
    """Add EPISODE (and its side files) to the feed in FOLDER; re-adding replaces it."""
    from audionews.outputs.feed import add_episode

    added = add_episode(folder, episode)
    console.echo(f"added {added.title} ({added.guid}) to {folder / 'feed.xml'}", err=True)


@feed.command("list")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@output_options
def feed_list(folder: Path, as_json: bool) -> None:
    """List the episodes of the feed in FOLDER, newest first."""
    from audionews.outputs.feed import feed_summary

    listed = feed_summary(folder)
    if as_json:
        console.json_out(listed)
    for item in [] if as_json else listed:
        console.echo(f"{str(item['published'])[:10]}  {item['guid']}  {item['title']}")


@feed.command("remove")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.argument("guid")
def feed_remove(folder: Path, guid: str) -> None:
    """Remove the episode GUID (and its files) from the feed in FOLDER."""
    from audionews.outputs.feed import remove_episode

    removed = remove_episode(folder, guid)
    console.echo(f"removed {removed.title}", err=True)
