"""Loudness: ITU-R BS.1770 integrated loudness on target, peaks under the ceiling.

Raw espeak-ng speech measures about −20 LUFS with sample peaks at 0 dBFS, so gain alone cannot
reach −16 LUFS: a look-ahead limiter holds the peaks down while the gain lifts the speech.

Nothing here imports scipy: importing scipy.signal cost 0.6 to 1.3 s of CPU a build (measured
here), more than normalising itself. The filtering is done where it is cheap:

- K-weighting (BS.1770's two biquads) runs inside ffmpeg (its ``biquad`` filter, given the
  exact coefficients ``k_weighting`` computes for the sample rate), on the track once before
  the gain search and on the decoded MP3 for the final figures.
- The limiter works on blocks of about 1 ms: each block's peak gives the gain it needs, held
  over the look-ahead window by a running minimum and smoothed by a running mean of the same
  length, so the gain is already down when a peak arrives. ``GainCurve`` is that gain per
  block, applied to any slice of the track by linear interpolation between block centres.
- The gain search works on the track's K-weighted energy per block, measured once at unity:
  the limiter's gain varies slowly against the K-filter's response, so the loudness at any
  gain is the gated mean of ``gain² × energy`` (BS.1770's 400 ms blocks every 100 ms,
  absolute gate −70 LUFS, relative gate −10 LU). The secant method finds the gain.
- True peak: 4× oversampling (BS.1770 Annex 2) with a 48-tap interpolator, only where it can
  matter: a block's oversampled peak is bounded by its sample peak times the interpolator's
  largest absolute phase sum, so blocks are oversampled loudest first until no remaining
  bound can beat the peak found. Exactly the full oversampled peak, at a fraction of the work.

The ceiling here is a sample-peak ceiling below the true-peak target: resampling and MP3
encoding raise peaks between samples, and the finished file is measured again (encode.py):
that measurement is what the tags report.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from audionews.presets import LoudnessTarget

# Headroom between the sample-peak ceiling and the true-peak target, for inter-sample peaks
# after resampling and for MP3 coding.
TRUE_PEAK_MARGIN_DB = 1.5
# What the encoded MP3 measures below the samples it was encoded from, its loudness measured
# here on the 22.05 kHz track (``loudness_of_blocks``) and its true peak by ``true_peak``: the
# file decoded by ffmpeg and measured by this module and by ffmpeg's ebur128, 6 articles
# (English, French; text, Markdown, HTML) in each preset. At 44.1 kHz 96 kbps and 48 kHz
# 128 kbps the loudness was 0.49 to 0.50 LU lower, the true peak 0.42 to 0.47 dB; at
# 22.05 kHz 48 kbps the loudness 0.43 to 0.44 LU lower, the true peak 0.20 to 0.62 dB (too
# wide to stand for the file's: at that rate the parts are decoded to measure it, encode.py).
# The loss is aimed for before encoding, so that the file lands on target.
CODEC_LOSS_LU = 0.50
CODEC_LOSS_LU_LOW_RATE = 0.44
CODEC_PEAK_LOSS_DB = 0.45
# Below this output rate MP3 is MPEG-2 (576-sample frames): the figures above are its own.
LOW_RATE = 32000


def codec_loss_lu(sample_rate: int) -> float:
    """How much lower the MP3 at ``sample_rate`` measures than its 22.05 kHz input (above)."""
    return CODEC_LOSS_LU_LOW_RATE if sample_rate < LOW_RATE else CODEC_LOSS_LU


LOOKAHEAD_MS = 4
# The search goes this close to the aim, so that it ends on the same gain whatever it started
# from; the gain is then rounded to GAIN_STEP_DB.
TOLERANCE_LU = 0.01
# The overall gain is a multiple of this: an edit that moves the track's loudness a little
# (one sentence of forty moves it a few hundredths of a LU) keeps the same gain, so every part
# it did not touch keeps its samples and its cached encoding (encode.py). Rounding moves the
# loudness by at most half a step (0.1 dB gives at most 0.1 LU).
GAIN_STEP_DB = 0.2
# Loudness rises by about this much per dB of gain once the limiter is working (measured on
# espeak-ng speech); the first correction step assumes it, later ones measure it.
FIRST_SLOPE = 0.6
MAX_STEPS = 8
SLICE_SECONDS = 10
# Blocks of the gain curve worked on at once.
CHUNK_BLOCKS = 1 << 18
OVERSAMPLING = 4
TAPS_PER_PHASE = 12
PEAK_BLOCK = 8
# Samples of context on either side that make a slice's true peak exact (``true_peak``).
PEAK_CONTEXT = 2 * PEAK_BLOCK
CANDIDATES_AT_ONCE = 8192


class Samples(Protocol):
    """16-bit samples that can be read a slice at a time (an array, or a spooled Track)."""

    @property
    def size(self) -> int: ...

    def read(self, start: int, stop: int) -> np.ndarray: ...


def read(samples: np.ndarray | Samples, start: int, stop: int) -> np.ndarray:
    if isinstance(samples, np.ndarray):
        return samples[start:stop]
    return samples.read(start, stop)


# --- K-weighting -----------------------------------------------------------------------------

Biquad = tuple[tuple[float, float, float], tuple[float, float, float]]


@functools.cache
def k_weighting(rate: int) -> tuple[Biquad, Biquad]:
    """BS.1770's K-weighting at ``rate``: a high shelf, then a high pass, as (b, a) pairs.

    The analogue parameters are the ones that give BS.1770's published 48 kHz coefficients
    exactly through the bilinear transform (the test checks them), so any rate gets the same
    filter.
    """
    shelf_hz, shelf_db, shelf_q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * shelf_hz / rate)
    vh = 10 ** (shelf_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / shelf_q + k * k
    shelf: Biquad = (
        (
            (vh + vb * k / shelf_q + k * k) / a0,
            2 * (k * k - vh) / a0,
            (vh - vb * k / shelf_q + k * k) / a0,
        ),
        (1.0, 2 * (k * k - 1) / a0, (1 - k / shelf_q + k * k) / a0),
    )
    pass_hz, pass_q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * pass_hz / rate)
    a0 = 1 + k / pass_q + k * k
    high_pass: Biquad = (
        (1.0, -2.0, 1.0),
        (1.0, 2 * (k * k - 1) / a0, (1 - k / pass_q + k * k) / a0),
    )
    return shelf, high_pass


def gated_loudness(energies: np.ndarray) -> float:
    """Integrated loudness from the mean squares of 100 ms of K-weighted signal (BS.1770)."""
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


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """pyloudnorm's own measurement of float samples (the tests check ours against it)."""
    import pyloudnorm  # only the tests use it: it imports scipy

    return float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float32)))


# --- the gain curve and the limiter ----------------------------------------------------------


@dataclass(frozen=True)
class GainCurve:
    """The gain to apply to the track, one value per block of ``block`` samples."""

    gains: np.ndarray
    block: int

    @functools.cached_property
    def _pattern(self) -> tuple[np.ndarray, np.ndarray, int]:
        # Sample j of a block lies (j - centre) / block blocks from its block's centre: the
        # samples before the centre lean on the previous block, the others on the next.
        centre = (self.block - 1) / 2
        offset = (np.arange(self.block, dtype=np.float64) - centre) / self.block
        split = int(np.searchsorted(offset, 0.0))
        weight = np.where(offset < 0, offset + 1, offset).astype(np.float32)
        return weight, np.float32(1) - weight, split

    def apply(self, samples: np.ndarray, start: int) -> np.ndarray:
        """16-bit ``samples`` that start at sample ``start`` of the track, as floats with the
        gain applied. The same sample gets the same gain however the track is sliced."""
        if samples.size == 0:
            return np.zeros(0, dtype=np.float32)
        block = self.block
        first, last = start // block, -(-(start + samples.size) // block)
        # Gains of blocks first-1 .. last, the ends held (interpolation is clamped there).
        index = np.clip(np.arange(first - 1, last + 1), 0, self.gains.size - 1)
        g = self.gains[index].astype(np.float32)
        weight, rest, split = self._pattern
        count = last - first
        curve = np.empty((count, block), dtype=np.float32)
        # Before the centre: between the previous block and this one; after: this and next.
        curve[:, :split] = g[:-2, None] * rest[:split] + g[1:-1, None] * weight[:split]
        curve[:, split:] = g[1:-1, None] * rest[split:] + g[2:, None] * weight[split:]
        if first == 0 and split:  # before the first centre the gain is held, not leaned
            curve[0, :split] = g[1]
        end = self.gains.size - 1
        if last - 1 >= end:  # after the last centre, likewise
            curve[end - first, split:] = self.gains[end]
        flat = curve.reshape(-1)[start - first * block : start - first * block + samples.size]
        return samples.astype(np.float32) * np.float32(1 / 32768) * flat

    def slice(self, track: np.ndarray | Samples, start: int, stop: int) -> np.ndarray:
        """Samples ``start`` to ``stop`` of the 16-bit track, as floats with the gain applied."""
        stop = min(stop, track.size)
        return self.apply(read(track, start, stop), start)

    def slices(
        self, track: np.ndarray | Samples, rate: int, start: int = 0, stop: int | None = None
    ) -> Iterator[np.ndarray]:
        stop = track.size if stop is None else stop
        step = SLICE_SECONDS * rate
        for first in range(start, stop, step):
            yield self.slice(track, first, min(stop, first + step))


def block_peaks(
    track: np.ndarray | Samples,
    block: int,
    start: int = 0,
    stop: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The peak of every ``block`` samples, as floats from 0 to 1; with ``start`` and
    ``stop`` (``start`` a multiple of ``block``) only those samples' blocks, written into
    ``out`` (the whole track's array) when it is given."""
    stop = track.size if stop is None else min(stop, track.size)
    peaks = np.empty(-(-track.size // block), dtype=np.float32) if out is None else out
    step = block * 10_000
    for first in range(start, stop, step):
        part = read(track, first, min(stop, first + step))
        count = -(-part.size // block)
        padded = np.zeros(count * block, dtype=np.int32)
        np.abs(part, out=padded[: part.size], dtype=np.int32)
        found = padded.reshape(count, block).max(axis=1).astype(np.float32)
        peaks[first // block : first // block + count] = found * np.float32(1 / 32768)
    return peaks


def _running(values: np.ndarray, window: int, reduce: str) -> np.ndarray:
    """Running minimum or mean over ``window`` values (odd, a handful), centred, ends held:
    a few passes over shifted views, no temporary larger than ``values``."""
    half = window // 2
    padded = np.concatenate((np.full(half, values[0]), values, np.full(half, values[-1])))
    out = padded[: -2 * half].copy() if half else padded.copy()
    for shift in range(1, window):
        view = padded[shift : shift + values.size]
        if reduce == "min":
            np.minimum(out, view, out=out)
        else:
            out += view
    if reduce != "min":
        out *= np.float32(1 / window)
    return out


def _limiter_chunk(peaks: np.ndarray, gain: float, ceiling: float, window: int) -> np.ndarray:
    needed = peaks * np.float32(gain)
    np.maximum(needed, np.float32(1e-9), out=needed)
    np.divide(np.float32(ceiling), needed, out=needed)
    np.minimum(needed, np.float32(1.0), out=needed)
    # Held one block wider than the smoothing, so interpolation never lifts a peak's gain.
    held = _running(needed, window + 2, "min")
    del needed
    smoothed = _running(held, window, "mean")
    smoothed *= np.float32(gain)
    return smoothed


def limiter_chunks(
    peaks: np.ndarray, gain: float, ceiling: float, window: int
) -> Iterator[tuple[int, np.ndarray]]:
    """``limiter_gains`` a chunk at a time, as (first block, gains): the limiter only looks
    a few blocks either way, so chunks computed with that much overlap are exact."""
    reach = window + 2
    for first in range(0, peaks.size, CHUNK_BLOCKS):
        last = min(peaks.size, first + CHUNK_BLOCKS)
        lo, hi = max(0, first - reach), min(peaks.size, last + reach)
        yield first, _limiter_chunk(peaks[lo:hi], gain, ceiling, window)[first - lo : last - lo]


def limiter_gains(peaks: np.ndarray, gain: float, ceiling: float, window: int = 5) -> np.ndarray:
    """Per-block gain: ``gain``, brought down wherever a peak would pass ``ceiling``.

    ``window`` is the look-ahead in blocks (odd).
    """
    gains = np.empty(peaks.size, dtype=np.float32)
    for first, chunk in limiter_chunks(peaks, gain, ceiling, window):
        gains[first : first + chunk.size] = chunk
    return gains


def lookahead_blocks(rate: int, block: int) -> int:
    return max(3, round(LOOKAHEAD_MS * rate / 1000 / block) | 1)


# --- the gain search -------------------------------------------------------------------------


def loudness_of_blocks(
    energies: np.ndarray, gains: np.ndarray | None, rate: int, block: int
) -> float:
    """Integrated loudness of the track whose K-weighted energy (sum of squares) per block at
    unity is ``energies``, with per-block ``gains`` applied (None: unity)."""
    if energies.size == 0:
        return float("-inf")
    bounds = np.rint(np.arange(0, energies.size * block, rate / 10) / block).astype(np.int64)
    bounds = bounds[bounds < energies.size]
    # Non-decreasing already: each run of equal bounds is kept once (np.unique sorts them
    # again, and its first call imports numpy.ma: 17 ms of every build).
    bounds = bounds[np.diff(bounds, prepend=-1) > 0]
    if bounds.size < 2:
        return float("-inf")
    if gains is None:
        weighted = energies
    else:
        weighted = gains.astype(np.float32, copy=True)
        weighted *= weighted
        weighted *= energies
    sums = np.add.reduceat(weighted, bounds)[:-1].astype(np.float64)
    squares = sums / (np.diff(bounds) * block)
    return gated_loudness(squares)


def _limited_loudness(
    peaks: np.ndarray,
    energies: np.ndarray,
    gain: float,
    ceiling: float,
    window: int,
    rate: int,
    block: int,
) -> float:
    """``loudness_of_blocks`` with the limiter's gains at ``gain``, worked out a chunk at a
    time (the limiter only looks a few blocks either way), so a long episode's search holds
    one more array of its blocks, not several."""
    weighted = np.empty(energies.size, dtype=np.float32)
    for first, gains in limiter_chunks(peaks, gain, ceiling, window):
        last = first + gains.size
        np.multiply(gains, gains, out=weighted[first:last])
        weighted[first:last] *= energies[first:last]
    return loudness_of_blocks(weighted, None, rate, block)


def normalise(
    peaks: np.ndarray,
    energies: np.ndarray,
    rate: int,
    block: int,
    target: LoudnessTarget,
    codec_loss: float = CODEC_LOSS_LU,
) -> GainCurve:
    """The gain curve that brings a track to ``target``, limited, from its per-block peaks
    (``block_peaks``) and K-weighted energies at unity (``encode.k_energies``); the track is
    aimed ``codec_loss`` LU above the target, what encoding will take off."""
    return next(gain_choices(peaks, energies, rate, block, target, codec_loss))


def gain_choices(
    peaks: np.ndarray,
    energies: np.ndarray,
    rate: int,
    block: int,
    target: LoudnessTarget,
    codec_loss: float = CODEC_LOSS_LU,
) -> Iterator[GainCurve]:
    """``normalise``'s gain curve (the exact gain rounded to ``GAIN_STEP_DB``), then the one
    with the neighbouring step on the other side of the exact gain (within one step of it).

    An edit moves the exact gain a little; when it crosses the middle between two steps, the
    gain a build before chose is the second choice: a build that finds that one's parts
    already encoded takes it (pipeline.build), rather than encoding every part again.
    """
    window = lookahead_blocks(rate, block)
    measured = loudness_of_blocks(energies, None, rate, block)
    if not np.isfinite(measured):
        yield GainCurve(np.ones_like(peaks), block)  # silence: nothing to normalise
        return
    ceiling = 10 ** ((target.true_peak - TRUE_PEAK_MARGIN_DB) / 20)
    aim = target.lufs + codec_loss

    def attempt(gain_db: float) -> float:
        return _limited_loudness(
            peaks, energies, 10 ** (gain_db / 20), ceiling, window, rate, block
        )

    gain_db = aim - measured
    reached = attempt(gain_db)
    previous: tuple[float, float] | None = None
    for _ in range(MAX_STEPS):
        if abs(aim - reached) <= TOLERANCE_LU:
            break
        slope = FIRST_SLOPE
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.2, (reached - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, reached)
        gain_db += (aim - reached) / slope
        reached = attempt(gain_db)
    steps = gain_db / GAIN_STEP_DB
    nearest = round(steps)
    for step in (nearest, nearest + (1 if steps > nearest else -1)):
        gain = 10 ** (step * GAIN_STEP_DB / 20)
        yield GainCurve(limiter_gains(peaks, gain, ceiling, window), block)


# --- true peak -------------------------------------------------------------------------------


@functools.cache
def _interpolator() -> tuple[np.ndarray, float]:
    """The 4× interpolator's phases (rows, ``TAPS_PER_PHASE + 1`` taps each) and the largest
    absolute sum of a phase. A Kaiser-windowed sinc centred on a sample, so the phases give
    the points 0, 1/4, 1/2 and 3/4 of the way to the next sample (BS.1770 Annex 2's grid)."""
    length = OVERSAMPLING * TAPS_PER_PHASE + 1
    t = (np.arange(length) - (length - 1) / 2) / OVERSAMPLING
    h = np.sinc(t) * np.kaiser(length, 8.0)
    phases = np.zeros((OVERSAMPLING, TAPS_PER_PHASE + 1))
    for p in range(OVERSAMPLING):
        taps = h[p::OVERSAMPLING]
        phases[p, : taps.size] = taps
    phases /= phases.sum(axis=1, keepdims=True)  # each phase passes a constant unchanged
    return phases.astype(np.float32), float(np.abs(phases).sum(axis=1).max())


def true_peak(
    samples: np.ndarray,
    before: np.ndarray | None = None,
    after: np.ndarray | None = None,
    floor: float = 0.0,
) -> float:
    """The true peak (linear) of float ``samples``: the peak of the 4× oversampled signal.

    Silence is assumed around them unless ``before`` and ``after`` give the samples that
    precede and follow (``PEAK_CONTEXT`` of each is enough): a long signal measured a slice
    at a time, each with its neighbours' samples, gives exactly its peak measured whole.
    ``floor``: a peak already found elsewhere (only what could pass it is oversampled).
    """
    if samples.size == 0:
        return floor
    phases, bound_factor = _interpolator()
    between = phases[1:].T.astype(np.float64)  # taps × the three phases between samples
    taps = TAPS_PER_PHASE + 1
    block = PEAK_BLOCK
    count = -(-samples.size // block)
    padded = np.zeros((count + 2) * block, dtype=np.float32)
    padded[block : block + samples.size] = samples
    if before is not None and before.size:
        context = before[-block:]
        padded[block - context.size : block] = context
    if after is not None and after.size:
        context = after[: padded.size - block - samples.size]
        padded[block + samples.size : block + samples.size + context.size] = context
    rows = padded.reshape(count + 2, block)
    block_max = np.abs(rows).max(axis=1)
    # The oversampled signal passes through every sample.
    best = max(floor, float(block_max.max()))
    # Points interpolated in a block lean on samples up to half the taps into its
    # neighbours; none can pass the block's bound (largest neighbouring sample × the
    # interpolator's largest absolute phase sum).
    bound = np.maximum(block_max[1:-1], np.maximum(block_max[:-2], block_max[2:]))
    candidates = np.flatnonzero(bound * bound_factor > best)
    half = taps // 2
    for first in range(0, candidates.size, CANDIDATES_AT_ONCE):
        chosen = candidates[first : first + CANDIDATES_AT_ONCE] + 1  # rows of ``padded``
        # Each chosen block with ``half`` samples of its neighbours on either side: every
        # window of ``taps`` samples whose middle lies in the block.
        span = np.concatenate(
            (rows[chosen - 1, block - half :], rows[chosen], rows[chosen + 1, :half]), axis=1
        ).astype(np.float64)
        windows = np.lib.stride_tricks.sliding_window_view(span, taps, axis=1)
        # Every point between samples at once, in double precision (phase 0 is the samples
        # themselves, already counted).
        points = windows @ between
        best = max(best, float(np.abs(points).max()))
    return best


def peak_dbfs(linear: float) -> float:
    return 20 * math.log10(linear) if linear > 0 else float("-inf")
