"""Loudness measurement, limiter and true peak, checked against independent references:
BS.1770's published coefficients, pyloudnorm's meter, scipy's polyphase resampler, numpy's
interpolation."""

from __future__ import annotations

import itertools
import re
import subprocess

import numpy as np
import pytest
from scipy.signal import lfilter, resample_poly

from audionews.audio.encode import k_energies
from audionews.audio.loudness import (
    PEAK_CONTEXT,
    GainCurve,
    block_peaks,
    integrated_loudness,
    k_weighting,
    limiter_gains,
    loudness_of_blocks,
    normalise,
    true_peak,
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


@pytest.mark.parametrize(
    ("rate", "block"), [(22050, 18), (48000, 48), (22050, 1000), (22050, 40000)]
)
def test_k_energies_are_the_recursive_filters_block_sums(rate: int, block: int):
    # The FFT convolution against scipy's direct-form IIR with the same biquads, in three
    # spans cut at multiples of the block (each filtered from rest, as after a seam), each
    # crossing several FFT pieces, the last block left short.
    seconds = 9.3 if rate == 22050 else 4.1
    track = speechlike(seconds)
    if rate != RATE:
        track = np.resize(track, int(seconds * rate))
    blocks = track.size // block
    assert track.size % block
    cuts = [block * (blocks // 3), block * (2 * blocks // 3)]
    ours = k_energies(track, rate, block, cuts, jobs=3)
    expected = np.zeros_like(ours)
    for lo, hi in itertools.pairwise([0, *cuts, track.size]):
        filtered = track[lo:hi].astype(np.float64) / 32768
        for b, a in k_weighting(rate):
            filtered = lfilter(b, a, filtered)
        for index, first in enumerate(range(lo, hi, block)):
            piece = filtered[first - lo : min(hi, first + block) - lo]
            expected[lo // block + index] = piece @ piece
    assert ours.size == -(-track.size // block)
    assert np.allclose(ours, expected, rtol=1e-5, atol=1e-12)


def test_k_weighting_is_bs1770s_at_48khz():
    # ITU-R BS.1770-4, tables 1 and 2.
    (b1, a1), (b2, a2) = k_weighting(48000)
    assert np.allclose(b1, [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=1e-12)
    assert np.allclose(a1, [1.0, -1.69065929318241, 0.73248077421585], atol=1e-12)
    assert np.allclose(b2, [1.0, -2.0, 1.0])
    assert np.allclose(a2, [1.0, -1.99004745483398, 0.99007225036621], atol=1e-12)


def ffmpeg_loudness(track: np.ndarray) -> float:
    log = subprocess.run(
        [
            *("ffmpeg", "-hide_banner", "-nostats", "-f", "s16le", "-ar", str(RATE)),
            *("-ac", "1", "-i", "pipe:0", "-af", "ebur128", "-f", "null", "-"),
        ],
        input=track.tobytes(),
        capture_output=True,
        check=True,
    ).stderr.decode()
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", log)[-1])


@pytest.mark.parametrize("seconds", [3.0, 47.3])
def test_block_measurement_agrees_with_ebur128_and_pyloudnorm(seconds: float):
    track = speechlike(seconds)
    energies = k_energies(track, RATE, 18)
    ours = loudness_of_blocks(energies, np.ones(energies.size, dtype=np.float32), RATE, 18)
    # ffmpeg's ebur128 prints one decimal.
    assert abs(ours - ffmpeg_loudness(track)) <= 0.06
    # pyloudnorm designs its K-filter its own way: 0.09 LU apart at 22.05 kHz (seen here).
    assert abs(ours - integrated_loudness(track.astype(np.float32) / 32768, RATE)) < 0.12


def test_gain_curve_interpolates_between_block_centres_however_sliced():
    rng = np.random.default_rng(3)
    gains = rng.uniform(0.5, 2.0, 50).astype(np.float32)
    curve = GainCurve(gains, 18)
    track = np.full(50 * 18 - 5, 16384, dtype="<i2")
    whole = curve.slice(track, 0, track.size)
    centres = np.arange(gains.size) * 18 + 8.5
    expected = 0.5 * np.interp(np.arange(track.size), centres, gains)  # held past the ends
    assert np.allclose(whole, expected, atol=1e-6)
    pieces = np.concatenate([curve.slice(track, a, a + 37) for a in range(0, track.size, 37)])
    assert np.array_equal(pieces, whole)


def test_limiter_holds_every_sample_under_the_ceiling():
    loud = speechlike(20.0)
    quiet = (speechlike(5.0, seed=2).astype(np.float32) * 0.02).astype("<i2")
    track = np.concatenate((quiet, loud))
    gain = 10 ** (12 / 20)
    curve = GainCurve(limiter_gains(block_peaks(track, 18), gain, 0.5, 5), 18)
    limited = np.concatenate(list(curve.slices(track, RATE)))
    assert np.abs(limited).max() <= 0.5 + 1e-4
    # The quiet passage, far from any peak, gets the full gain.
    head = slice(RATE // 2, quiet.size - RATE // 2)
    original = track[head].astype(np.float32) / 32768
    assert np.allclose(limited[head], original * gain, atol=1e-5)


def test_normalise_reaches_the_aim_before_encoding():
    track = (speechlike(30.0).astype(np.float32) * 0.1).astype("<i2")  # quiet: needs gain
    curve = normalise(
        block_peaks(track, 18), k_energies(track, RATE, 18), RATE, 18, LoudnessTarget()
    )
    reached = integrated_loudness(np.concatenate(list(curve.slices(track, RATE))), RATE)
    assert abs(reached - (-16.0 + 0.4)) <= 0.3  # the aim includes MP3's measured coding loss


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_true_peak_is_the_oversampled_peak(seed: int):
    rng = np.random.default_rng(seed)
    samples = speechlike(4.0, seed).astype(np.float32) / 32768
    # Inter-sample peaks: a tone near a quarter of the rate, at its highest between samples.
    t = np.arange(2000)
    samples[30000:32000] += 0.6 * np.sin(np.pi / 2 * t + np.pi / 4 + rng.uniform(0, 0.1))
    found = true_peak(samples)
    # Every block oversampled: the pruning loses nothing.
    from audionews.audio.loudness import _interpolator

    phases, _ = _interpolator()
    everywhere = max(np.abs(np.convolve(samples, phase)).max() for phase in phases)
    assert found == pytest.approx(max(everywhere, np.abs(samples).max()), rel=1e-6)
    # And another oversampler (8x polyphase resampling, a far longer filter) agrees within
    # 0.2 dB: this signal has white noise up to Nyquist, where a 49-tap interpolator (like
    # BS.1770's 48-tap one) rolls off; decoded speech has next to nothing there.
    other = np.abs(resample_poly(samples.astype(np.float64), 8, 1)).max()
    assert abs(20 * np.log10(found / other)) < 0.2
    assert found > np.abs(samples).max() * 1.05  # the peak between samples was found


@pytest.mark.parametrize("seed", [3, 4])
def test_true_peak_a_slice_at_a_time_is_the_peak_of_the_whole(seed: int):
    # Parts are measured a slice at a time as they are sent to the encoder (encode.py); with
    # their neighbours' samples as context the slices give exactly the whole's peak, wherever
    # the slice boundaries fall, even through an inter-sample peak.
    rng = np.random.default_rng(seed)
    samples = speechlike(3.0, seed).astype(np.float32) / 32768 * 0.3
    t = np.arange(16)
    samples[20000:20016] += 0.9 * np.sin(np.pi / 2 * t + np.pi / 4)  # peaks between samples
    whole = true_peak(samples)
    cuts = sorted({0, samples.size, 20008, *rng.integers(1, samples.size, 6).tolist()})
    found = 0.0
    for first, last in itertools.pairwise(cuts):
        before = samples[max(0, first - PEAK_CONTEXT) : first]
        after = samples[last : last + PEAK_CONTEXT]
        found = true_peak(samples[first:last], before, after, found)
    assert found == whole
    # Without the context a cut through the peak gives another figure: the context matters.
    alone = max(true_peak(samples[a:b]) for a, b in itertools.pairwise(cuts))
    assert alone != whole
