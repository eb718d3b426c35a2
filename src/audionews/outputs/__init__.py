"""What a build writes besides the MP3's audio, and what it publishes: pluggable outputs.

An output is one module with one ``Output`` object, listed in ``registered()``. It says when
it is wanted, what it checks before any work, which files or folders it writes (``targets``),
how it writes them from the one ``OutputContext``, and what it does once they are in place
(``publish``). ``pipeline.build`` runs whichever outputs are wanted without naming any, all
their files written under temporary names and moved into place together.

To add an output (an HTML page, a talking book, …): write a module with a subclass of
``Output``, give it a ``key`` and its ``targets``, write them in ``write``, and add it to
``registered()``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audionews.files import Target

if TYPE_CHECKING:
    import numpy as np

    from audionews.article import Article
    from audionews.audio.assemble import Track
    from audionews.audio.encode import Measurement
    from audionews.audio.loudness import GainCurve
    from audionews.options import BuildOptions
    from audionews.outputs.tags import EpisodeTags
    from audionews.pipeline import Prepared
    from audionews.presets import Preset
    from audionews.text.script import Script
    from audionews.timeline import Chapter, Timeline


@dataclass(frozen=True)
class OutputContext:
    """Everything an output may write from, for one episode.

    prepared: the article, its script and every resolved setting (preset, profile, lexicon).
    track: the assembled 16-bit audio (read it with ``track.read`` or ``audio()``) and its
        Timeline, before loudness.
    gain: the loudness gain curve; ``audio()`` applies it, giving what the MP3 holds.
    measured: the encoded MP3's loudness and true peak (measured on its decoded parts).
    tags: the episode's tags (title, show, artist, date, … and audionews:* extras).
    paths: where each target is written now (temporary names until the build succeeds);
        "mp3" is the encoded episode.
    finals: where each target will be once the build succeeds (for names and links).
    """

    prepared: Prepared
    track: Track
    gain: GainCurve
    measured: Measurement
    tags: EpisodeTags
    paths: Mapping[str, Path]
    finals: Mapping[str, Path]

    @property
    def article(self) -> Article:
        return self.prepared.article

    @property
    def script(self) -> Script:
        return self.prepared.script

    @property
    def preset(self) -> Preset:
        return self.prepared.preset

    @property
    def timeline(self) -> Timeline:
        return self.track.timeline

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        return self.track.timeline.chapters

    def audio(self, start_ms: int = 0, end_ms: int | None = None) -> Iterator[np.ndarray]:
        """The episode's sound from ``start_ms`` to ``end_ms`` as float slices at
        ``track.sample_rate``, loudness applied: exactly what the MP3 was encoded from."""
        rate = self.track.sample_rate
        first = round(start_ms * rate / 1000)
        last = self.track.size if end_ms is None else round(end_ms * rate / 1000)
        return self.gain.slices(self.track, rate, first, min(last, self.track.size))


class Output:
    """One kind of output. Subclasses set ``key`` and override what they need."""

    key: str = ""

    def wanted(self, options: BuildOptions) -> bool:
        """Whether a build with ``options`` writes this output (default: always)."""
        return True

    def check(self, options: BuildOptions) -> None:
        """Raise an AudionewsError now if this output cannot work, before any work."""

    def folder(self, options: BuildOptions, out_dir: Path) -> Path:
        """Where the episode is written, when this output decides it (a feed does)."""
        return out_dir

    def targets(self, stem: Path) -> dict[str, Target]:
        """The files and folders this output writes, by key; ``stem`` is out_dir/slug."""
        return {}

    def write(self, context: OutputContext) -> None:
        """Write the targets, at ``context.paths[key]``."""

    def publish(self, context: OutputContext, files: Mapping[str, Path]) -> dict[str, object]:
        """After every file is in place (``files``: final paths): publish, and return what
        the build summary should add."""
        return {}


def registered() -> tuple[Output, ...]:
    """Every output, in the order they are written and published."""
    from audionews.outputs import clips, documents, feed, sidefiles, tags

    return (
        tags.OUTPUT,  # first: the talking books carry the tagged MP3
        sidefiles.OUTPUT,
        clips.OUTPUT,
        documents.DOCUMENT,
        documents.PAGE,
        documents.DAISY,
        documents.EPUB,
        feed.OUTPUT,  # last: it publishes what the others wrote
    )


def wanted(options: BuildOptions) -> tuple[Output, ...]:
    return tuple(output for output in registered() if output.wanted(options))
