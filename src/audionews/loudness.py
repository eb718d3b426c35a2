"""Loudness: ITU-R BS.1770 integrated loudness on target, peaks under the ceiling.

Raw espeak-ng speech measures about −20 LUFS with sample peaks at 0 dBFS, so gain alone cannot
reach −16 LUFS: a look-ahead limiter holds the peaks down while the gain lifts the speech. The
limiter is the classic two-filter one: the gain each sample needs is spread over a short
window by a running minimum, then smoothed by a running mean of the same length, so the gain
is already down when a peak arrives and every sample stays under the ceiling. Loudness is
measured with pyloudnorm and the gain corrected until it is on target.

The ceiling here is a sample-peak ceiling below the true-peak target: resampling and MP3
encoding raise peaks between samples, and the encoder's own ebur128 measurement of the
result (see encode.py) is what the tags report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import lfilter

# Headroom between the sample-peak ceiling and the true-peak target, for inter-sample peaks
# after resampling and for MP3 coding.
TRUE_PEAK_MARGIN_DB = 1.5
# MP3 coding takes about 0.4 LU off espeak-ng speech at 48 to 128 kbps (measured here by
# decoding the encoded file with ffmpeg's ebur128): aimed for before encoding, so the file
# itself lands on target.
CODEC_LOSS_LU = 0.4
LOOKAHEAD_S = 0.004
TOLERANCE_LU = 0.1
MAX_STEPS = 2


@dataclass(frozen=True)
class LoudnessTarget:
    """Integrated loudness in LUFS and the true-peak ceiling in dBTP."""

    lufs: float = -16.0
    true_peak: float = -1.0


def to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def remove_dc(samples: np.ndarray, rate: int, cutoff_hz: float = 20.0) -> np.ndarray:
    """A first-order high-pass well below speech: takes out any DC offset."""
    pole = np.exp(-2 * np.pi * cutoff_hz / rate)
    b = np.array([1.0, -1.0], dtype=np.float64) * (1 + pole) / 2
    a = np.array([1.0, -pole], dtype=np.float64)
    return lfilter(b, a, samples).astype(np.float32)


def limit(samples: np.ndarray, rate: int, ceiling: float) -> np.ndarray:
    """Look-ahead limiter: no sample leaves above ``ceiling`` (linear), no hard clipping."""
    magnitude = np.abs(samples)
    if magnitude.size == 0 or magnitude.max() <= ceiling:
        return samples
    needed = np.minimum(np.float32(1.0), np.float32(ceiling) / np.maximum(magnitude, 1e-9))
    window = max(3, int(LOOKAHEAD_S * rate) | 1)
    held = minimum_filter1d(needed, window, mode="nearest")
    smooth = uniform_filter1d(held, window, mode="nearest")
    return samples * smooth


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64)))


def normalise(pcm: bytes, rate: int, target: LoudnessTarget) -> np.ndarray:
    """16-bit mono PCM -> float samples at ``target`` loudness under its ceiling."""
    samples = remove_dc(to_float(pcm), rate)
    measured = integrated_loudness(samples, rate)
    if not np.isfinite(measured):
        return samples  # silence: nothing to normalise
    ceiling = 10 ** ((target.true_peak - TRUE_PEAK_MARGIN_DB) / 20)
    aim = target.lufs + CODEC_LOSS_LU
    # The limiter takes loudness off the peaks, more the harder it works: the gain is found
    # by the secant method on (gain -> loudness after limiting), usually in two or three steps.
    gain_db = aim - measured
    result = limit(samples * np.float32(10 ** (gain_db / 20)), rate, ceiling)
    reached = integrated_loudness(result, rate)
    previous: tuple[float, float] | None = None
    for _ in range(MAX_STEPS):
        if abs(aim - reached) <= TOLERANCE_LU:
            break
        slope = 1.0
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.2, (reached - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, reached)
        gain_db += (aim - reached) / slope
        result = limit(samples * np.float32(10 ** (gain_db / 20)), rate, ceiling)
        reached = integrated_loudness(result, rate)
    return result
