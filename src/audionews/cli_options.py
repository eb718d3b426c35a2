"""The command line's option bundles: the options several commands share, each bundle one
decorator, so every command spells an option the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from audionews.ingest import ArticleFormat
from audionews.ingest.source import DEFAULT_MAX_ARTICLE_BYTES
from audionews.options import DEFAULT_PROFILE, DEFAULT_SHOW
from audionews.presets import DEFAULT_PRESET, PRESETS
from audionews.text.script import QuoteStyle

F = Callable[..., Any]


def _options(*decorators: F) -> Callable[[F], F]:
    def apply(command: F) -> F:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


input_options = _options(
    click.option(
        "--format",
        "article_format",
        type=click.Choice([f.value for f in ArticleFormat]),
        default=None,
        help="Article format; detected from the content and extension when not given.",
    ),
    click.option(
        "--max-article-size",
        type=click.FloatRange(0, min_open=True),
        metavar="MIB",
        help=f"Refuse larger article files (default {DEFAULT_MAX_ARTICLE_BYTES >> 20} MiB).",
    ),
)
voice_options = _options(
    click.option(
        "--voices",
        default=DEFAULT_PROFILE,
        show_default=True,
        metavar="NAME",
        help="Voice profile: a built-in name (default, contrast), a name in ./voices, or a "
        "path to a .toml file.",
    ),
    click.option(
        "--quote-style",
        type=click.Choice([style.value for style in QuoteStyle]),
        default=QuoteStyle.VOICE.value,
        show_default=True,
        help="How quotations are marked: the quote voice, spoken cues, or both.",
    ),
    click.option(
        "--lexicon",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="A pronunciation lexicon (TOML) whose entries win over the built-in ones.",
    ),
)
sound_options = _options(
    click.option(
        "--preset",
        type=click.Choice(list(PRESETS)),
        default=DEFAULT_PRESET,
        show_default=True,
        help="Output preset: " + "; ".join(f"{p.name}: {p.description}" for p in PRESETS.values()),
    ),
    click.option(
        "--bitrate",
        "bitrate_kbps",
        type=int,
        metavar="KBPS",
        help="Override the preset's bit rate.",
    ),
    click.option(
        "--sample-rate", type=int, metavar="HZ", help="Override the preset's sample rate."
    ),
    click.option(
        "--loudness",
        "loudness_lufs",
        type=float,
        metavar="LUFS",
        help="Override the preset's integrated loudness target.",
    ),
    click.option(
        "--rate",
        metavar="WPM|FACTORx",
        help="Speaking rate: narrator words a minute (320) or a factor (1.5x); other voices "
        "and pauses follow.",
    ),
)
episode_options = _options(
    click.option(
        "-o",
        "--output",
        "out_dir",
        type=click.Path(path_type=Path),
        default=Path("output"),
        show_default=True,
        help="Folder to write the episodes into.",
    ),
    click.option("--show", default=DEFAULT_SHOW, show_default=True, help="Show name (album tag)."),
    click.option("--force", is_flag=True, help="Build even when the episode is up to date."),
    click.option("--no-cache", "no_cache", is_flag=True, help="Synthesise every sentence afresh."),
)
output_options = _options(
    click.option("--json", "as_json", is_flag=True, help="Print a JSON object on stdout.")
)
document_options = _options(
    click.option("--page", is_flag=True, help="Also write the episode page (S.html)."),
    click.option("--daisy", is_flag=True, help="Also a DAISY 2.02 book (S.daisy/, .daisy.zip)."),
    click.option("--epub", is_flag=True, help="Also an EPUB 3 book with media overlays (S.epub)."),
)
