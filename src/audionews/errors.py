"""Every error the library raises.

The library never prints and never exits; it raises one of these and the CLI turns it into a
one-line message and an exit status. The tree::

    AudionewsError                 anything this package raises on purpose
    ├── ArticleError               the article cannot be read or has nothing to say
    ├── VoiceProfileError          a voice profile is missing, malformed or names no real voice
    ├── LexiconError               a pronunciation lexicon is missing or malformed
    ├── EpisodeError               an existing episode file cannot be read (chapters, tags)
    ├── OptionError                an option's value cannot work (a bit rate MP3 cannot carry)
    ├── OutputError                the output folder cannot be written
    ├── FeedError                  a feed folder is missing, malformed or asked the impossible
    ├── ToolMissingError           espeak-ng or ffmpeg is not installed: nothing can be built
    ├── SynthesisError             speech synthesis failed and the build stops
    │   └── SegmentSynthesisError  one segment produced no audio, even after a retry
    ├── EncodingError              ffmpeg failed to encode or decode audio
    └── BrokerError                the distributed queue's broker (Redis) cannot be reached

A ``SegmentSynthesisError`` spoils one utterance and names it; a ``ToolMissingError`` means no
build can succeed on this machine until a package is installed.
"""

from __future__ import annotations

from pathlib import Path


class AudionewsError(Exception):
    """Base of every error raised on purpose by audionews."""


class ArticleError(AudionewsError):
    """An article file cannot be read, or holds no article."""

    def __init__(self, path: Path | str, cause: str) -> None:
        self.path = Path(path)
        self.cause = cause
        super().__init__(f"cannot read {self.path}: {cause}")


class VoiceProfileError(AudionewsError):
    """A voice profile cannot be found or used."""


class LexiconError(AudionewsError):
    """A pronunciation lexicon cannot be read."""


class EpisodeError(AudionewsError):
    """An existing episode cannot be read."""

    def __init__(self, path: Path | str, cause: str) -> None:
        self.path = Path(path)
        self.cause = cause
        super().__init__(f"cannot read {self.path}: {cause}")


class OptionError(AudionewsError):
    """An option has a value that cannot work; found before any work is done."""


class OutputError(AudionewsError):
    """The output cannot be written where it was asked for."""


class FeedError(AudionewsError):
    """A podcast feed folder cannot be used as asked."""


class ToolMissingError(AudionewsError):
    """An external program the build needs is not installed."""

    def __init__(self, program: str, package: str) -> None:
        self.program = program
        self.package = package
        super().__init__(
            f"{program} is not installed: install the Debian package {package} "
            f"(sudo apt-get install {package})"
        )


class SynthesisError(AudionewsError):
    """Speech synthesis failed."""


class SegmentSynthesisError(SynthesisError):
    """One segment gave no audio, even when tried a second time."""

    def __init__(self, chapter: int, segment: int, text: str, cause: str) -> None:
        self.chapter = chapter
        self.segment = segment
        self.text = text
        preview = text if len(text) <= 60 else text[:57] + "..."
        super().__init__(
            f"synthesis failed for chapter {chapter + 1}, segment {segment + 1} "
            f"({preview!r}): {cause}"
        )


class EncodingError(AudionewsError):
    """ffmpeg could not encode or decode audio."""


class BrokerError(AudionewsError):
    """The distributed queue's broker (Redis) cannot be reached or used."""
