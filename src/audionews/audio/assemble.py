"""Speech per segment -> one track and its Timeline.

Each utterance is trimmed of the silence espeak-ng leaves around it, given short fades so no
join clicks, and followed by exactly the pause the script asked for. The track is one array
filled once, so assembly is linear in the episode's length and holds the audio only once.

The Timeline is the single source of every time the outputs carry: ID3 chapters, JSON
chapters, transcript cues and clips are all read from it.

The track is held once, as its utterances (16-bit, trimmed) at their places: the pauses are
never stored, and ``Track.read`` gives any slice. It also says where the encoder may cut it
into parts (``Track.seams``): at chapter starts, and in long chapters at a paragraph's pause
every ``PART_SECONDS`` or so. A seam lies on the encoder's grid (a whole number of MP3
frames, see encode.py) inside a pause, with the pause's silence on both sides; to put it
there the pause is lengthened or shortened by at most half the grid (13 ms at 44.1 kHz). The
part after a seam always starts with the same silence before its speech, so a part's samples
depend only on its own segments: an edit elsewhere leaves them, and their cached encoding, as
they were.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from audionews.audio.speech import SAMPLE_RATE, AudioSegment, ScratchFile
from audionews.text.script import Script
from audionews.timeline import Chapter, SegmentTime, Timeline

SILENCE_THRESHOLD_DBFS = -50.0
FADE_MS = 6
# Left around the speech after trimming: plosives start and sibilants end below the threshold.
EDGE_MS = 15
# A part runs at least this long and ends at the next paragraph's pause (or chapter start), for
# the encoder's cores and so that an edit re-encodes little: after a one-sentence fix only the
# part that holds it is encoded again (10 s rather than 30: the example's edit rebuild encodes
# 19 s, not 34 s, in 0.13 s rather than 0.2; a cold build of the seed spends the same CPU
# encoding its 21 parts as its 12, 1.83 s against 1.81 s, medians of 5 alternate builds).
PART_SECONDS = 10
# Only pauses this long (a paragraph's, a section's) hold a seam inside a chapter.
SEAM_PAUSE_MS = 600


class SampleFile:
    """16-bit samples in a ``ScratchFile``: each utterance written once at its place, any
    slice read back. What is never written reads as silence, so the pauses take no room (the
    file has holes there) and the track takes no memory however long it is: reads come from
    the page cache, which the system can take back."""

    def __init__(self) -> None:
        self._file = ScratchFile("audionews-track-")

    def write(self, position: int, samples: np.ndarray) -> None:
        self._file.write_at(2 * position, np.ascontiguousarray(samples, dtype="<i2").tobytes())

    def read(self, start: int, stop: int) -> np.ndarray:
        out = np.zeros(max(0, stop - start), dtype="<i2")
        self._file.read_into(2 * start, memoryview(out.data).cast("B"))
        return out  # past what was written: silence

    def close(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class Track:
    """The assembled episode audio: 16-bit mono at ``sample_rate``, and its Timeline.

    audio: the samples (``read`` gives any slice; silence between the utterances).
    size: the track's length in samples.
    seams: samples where the encoder may start a part (see the module's docstring).
    """

    audio: SampleFile
    size: int
    sample_rate: int
    timeline: Timeline
    seams: tuple[int, ...] = ()

    @property
    def duration_s(self) -> float:
        return self.size / self.sample_rate

    def read(self, start: int, stop: int) -> np.ndarray:
        """Samples ``start`` to ``stop`` (clamped to the track), silence filled in."""
        start, stop = max(0, start), min(stop, self.size)
        return self.audio.read(start, max(start, stop))

    @property
    def samples(self) -> np.ndarray:
        """The whole track as one array (a copy: for tests and small tracks)."""
        return self.read(0, self.size)


def _ms(samples: int) -> int:
    return round(samples * 1000 / SAMPLE_RATE)


def _samples(ms: int) -> int:
    return round(ms * SAMPLE_RATE / 1000)


def _samples_of(utterance: AudioSegment) -> np.ndarray:
    return np.frombuffer(utterance.raw_data, dtype="<i2")


def _audible_span(utterance: AudioSegment) -> tuple[int, int] | None:
    """First and last sample of the audible part (5 ms windows above the threshold)."""
    samples = _samples_of(utterance)
    window = SAMPLE_RATE * 5 // 1000
    count = samples.size // window
    if count == 0:
        return None
    # In place: one temporary the size of the utterance (each is read once more to be placed).
    frames = samples[: count * window].astype(np.float32).reshape(count, window)
    frames /= np.float32(32768.0)
    np.square(frames, out=frames)
    level = 10 * np.log10(np.maximum(np.mean(frames, axis=1), 1e-20))
    loud = np.flatnonzero(level > SILENCE_THRESHOLD_DBFS)
    if loud.size == 0:
        return None
    return int(loud[0]) * window, min(samples.size, (int(loud[-1]) + 1) * window)


def _cleaned(speech: AudioSegment) -> np.ndarray:
    """An utterance's samples, DC removed, edges faded in and out (numeric work: numpy)."""
    if not speech.frame_count():
        return np.zeros(0, dtype="<i2")
    # Any DC offset is taken out utterance by utterance, so none reaches the episode.
    samples = _samples_of(speech).astype(np.float32)
    samples -= samples.mean()
    fade = min(samples.size // 2, SAMPLE_RATE * FADE_MS // 1000)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, endpoint=False, dtype=np.float32)
        samples[:fade] *= ramp
        samples[samples.size - fade :] *= ramp[::-1]
    np.rint(samples, out=samples)
    np.clip(samples, -32768, 32767, out=samples)
    return samples.astype("<i2")


def _release_freed_memory() -> None:
    """Hand freed memory back to the system (glibc keeps it otherwise), so the peak stays
    at one copy of the episode while utterances are moved into the track."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def assemble(script: Script, audio: Sequence[AudioSegment | None], grid: int = 0) -> Track:
    """Lay the script's utterances end to end with their pauses, into a ``SampleFile``.

    ``audio`` (a spool, or a list that is consumed: each utterance released once it is
    written) is read one utterance at a time, so the episode is never held in memory.
    ``grid``: the encoder's seam grid in samples (0: no seams).
    """
    segments = [
        (chapter_index, segment_index, segment)
        for chapter_index, chapter in enumerate(script.chapters)
        for segment_index, segment in enumerate(chapter.segments)
    ]
    if len(segments) != len(audio):
        raise ValueError(f"{len(audio)} utterances for {len(segments)} segments")

    # Where each utterance's audible part lies decides the track's length before any of it
    # is copied: the track is allocated once and filled, and each utterance released as soon
    # as it is in, so the episode is never held twice.
    edge = SAMPLE_RATE * EDGE_MS // 1000
    spans: list[tuple[int, int]] = []
    for index, utterance in enumerate(audio):
        span = None if utterance is None else _audible_span(utterance)
        if utterance is None or span is None:
            spans.append((0, 0))
        else:
            samples = int(utterance.frame_count())
            spans.append((max(0, span[0] - edge), min(samples, span[1] + edge)))
        if index % 8 == 7:
            _release_freed_memory()
    pauses = [
        _samples(max(0, segment.pause_ms - 2 * EDGE_MS)) if end > start else 0
        for (_, _, segment), (start, end) in zip(segments, spans, strict=True)
    ]

    position = 0  # in samples
    part_start = 0
    track = SampleFile()
    seams: list[int] = []
    times: list[SegmentTime] = []
    chapter_starts: dict[int, int] = {}
    for index, ((chapter_index, segment_index, _segment), pause, (first, last)) in enumerate(
        zip(segments, pauses, spans, strict=True)
    ):
        utterance = audio[index]
        # Trimmed at exact samples.
        trimmed = utterance.get_sample_slice(first, last) if utterance is not None else None
        speech = _cleaned(trimmed) if trimmed is not None else np.zeros(0, dtype="<i2")
        if isinstance(audio, list):
            audio[index] = None
        utterance = trimmed = None
        chapter_starts.setdefault(chapter_index, position)
        start = position
        if speech.size:
            track.write(position, speech)
        position += speech.size
        times.append(SegmentTime(chapter_index, segment_index, _ms(start), _ms(position)))
        # The silence left at each edge of the speech counts toward the pause, so the gap a
        # listener hears between two utterances is exactly the pause the script asked for
        # (give or take half the grid where a seam is put).
        following = segments[index + 1] if index + 1 < len(segments) else None
        seam = None
        if grid and following is not None:
            new_chapter = following[0] != chapter_index
            long_part = position - part_start >= PART_SECONDS * SAMPLE_RATE
            if new_chapter or (long_part and _segment.pause_ms >= SEAM_PAUSE_MS):
                seam = _seam(position, pause, grid)
        if seam is None:
            position += pause
        else:
            seams.append(seam)
            part_start = seam
            position = seam + pause // 2
        if index % 8 == 7:
            _release_freed_memory()
    _release_freed_memory()

    duration_ms = _ms(position)
    chapter_starts[0] = 0
    starts = [chapter_starts.get(i, position) for i in range(len(script.chapters))]
    chapters = tuple(
        Chapter(
            chapter.title,
            _ms(starts[i]),
            _ms(starts[i + 1]) if i + 1 < len(starts) else duration_ms,
            chapter.level,
        )
        for i, chapter in enumerate(script.chapters)
    )
    return Track(
        track,
        position,
        SAMPLE_RATE,
        Timeline(tuple(times), chapters, duration_ms),
        tuple(seams),
    )


# What a seam needs of silence before it (the encoder's delay and padding, at most 1152 output
# samples: 1152 input samples at the lowest output rate, 22.05 kHz) and a margin.
SEAM_SILENCE = 1152 + 64


def _seam(speech_end: int, pause: int, grid: int) -> int | None:
    """Where a seam goes in the pause after ``speech_end``: a multiple of ``grid`` at which
    the next part starts ``pause // 2`` samples before its speech, or None if the pause is too
    short to hold one with silence on both sides."""
    lead = pause // 2
    seam = round((speech_end + pause - lead) / grid) * grid
    return seam if seam - speech_end >= SEAM_SILENCE and lead >= SEAM_SILENCE else None
