"""Assembly, with synthetic utterances: sample-exact trimming, pauses and times; one copy held."""

from __future__ import annotations

import tracemalloc

import numpy as np

from audionews.audio.assemble import EDGE_MS, FADE_MS, assemble
from audionews.audio.encode import k_energies
from audionews.audio.loudness import block_peaks, normalise
from audionews.audio.speech import SAMPLE_RATE, speech
from audionews.presets import LoudnessTarget
from audionews.text.script import Role, Script, ScriptChapter, Segment

EDGE = SAMPLE_RATE * EDGE_MS // 1000
FADE = SAMPLE_RATE * FADE_MS // 1000


def utterance(tone_samples: int, *, lead: int = 4400, tail: int = 3001, dc: int = 0) -> bytes:
    """Silence, a tone, silence: raw PCM. The lead and the tone are whole 5 ms windows (the
    level detector's), so the tone's span is known to the sample."""
    t = np.arange(tone_samples)
    tone = (8000 * np.sin(2 * np.pi * 220 * t / SAMPLE_RATE)).astype(np.int16) + dc
    return np.concatenate([np.zeros(lead), tone, np.zeros(tail)]).astype("<i2").tobytes()


def script_of(pauses: list[list[int]]) -> Script:
    return Script(
        "Tones",
        tuple(
            ScriptChapter(f"Chapter {n}", tuple(Segment(Role.NARRATION, "x", p) for p in ps))
            for n, ps in enumerate(pauses)
        ),
    )


def test_the_pydub_operations_used_are_sample_exact():
    pcm = utterance(22050 + 7 * 110, lead=331, tail=17)
    segment = speech(pcm)
    assert segment.frame_count() == len(pcm) // 2
    for first, last in [(0, 1), (331, 22050 + 331), (17, len(pcm) // 2 - 3)]:
        part = segment.get_sample_slice(first, last)
        assert part.frame_count() == last - first
        assert part.raw_data == pcm[2 * first : 2 * last]


def test_trims_pauses_and_times_are_exact_to_the_sample():
    window = SAMPLE_RATE * 5 // 1000
    tones = [window * 90, window * 41, window * 200]
    audio = [speech(utterance(n, dc=300)) for n in tones]
    pause_ms = [[300, 700], [0]]
    track = assemble(script_of(pause_ms), list(audio))
    # Each utterance keeps its tone plus EDGE_MS of lead-in and tail; each pause is the
    # script's pause less the two edges, so the silence heard between tones is the pause.
    kept = [n + 2 * EDGE for n in tones]
    gaps = [round((p - 2 * EDGE_MS) * SAMPLE_RATE / 1000) for p in (300, 700)] + [0]
    assert track.samples.size == sum(kept) + sum(gaps)
    position = 0
    for size, gap, pcm, seg_time in zip(kept, gaps, audio, track.timeline.segments, strict=True):
        placed = track.samples[position : position + size].astype(np.float64)
        original = np.frombuffer(pcm.raw_data, dtype="<i2")[4400 - EDGE : 4400 - EDGE + size]
        expected = original - original.mean()  # the DC offset is taken out
        inner = slice(FADE, size - FADE)  # away from the fades, the samples are the original's
        assert np.array_equal(placed[inner], np.rint(expected[inner]))
        assert abs(placed.mean()) < 40  # no DC reaches the track (fades leave a little)
        assert seg_time.start_ms == round(position * 1000 / SAMPLE_RATE)
        assert seg_time.end_ms == round((position + size) * 1000 / SAMPLE_RATE)
        assert not track.samples[position + size : position + size + gap].any()
        position += size + gap
    chapters = track.timeline.chapters
    assert [(c.title, c.start_ms) for c in chapters] == [
        ("Chapter 0", 0),
        ("Chapter 1", track.timeline.segments[2].start_ms),
    ]
    assert chapters[-1].end_ms == track.timeline.duration_ms == round(position * 1000 / SAMPLE_RATE)


def test_seams_lie_on_the_grid_in_silence_and_parts_do_not_depend_on_what_comes_before():
    window = SAMPLE_RATE * 5 // 1000
    grid = 576
    chapters = [[700, 1400], [700, 700, 1400], [300]]
    lengths = [[90, 41], [200, 33, 57], [60]]

    def build(first_tone: int):
        tones = [first_tone, *[n for chapter in lengths for n in chapter][1:]]
        audio = [speech(utterance(window * n)) for n in tones]
        return assemble(script_of(chapters), audio, grid)

    track = build(90)
    assert len(track.seams) == 2  # one at each chapter start
    samples = track.samples
    for seam, chapter in zip(track.seams, track.timeline.chapters[1:], strict=True):
        assert seam % grid == 0
        start = round(chapter.start_ms * SAMPLE_RATE / 1000)
        assert seam < start
        assert not samples[seam - 1216 : seam + 1216].any()  # silence either side
    # The pause at a seam moves by at most half the grid.
    chapter_pause = track.timeline.segments[2].start_ms - track.timeline.segments[1].end_ms
    assert abs(chapter_pause - (1400 - 2 * EDGE_MS)) <= 1000 * grid / 2 / SAMPLE_RATE + 1
    # Lengthen the first utterance: the later parts keep their samples exactly.
    other = build(97)
    assert other.seams[0] != track.seams[0]
    for ours, theirs, stop, their_stop in zip(
        track.seams,
        other.seams,
        [*track.seams[1:], track.size],
        [*other.seams[1:], other.size],
        strict=True,
    ):
        assert np.array_equal(track.read(ours, stop), other.read(theirs, their_stop))


def test_silent_utterance_takes_no_time():
    audio = [speech(bytes(2 * 22050)), speech(utterance(2205))]
    track = assemble(script_of([[500, 300]]), audio)
    first, second = track.timeline.segments
    assert first.start_ms == first.end_ms == 0
    assert second.start_ms == 0


def test_assembly_and_loudness_hold_the_audio_once():
    # The memory bound of a long episode, checked where the audio is held (the real
    # 50,000-word build is the slow test_long_article_memory): 20 minutes of synthetic speech
    # in 3-second utterances, assembled, normalised, and streamed out as the encoder reads it.
    window = SAMPLE_RATE * 5 // 1000
    count = 400
    tracemalloc.start()
    try:
        audio = [
            speech(utterance(window * (560 + n % 7), lead=440, tail=440)) for n in range(count)
        ]
        audio_bytes = sum(len(a.raw_data) for a in audio)
        track = assemble(script_of([[300] * count]), audio)
        after_assembly, _ = tracemalloc.get_traced_memory()
        rate = track.sample_rate
        curve = normalise(
            block_peaks(track, 18), k_energies(track, rate, 18), rate, 18, LoudnessTarget()
        )
        streamed = sum(piece.size for piece in curve.slices(track, rate))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert streamed == track.size
    # Utterances are released as they are trimmed and the track is written to a file of its
    # own (issue 17: memory proportional to one copy of the audio, at most): afterwards no
    # audio is held in memory at all.
    assert after_assembly < 0.05 * audio_bytes
    # Besides the speech: one float per 18 samples (0.11x each) for the block peaks, the
    # K-weighted energies, the gain search's weights and the gains; everything else works a
    # slice or a chunk at a time.
    assert peak < 1.55 * audio_bytes
