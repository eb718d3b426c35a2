"""An utterance's audio as a pydub ``AudioSegment``: 16-bit mono PCM that carries its format.

pydub is used where it is sample-exact: building a segment from raw frames, ``frame_count()``,
``get_sample_slice`` and ``raw_data``. Its millisecond slicing (``segment[a:b]``) and
``AudioSegment.silent(ms)`` round to whole samples differently (measured: a 3 s slice came out
3 samples short, 15 ms of silence 330 samples instead of 330.75), and ``+`` copies the whole
track for every join (measured: 300 three-second utterances took 3.2 s and twice the audio's
memory, a numpy array filled once 0.05 s and once the memory). So the track, its pauses and
the loudness work stay numpy; utterances are AudioSegments up to the moment they are copied
into the track.
"""

from __future__ import annotations

import warnings

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


__all__ = ["SAMPLE_RATE", "SAMPLE_WIDTH", "AudioSegment", "speech"]
