"""What a build may be asked to do differently from the defaults, as one value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audionews.errors import OptionError
from audionews.ingest import ArticleFormat
from audionews.ingest.source import DEFAULT_MAX_ARTICLE_BYTES
from audionews.presets import DEFAULT_PRESET
from audionews.text.script import QuoteStyle

DEFAULT_PROFILE = "default"
DEFAULT_SHOW = "audionews"


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

    def words_per_minute(self, narrator_rate: int) -> int:
        return round(narrator_rate * self.value) if self.is_factor else round(self.value)


@dataclass(frozen=True)
class BuildOptions:
    """What a build may be asked to do differently from the defaults.

    voices: a profile name or a path to a profile file.
    show: the show's name (album tag; the artist when the article has no byline).
    preset, bitrate_kbps, sample_rate, loudness_lufs: the sound (presets.resolve_preset).
    rate: the narrator's speaking rate; None keeps the profile's.
    article_format: the article's format; None detects it.
    jobs: synthesis worker processes; None is one per core.
    lexicon: a user's pronunciation lexicon file.
    clips: also write every chapter as a clip (S.clips/).
    cache, cache_folder: the segment cache, and where it lives (None: the user's cache).
    feed: a feed folder to build into and publish in; None for none.
    page: also write the episode page (S.html); a feed's episodes always get theirs.
    daisy: also write a DAISY 2.02 talking book (S.daisy/ and S.daisy.zip).
    epub: also write an EPUB 3 talking book with media overlays (S.epub).
    max_article_bytes: an article file larger than this is refused before it is read.
    """

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
    feed: Path | None = None
    page: bool = False
    daisy: bool = False
    epub: bool = False
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES


# Options that change where or how fast an episode is made, never what it contains. The page
# and the talking books render the episode as it is, so they leave its build key alone; a build
# that asks for one whose file is missing is still not up to date (every target must exist).
NOT_CONTENT = frozenset(
    {
        "jobs",
        "cache",
        "cache_folder",
        "lexicon",
        "feed",
        "page",
        "daisy",
        "epub",
        "max_article_bytes",
    }
)
