"""Speech per segment -> one track and its Timeline.

Each utterance is trimmed of the silence espeak-ng leaves around it, given short fades so no
join clicks, and followed by exactly the pause the script asked for. The track is one array
filled once, so assembly is linear in the episode's length and holds the audio only once.

The Timeline is the single source of every time the outputs carry: ID3 chapters, JSON
chapters, transcript cues and clips are all read from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audionews.script import Script
from audionews.synth import SAMPLE_RATE, SAMPLE_WIDTH

SILENCE_THRESHOLD_DBFS = -50.0
FADE_MS = 6
# Left around the speech after trimming: plosives start and sibilants end below the threshold.
EDGE_MS = 15


@dataclass(frozen=True)
class SegmentTime:
    """When one segment is heard: from start_ms to end_ms of speech, then pause_ms of silence."""

    chapter: int
    index: int
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class ChapterTime:
    """When one chapter plays. Chapters are contiguous and cover the whole track."""

    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Timeline:
    """Every segment's and chapter's place in the final audio, in milliseconds."""

    segments: tuple[SegmentTime, ...]
    chapters: tuple[ChapterTime, ...]
    duration_ms: int


@dataclass(frozen=True)
class Track:
    """The assembled episode audio: 16-bit mono samples at ``sample_rate``, and its Timeline."""

    samples: np.ndarray
    sample_rate: int
    timeline: Timeline

    @property
    def duration_s(self) -> float:
        return self.samples.size / self.sample_rate


def _ms(samples: int) -> int:
    return round(samples * 1000 / SAMPLE_RATE)


def _samples(ms: int) -> int:
    return round(ms * SAMPLE_RATE / 1000)


def _audible_span(pcm: bytes) -> tuple[int, int] | None:
    """First and last sample of the audible part (5 ms windows above the threshold)."""
    samples = np.frombuffer(pcm, dtype="<i2")
    window = SAMPLE_RATE * 5 // 1000
    count = samples.size // window
    if count == 0:
        return None
    frames = samples[: count * window].astype(np.float32).reshape(count, window) / 32768.0
    level = 10 * np.log10(np.maximum(np.mean(frames * frames, axis=1), 1e-20))
    loud = np.flatnonzero(level > SILENCE_THRESHOLD_DBFS)
    if loud.size == 0:
        return None
    return int(loud[0]) * window, min(samples.size, (int(loud[-1]) + 1) * window)


def clean_utterance(pcm: bytes) -> bytes:
    """Trim the silence around one utterance and fade its edges (pydub does the fades)."""
    # Imported here: pydub warns at import when ffmpeg is missing, before the build has had
    # the chance to say so in one clear line.
    from pydub import AudioSegment

    span = _audible_span(pcm)
    if span is None:
        return b""  # nothing audible: punctuation alone, say
    edge = SAMPLE_RATE * EDGE_MS // 1000
    first = max(0, span[0] - edge) * SAMPLE_WIDTH
    last = min(len(pcm) // SAMPLE_WIDTH, span[1] + edge) * SAMPLE_WIDTH
    # Any DC offset is taken out utterance by utterance, so none reaches the episode.
    speech = np.frombuffer(pcm[first:last], dtype="<i2").astype(np.int32)
    centred = np.clip(speech - round(float(speech.mean())), -32768, 32767).astype("<i2")
    audio = AudioSegment(
        data=centred.tobytes(), sample_width=SAMPLE_WIDTH, frame_rate=SAMPLE_RATE, channels=1
    )
    return bytes(audio.fade_in(FADE_MS).fade_out(FADE_MS).raw_data)


def assemble(script: Script, audio: list[bytes | None]) -> Track:
    """Lay the script's utterances end to end with their pauses.

    ``audio`` is consumed: each utterance is released once it is in the track, so the episode
    is never held twice.
    """
    segments = [
        (chapter_index, segment_index, segment)
        for chapter_index, chapter in enumerate(script.chapters)
        for segment_index, segment in enumerate(chapter.segments)
    ]
    if len(segments) != len(audio):
        raise ValueError(f"{len(audio)} utterances for {len(segments)} segments")

    cleaned: list[bytes] = []
    for index, pcm in enumerate(audio):
        cleaned.append(clean_utterance(pcm or b""))
        audio[index] = None
    pauses = [
        _samples(max(0, segment.pause_ms - 2 * EDGE_MS)) if speech else 0
        for (_, _, segment), speech in zip(segments, cleaned, strict=True)
    ]
    total = sum(len(speech) // SAMPLE_WIDTH for speech in cleaned) + sum(pauses)
    track = np.zeros(total, dtype="<i2")

    position = 0  # in samples
    times: list[SegmentTime] = []
    chapter_starts: dict[int, int] = {}
    for index, ((chapter_index, segment_index, _segment), pause) in enumerate(
        zip(segments, pauses, strict=True)
    ):
        speech = np.frombuffer(cleaned[index], dtype="<i2")
        cleaned[index] = b""
        chapter_starts.setdefault(chapter_index, position)
        start = position
        track[position : position + speech.size] = speech
        position += speech.size
        times.append(SegmentTime(chapter_index, segment_index, _ms(start), _ms(position)))
        # The silence left at each edge of the speech counts toward the pause, so the gap a
        # listener hears between two utterances is exactly the pause the script asked for.
        position += pause

    duration_ms = _ms(position)
    chapter_starts[0] = 0
    starts = [chapter_starts.get(i, position) for i in range(len(script.chapters))]
    chapters = tuple(
        ChapterTime(
            chapter.title,
            _ms(starts[i]),
            _ms(starts[i + 1]) if i + 1 < len(starts) else duration_ms,
        )
        for i, chapter in enumerate(script.chapters)
    )
    return Track(track, SAMPLE_RATE, Timeline(tuple(times), chapters, duration_ms))
