"""Loudness: ITU-R BS.1770 integrated loudness on target, peaks under the ceiling.

Raw espeak-ng speech measures about −20 LUFS with sample peaks at 0 dBFS, so gain alone cannot
reach −16 LUFS: a look-ahead limiter holds the peaks down while the gain lifts the speech.

Memory stays proportional to the episode: the track is kept once, as 16-bit samples, and
everything else works through it in slices of a few seconds.

- The limiter works on 1 ms blocks: each block's peak gives the gain it needs, held over the
  look-ahead window by a running minimum and smoothed by a running mean of the same length,
  so the gain is already down when a peak arrives. ``GainCurve`` is that gain per block, and
  is applied to any slice of the track by interpolation.
- Loudness is measured as BS.1770 does (K-weighting, 400 ms blocks every 100 ms, absolute
  gate −70 LUFS, relative gate −10 LU), slice by slice, with pyloudnorm's K-weighting filters;
  ``integrated_loudness`` checks it against pyloudnorm's own meter in the tests.
- The gain is found by the secant method on (gain → loudness after limiting).

The ceiling here is a sample-peak ceiling below the true-peak target: resampling and MP3
encoding raise peaks between samples, and the finished file is measured again by ffmpeg's
ebur128 filter (encode.measure): that measurement is what the tags report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyloudnorm
from pyloudnorm.iirfilter import IIRfilter
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import lfilter, lfilter_zi

from audionews.presets import LoudnessTarget

# Headroom between the sample-peak ceiling and the true-peak target, for inter-sample peaks
# after resampling and for MP3 coding.
TRUE_PEAK_MARGIN_DB = 1.5
# MP3 coding takes about 0.4 LU off espeak-ng speech at 48 to 128 kbps (measured here by
# decoding the encoded file with ffmpeg's ebur128): aimed for before encoding, so the file
# itself lands on target.
CODEC_LOSS_LU = 0.4
LOOKAHEAD_MS = 4
TOLERANCE_LU = 0.15
# Loudness rises by about this much per dB of gain once the limiter is working (measured on
# espeak-ng speech); the first correction step assumes it, later ones measure it.
FIRST_SLOPE = 0.6
MAX_STEPS = 3
SLICE_SECONDS = 10
# The gain search measures at most about this much of a long episode.
SEARCH_SECONDS = 600


@dataclass(frozen=True)
class GainCurve:
    """The gain to apply to the track, one value per block of ``block`` samples."""

    gains: np.ndarray
    block: int

    def slice(self, track: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Samples ``start`` to ``stop`` of the 16-bit track, as floats with the gain applied.

        The gain is interpolated linearly between block centres; the blocks are regular, so
        each sample's neighbours and weight are found by arithmetic, not by search.
        """
        stop = min(stop, track.size)
        samples = track[start:stop].astype(np.float32) / np.float32(32768.0)
        # Positions in float64: sample numbers pass float32's exact range after six minutes.
        offset = np.arange(start, stop, dtype=np.float64) - (self.block - 1) / 2
        position = np.clip(offset / self.block, 0, self.gains.size - 1)
        lower = position.astype(np.int64)
        upper = np.minimum(lower + 1, self.gains.size - 1)
        weight = (position - lower).astype(np.float32)
        gains = self.gains[lower] * (1 - weight) + self.gains[upper] * weight
        return samples * gains

    def slices(
        self, track: np.ndarray, rate: int, start: int = 0, stop: int | None = None
    ) -> Iterator[np.ndarray]:
        stop = track.size if stop is None else stop
        step = SLICE_SECONDS * rate
        for first in range(start, stop, step):
            yield self.slice(track, first, min(stop, first + step))


def block_peaks(track: np.ndarray, block: int) -> np.ndarray:
    """The peak of every ``block`` samples, as floats from 0 to 1."""
    peaks = np.empty(-(-track.size // block), dtype=np.float32)
    step = block * 100_000
    for first in range(0, track.size, step):
        part = np.abs(track[first : first + step].astype(np.int32))
        count = -(-part.size // block)
        padded = np.zeros(count * block, dtype=np.int32)
        padded[: part.size] = part
        peaks[first // block : first // block + count] = padded.reshape(count, block).max(axis=1)
    return peaks / np.float32(32768.0)


def limiter_gains(peaks: np.ndarray, gain: float, ceiling: float) -> np.ndarray:
    """Per-block gain: ``gain``, brought down wherever a peak would pass ``ceiling``."""
    scaled = peaks * np.float32(gain)
    needed = np.minimum(np.float32(1.0), np.float32(ceiling) / np.maximum(scaled, 1e-9))
    window = max(3, LOOKAHEAD_MS | 1)
    # Held one block wider than the smoothing, so interpolation never lifts a peak's gain.
    held = minimum_filter1d(needed, window + 2, mode="nearest")
    return np.asarray(uniform_filter1d(held, window, mode="nearest")) * np.float32(gain)


def _k_weighting(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    stages = [
        IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, rate, "high_shelf"),
        IIRfilter(0.0, 0.5, 38.0, rate, "high_pass"),
    ]
    return [
        (np.asarray(stage.b, dtype=np.float64), np.asarray(stage.a, dtype=np.float64))
        for stage in stages
    ]


def _gated_loudness(energies: np.ndarray) -> float:
    """Integrated loudness from 100 ms mean squares of the K-weighted signal."""
    if energies.size < 4:
        return float("-inf")
    window = np.lib.stride_tricks.sliding_window_view(energies, 4).mean(axis=1)
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(window)
    above = window[loudness >= -70.0]
    if above.size == 0:
        return float("-inf")
    relative = -0.691 + 10 * np.log10(above.mean()) - 10.0
    gated = window[(loudness >= -70.0) & (loudness > relative)]
    return float(-0.691 + 10 * np.log10(gated.mean())) if gated.size else float("-inf")


def track_loudness(
    track: np.ndarray, rate: int, curve: GainCurve, sample_seconds: float | None = None
) -> float:
    """Integrated loudness (LUFS) of the track with ``curve`` applied, slice by slice.

    With ``sample_seconds``, a long track is measured on evenly spread slices adding up to
    about that much audio (speech is steady: the figure moves by hundredths of a LU); the
    gain search uses this, the finished file is always measured whole.
    """
    filters = _k_weighting(rate)
    block = rate // 10  # 100 ms
    step = SLICE_SECONDS * rate
    starts = list(range(0, track.size, step))
    if sample_seconds is not None:
        wanted = max(1, round(sample_seconds / SLICE_SECONDS))
        stride = max(1, -(-len(starts) // wanted))
        starts = starts[::stride]
    energies: list[np.ndarray] = []
    for first in starts:
        weighted = curve.slice(track, first, min(track.size, first + step))
        for b, a in filters:
            # Each slice settles its filters on its own first samples: the start-up is
            # far shorter than the slice and lies in the pause before a sentence.
            weighted = lfilter(b, a, weighted, zi=lfilter_zi(b, a) * weighted[:1])[0]
        squared = weighted.astype(np.float32) ** 2
        whole = squared.size // block * block
        energies.append(squared[:whole].reshape(-1, block).mean(axis=1))
    return _gated_loudness(np.concatenate(energies) if energies else np.zeros(0))


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """pyloudnorm's own measurement of float samples (used to check ``track_loudness``)."""
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float32)))


def normalise(track: np.ndarray, rate: int, target: LoudnessTarget) -> GainCurve:
    """The gain curve that brings the 16-bit ``track`` to ``target``, limited."""
    block = max(1, rate // 1000)
    peaks = block_peaks(track, block)
    unity = GainCurve(np.ones_like(peaks), block)
    measured = track_loudness(track, rate, unity, SEARCH_SECONDS)
    if not np.isfinite(measured):
        return unity  # silence: nothing to normalise
    ceiling = 10 ** ((target.true_peak - TRUE_PEAK_MARGIN_DB) / 20)
    aim = target.lufs + CODEC_LOSS_LU

    def attempt(gain_db: float) -> tuple[GainCurve, float]:
        curve = GainCurve(limiter_gains(peaks, 10 ** (gain_db / 20), ceiling), block)
        return curve, track_loudness(track, rate, curve, SEARCH_SECONDS)

    gain_db = aim - measured
    curve, reached = attempt(gain_db)
    previous: tuple[float, float] | None = None
    for _ in range(MAX_STEPS):
        if abs(aim - reached) <= TOLERANCE_LU:
            break
        slope = FIRST_SLOPE
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.2, (reached - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, reached)
        gain_db += (aim - reached) / slope
        curve, reached = attempt(gain_db)
    return curve
