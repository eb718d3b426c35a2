"""The streaming loudness measurement and limiter, checked against pyloudnorm and by peaks."""

from __future__ import annotations

import numpy as np
import pytest

from audionews.audio.loudness import (
    GainCurve,
    block_peaks,
    integrated_loudness,
    limiter_gains,
    normalise,
    track_loudness,
)
from audionews.presets import LoudnessTarget

RATE = 22050


def speechlike(seconds: float, seed: int = 1) -> np.ndarray:
    """Bursts of modulated tones and noise with gaps: peaky like speech, as 16-bit samples."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = (np.sin(2 * np.pi * 3.1 * t) > 0.2) * (0.3 + 0.7 * rng.random(t.size) ** 2)
    signal = envelope * (np.sin(2 * np.pi * 180 * t) + 0.3 * rng.standard_normal(t.size))
    return (np.clip(signal / np.abs(signal).max(), -1, 1) * 32000).astype("<i2")


@pytest.mark.parametrize("seconds", [3.0, 47.3])
def test_streaming_measurement_agrees_with_pyloudnorm(seconds: float):
    track = speechlike(seconds)
    unity = GainCurve(np.ones(-(-track.size // 22), dtype=np.float32), 22)
    ours = track_loudness(track, RATE, unity)
    theirs = integrated_loudness(track.astype(np.float32) / 32768, RATE)
    assert abs(ours - theirs) < 0.05


def test_limiter_holds_every_sample_under_the_ceiling():
    loud = speechlike(20.0)
    quiet = (speechlike(5.0, seed=2).astype(np.float32) * 0.02).astype("<i2")
    track = np.concatenate((quiet, loud))
    gain = 10 ** (12 / 20)
    curve = GainCurve(limiter_gains(block_peaks(track, 22), gain, 0.5), 22)
    limited = np.concatenate(list(curve.slices(track, RATE)))
    assert np.abs(limited).max() <= 0.5 + 1e-4
    # The quiet passage, far from any peak, gets the full gain.
    head = slice(RATE // 2, quiet.size - RATE // 2)
    original = track[head].astype(np.float32) / 32768
    assert np.allclose(limited[head], original * gain, atol=1e-5)


def test_normalise_reaches_the_aim_before_encoding():
    track = (speechlike(30.0).astype(np.float32) * 0.1).astype("<i2")  # quiet: needs gain
    curve = normalise(track, RATE, LoudnessTarget(-16.0, -1.0))
    reached = integrated_loudness(np.concatenate(list(curve.slices(track, RATE))), RATE)
    assert abs(reached - (-16.0 + 0.4)) <= 0.3  # the aim includes MP3's measured coding loss
