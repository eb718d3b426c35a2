"""An utterance's audio as a pydub ``AudioSegment``: 16-bit mono PCM that carries its format.

pydub is used where it is sample-exact: building a segment from raw frames, ``frame_count()``,
``get_sample_slice`` and ``raw_data``. Its millisecond slicing (``segment[a:b]``) and
``AudioSegment.silent(ms)`` round to whole samples differently (measured: a 3 s slice came out
3 samples short, 15 ms of silence 330 samples instead of 330.75), and ``+`` copies the whole
track for every join (measured: 300 three-second utterances took 3.2 s and twice the audio's
memory, a numpy array filled once 0.05 s and once the memory). So the track, its pauses and
the loudness work stay numpy; utterances are AudioSegments up to the moment they are copied
into the track.

A build's utterances are not held in memory: as each arrives it is written to a
``SpeechSpool`` (an unlinked temporary file) and read back, one at a time, when the track is
assembled. A long article's speech is then never held twice, nor at all while it is being
synthesised.
"""

from __future__ import annotations

import os
import tempfile
import warnings
import weakref
from collections.abc import Sequence
from typing import overload

with warnings.catch_warnings():
    # pydub imports audioop (deprecated in Python 3.11; audioop-lts from 3.13), and warns
    # when ffmpeg is not on PATH: it never runs ffmpeg for audionews, tools.py does.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment

SAMPLE_RATE = 22050  # pyttsx3's espeak driver hard-codes its WAV header to 22,050 Hz mono 16-bit
SAMPLE_WIDTH = 2


def speech(pcm: bytes) -> AudioSegment:
    """Raw 16-bit mono frames at ``SAMPLE_RATE`` as an AudioSegment (no copy)."""
    return AudioSegment(data=pcm, sample_width=SAMPLE_WIDTH, frame_rate=SAMPLE_RATE, channels=1)


class ScratchFile:
    """A temporary file that has no name: removed from its folder as soon as it is made, so it
    goes when it is closed, dropped, or its process ends, however it ends. Written and read
    at offsets (safe from several threads at once)."""

    def __init__(self, prefix: str) -> None:
        descriptor, name = tempfile.mkstemp(prefix=prefix)
        os.unlink(name)
        self.fileno = descriptor
        self._close = weakref.finalize(self, os.close, descriptor)

    def write_at(self, offset: int, data: bytes | memoryview) -> None:
        written = 0
        while written < len(data):
            written += os.pwrite(self.fileno, data[written:], offset + written)

    def read_into(self, offset: int, buffer: memoryview) -> int:
        """Fill ``buffer`` from ``offset``; return how many bytes there were (fewer at the
        end of what was written)."""
        done = 0
        while done < len(buffer):
            got = os.preadv(self.fileno, [buffer[done:]], offset + done)
            if got == 0:
                break
            done += got
        return done

    def close(self) -> None:
        self._close()


class SpeechSpool(Sequence[AudioSegment]):
    """The audio of ``count`` utterances by index, written in any order to a ``ScratchFile``.

    ``spool[i]`` reads utterance i back as an AudioSegment; every utterance must have been
    ``put`` before it is read.
    """

    def __init__(self, count: int) -> None:
        self._file = ScratchFile("audionews-speech-")
        self._places: list[tuple[int, int] | None] = [None] * count
        self._end = 0

    def put(self, index: int, pcm: bytes) -> None:
        self._file.write_at(self._end, pcm)
        self._places[index] = (self._end, len(pcm))
        self._end += len(pcm)

    def alias(self, index: int, same_as: int) -> None:
        """Utterance ``index`` is the audio of ``same_as`` (already put), not stored twice."""
        if self._places[same_as] is None:
            raise LookupError(f"utterance {same_as} has no audio")
        self._places[index] = self._places[same_as]

    def __len__(self) -> int:
        return len(self._places)

    @property
    def filled(self) -> int:
        """How many utterances have their audio."""
        return sum(place is not None for place in self._places)

    @overload
    def __getitem__(self, index: int) -> AudioSegment: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[AudioSegment]: ...

    def __getitem__(self, index: int | slice) -> AudioSegment | Sequence[AudioSegment]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        place = self._places[index]
        if place is None:
            raise LookupError(f"utterance {index} has no audio")
        offset, length = place
        pcm = os.pread(self._file.fileno, length, offset) if length else b""
        if len(pcm) != length:  # a regular file gives all it has
            raise OSError(f"speech spool: utterance {index} was not read whole")
        return speech(pcm)

    def close(self) -> None:
        self._file.close()


__all__ = ["SAMPLE_RATE", "SAMPLE_WIDTH", "AudioSegment", "ScratchFile", "SpeechSpool", "speech"]
