"""Float samples -> MP3 through ffmpeg's LAME encoder, resampled once, at the end.

An episode is encoded in parts, side by side on every core, and joined into one gapless CBR
MP3 that decodes as a one-piece encode of the same track would (``encode_parts``):

- LAME starts every stream with 576 samples of delay (plus the decoder's 529) and ends it with
  padding: measured here, N samples make ceil((N + 1152) / frame) frames (1152 samples a frame
  at 32 kHz and up, 576 below), so a part given exactly 1152 fewer samples than its frames
  hold ends on a frame boundary with 576 samples of padding. Parts start on frame boundaries
  of the whole file (``Format.grid``), the part before each seam stops 1152 output samples
  short, and that stretch lies in a pause between segments (assemble.py puts seams there):
  the decoder's delay and the padding fall on silence, and every part's audio lands on the
  very sample a one-piece encode puts it, on the same frame grid.
- Each part's first frame is ffmpeg's Info frame; the joined file has one, carrying the whole
  stream's frame count, byte count, seek table, delay and last padding, music length and
  CRC (``mp3.info_frame``), so players get the exact duration and gapless trimming.
- The file is not decoded to be measured: its integrated loudness is that of the samples it
  was encoded from (the gain search's K-weighted energies with the final gain) and its true
  peak the largest part's input peak, each less what MP3 coding takes off, measured once
  against ffmpeg's decode and ebur128 (loudness.CODEC_LOSS_LU: within 0.01 LU and 0.03 dB in
  18 builds at 44.1 and 48 kHz). At 22.05 kHz, where coding moves the peak by 0.2 to 0.6 dB,
  the parts are decoded for their true peak. Decoding and measuring the parts cost as much
  CPU again as encoding them. The tests check the tags against ebur128 on the finished file.
- Parts are encoded in runs of at most ``PARTS_PER_RUN`` per ffmpeg and wait in files of a
  private folder until they are joined.
- A part whose samples, gain and format were encoded before is taken from the cache: after a
  one-sentence edit only the part that holds it is encoded again.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import re
import shutil
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from audionews import __version__
from audionews.audio import mp3
from audionews.audio.loudness import (
    CODEC_PEAK_LOSS_DB,
    LOW_RATE,
    PEAK_CONTEXT,
    GainCurve,
    Samples,
    block_peaks,
    codec_loss_lu,
    k_weighting_filter,
    loudness_of_blocks,
    peak_dbfs,
    read,
    true_peak,
)
from audionews.errors import EncodingError
from audionews.files import temporary_folder
from audionews.tools import filter_ffmpeg, run_ffmpeg, stop_running, stream_ffmpeg

# LAME's quality 7: half the encoding time of its default, for no difference a listener hears
# in speech at these bit rates.
COMPRESSION_LEVEL = "7"
# LAME's encoder delay plus its least padding, in output samples (measured, see above).
SEAM_SAMPLES = 1152


@dataclass(frozen=True)
class Measurement:
    """What ffmpeg's ebur128 filter measured: integrated loudness (LUFS), true peak (dBTP)."""

    lufs: float
    true_peak: float


_INTEGRATED = re.compile(r"Integrated loudness:\s+I:\s+(-?[\d.]+|-inf) LUFS", re.S)
_TRUE_PEAK = re.compile(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", re.S)


def mp3_output(path: Path) -> list[str]:
    """ffmpeg's output arguments for an MP3 with no metadata of its own: audionews writes the
    tags (and no leftover chapters) itself afterwards."""
    return [
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-id3v2_version",
        "0",
        "-write_id3v1",
        "0",
        "-f",
        "mp3",
        "-y",
        str(path),
    ]


def encode_mp3(
    samples: np.ndarray | Iterable[np.ndarray],
    input_rate: int,
    path: Path,
    sample_rate: int,
    bitrate_kbps: int,
) -> None:
    """Encode float mono samples at ``input_rate`` into a CBR MP3 at ``path``.

    ``samples`` is one array or an iterable of consecutive slices, streamed to the encoder
    as they come, so a long episode is never held as floats all at once. The file carries
    LAME's Info tag (encoder delay and padding), so decoders, ffprobe among them, report the
    exact duration.
    """
    slices = [samples] if isinstance(samples, np.ndarray) else samples
    count = 0

    def chunks() -> Iterable[bytes]:
        nonlocal count
        for part in slices:
            count += part.size
            yield np.ascontiguousarray(part, dtype="<f4").tobytes()

    stream_ffmpeg(
        [
            "-f",
            "f32le",
            "-ar",
            str(input_rate),
            "-ac",
            "1",
            "-i",
            "pipe:0",
            "-af",
            f"aresample={sample_rate}:resampler=soxr",
            "-ar",
            str(sample_rate),
            "-ac",
            "1",
            "-codec:a",
            "libmp3lame",
            "-b:a",
            f"{bitrate_kbps}k",
            "-compression_level",
            COMPRESSION_LEVEL,
            *mp3_output(path),
        ],
        chunks(),
    )
    fix_padding(path, round(count * sample_rate / input_rate))


def frame_samples(sample_rate: int) -> int:
    return 1152 if sample_rate >= 32000 else 576


def fix_padding(path: Path, samples: int) -> None:
    """Make the Info frame of the MP3 at ``path`` (no ID3 tag yet) say the padding its
    ``samples`` of audio really have (see mp3.with_padding)."""
    with open(path, "r+b") as handle:
        data = handle.read()
        stream = mp3.split(data)
        tag = mp3.read_tag(stream.info)
        rate = _stream_rate(stream.info)
        padding = stream.frames * frame_samples(rate) - samples - tag.delay
        if padding != tag.padding and 0 <= padding < 4096:
            handle.seek(0)
            handle.write(mp3.with_padding(stream.info, padding))


def _stream_rate(info: bytes) -> int:
    version, index = (info[1] >> 3) & 3, (info[2] >> 2) & 3
    return {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}[version][
        index
    ]


def measure(path: Path) -> Measurement:
    """Integrated loudness and true peak of an audio file, decoded, by ffmpeg's ebur128."""
    log = run_ffmpeg(
        ["-i", str(path), "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        log_level="info",
        doing=f"measure {path.name}",
    ).log
    summary = log[log.rfind("Summary:") :]
    loudness, peak = _INTEGRATED.search(summary), _TRUE_PEAK.search(summary)
    if not loudness or not peak:
        raise EncodingError(f"ffmpeg did not report the loudness of {path}")
    return Measurement(float(loudness.group(1)), float(peak.group(1)))


# --- an episode in parts ---------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    """What the track is encoded into: input rate (the track's), output rate, bit rate."""

    input_rate: int
    sample_rate: int
    bitrate_kbps: int

    @property
    def frame(self) -> int:
        """Samples in one MP3 frame."""
        return frame_samples(self.sample_rate)

    @property
    def grid(self) -> int:
        """The least number of input samples that is a whole number of output frames: parts
        start on multiples of it, so each is resampled in phase with the whole track."""
        unit = self.frame * self.input_rate
        return unit // math.gcd(unit, self.sample_rate)

    def output_samples(self, count: int) -> int:
        return round(count * self.sample_rate / self.input_rate)

    @property
    def seam_input(self) -> int:
        """Input samples before a seam that a part leaves to LAME's delay and padding."""
        return -(-SEAM_SAMPLES * self.input_rate // self.sample_rate)


@dataclass(frozen=True)
class Part:
    """Input samples ``start`` to ``stop`` of the track, encoded on their own; ``stop`` is the
    next part's ``start`` (a multiple of ``Format.grid``) or the track's end."""

    start: int
    stop: int
    last: bool

    def input_stop(self, fmt: Format) -> int:
        """Where the part's samples end: short of the seam by what LAME adds there."""
        if self.last:
            return self.stop
        frames_out = fmt.output_samples(self.stop - self.start)
        wanted = frames_out - SEAM_SAMPLES
        count = wanted * fmt.input_rate // fmt.sample_rate
        while fmt.output_samples(count) > wanted:
            count -= 1
        return self.start + count

    def frames(self, fmt: Format) -> int | None:
        """How many frames the part must make (None for the last: whatever remains)."""
        return None if self.last else fmt.output_samples(self.stop - self.start) // fmt.frame


def plan_parts(seams: Sequence[int], size: int, fmt: Format) -> list[Part]:
    """Parts between ``seams`` (input samples where a part may start, multiples of the grid,
    each after at least ``fmt.seam_input`` samples of silence)."""
    starts = [0, *sorted(s for s in set(seams) if 0 < s < size and s % fmt.grid == 0)]
    return [
        Part(start, starts[i + 1] if i + 1 < len(starts) else size, i + 1 == len(starts))
        for i, start in enumerate(starts)
    ]


@dataclass(frozen=True)
class EncodedPart:
    """A part as ffmpeg wrote it (its Info frame, then its frames) and its true peak in dBTP
    as decoded (``part_peaks``)."""

    data: bytes
    peak_db: float

    MAGIC = b"ANPART2"

    def pack(self) -> bytes:
        return self.MAGIC + struct.pack("<d", self.peak_db) + self.data

    @classmethod
    def unpack(cls, blob: bytes) -> EncodedPart:
        if not blob.startswith(cls.MAGIC):
            raise ValueError("not an encoded part")
        head = len(cls.MAGIC)
        (peak,) = struct.unpack_from("<d", blob, head)
        return cls(blob[head + 8 :], peak)


class PartStore(Protocol):
    """Where encoded parts are kept between builds (the segment cache)."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, audio: bytes) -> None: ...


Trace = Callable[[str, float, float], None]
"""Called as trace(what, started, ended) with perf_counter times, from any thread."""


def sample_digest(track: np.ndarray | Samples, part: Part) -> bytes:
    """A digest of the part's samples, all of them to the next seam: what its encoding and
    its K-weighted energies are made from (hashed once a build, used for both)."""
    digest = hashlib.sha256(struct.pack("<QQ", part.stop - part.start, part.last))
    for first in range(part.start, part.stop, SLICE_SAMPLES):
        chunk = read(track, first, min(part.stop, first + SLICE_SAMPLES))
        digest.update(chunk.astype("<i2", copy=False).tobytes())
    return digest.digest()


def part_key(
    track: np.ndarray | Samples,
    gain: GainCurve,
    part: Part,
    fmt: Format,
    samples: bytes | None = None,
) -> str:
    """What decides a part's encoded bytes: its samples (``samples``: their ``sample_digest``,
    made here if not given), their gain, the format, our version."""
    digest = hashlib.sha256()
    digest.update(repr((__version__, fmt, COMPRESSION_LEVEL, part.last)).encode())
    stop = part.input_stop(fmt)
    digest.update(struct.pack("<Q", stop - part.start))
    digest.update(samples if samples is not None else sample_digest(track, part))
    first, last = part.start // gain.block, -(-stop // gain.block) + 1
    digest.update(np.ascontiguousarray(gain.gains[max(0, first - 1) : last]).tobytes())
    return "part3-" + digest.hexdigest()


def cached_parts(
    track: np.ndarray | Samples,
    gain: GainCurve,
    parts: Sequence[Part],
    fmt: Format,
    store: PartStore,
    digests: Sequence[bytes] | None = None,
) -> int:
    """How many of ``parts``, with ``gain``, ``store`` holds already encoded."""
    return sum(
        store.get(part_key(track, gain, part, fmt, digests[i] if digests else None)) is not None
        for i, part in enumerate(parts)
    )


# Parts encoded by one ffmpeg at most: ffmpeg's work for every packet grows with its outputs
# (measured: 100 parts in one run took 2.6 times the CPU of the same audio in runs of 8).
PARTS_PER_RUN = 8


def _encode_run(
    track: np.ndarray | Samples,
    gain: GainCurve,
    parts: Sequence[Part],
    fmt: Format,
    folder: Path,
) -> list[tuple[Path, float]]:
    """Encode ``parts`` in one ffmpeg (starting one costs about 0.1 s of CPU here: it loads
    over 200 libraries): their samples one after another on its input, cut apart again at
    the exact sample (``asegment``), each resampled and encoded on its own into its own file
    in ``folder``. Returns each part's file and true peak, measured on its samples as they
    are sent (``part_peaks``)."""
    lengths = [part.input_stop(fmt) - part.start for part in parts]
    cuts = np.cumsum(lengths)[:-1]
    paths = [folder / f"part-{part.start}.mp3" for part in parts]
    chain = f"asetpts=PTS-STARTPTS,aresample={fmt.sample_rate}:resampler=soxr"
    if len(parts) == 1:
        graph = f"[0:a]{chain}[p0]"
    else:
        outputs = "".join(f"[s{i}]" for i in range(len(parts)))
        graph = ";".join(
            [
                f"[0:a]asegment=samples={'|'.join(str(int(cut)) for cut in cuts)}{outputs}",
                *(f"[s{i}]{chain}[p{i}]" for i in range(len(parts))),
            ]
        )
    encoders: list[str] = []
    for i, path in enumerate(paths):
        encoders += [
            *("-map", f"[p{i}]", "-ar", str(fmt.sample_rate), "-ac", "1"),
            *("-codec:a", "libmp3lame", "-b:a", f"{fmt.bitrate_kbps}k"),
            *("-compression_level", COMPRESSION_LEVEL),
            *mp3_output(path),
        ]
    peaks = [0.0] * len(parts)

    def samples() -> Iterable[bytes]:
        # A slice at a time (a part may hold minutes of one utterance), each slice's true
        # peak measured with its neighbours' samples around it: exactly the part's peak.
        for i, part in enumerate(parts):
            stop = part.input_stop(fmt)
            before = np.zeros(0, dtype=np.float32)
            for first in range(part.start, stop, SLICE_SAMPLES):
                last = min(stop, first + SLICE_SAMPLES)
                floats = gain.slice(track, first, last)
                after = gain.slice(track, last, min(stop, last + PEAK_CONTEXT))
                peaks[i] = true_peak(floats, before, after, peaks[i])
                before = floats[-PEAK_CONTEXT:]
                yield floats.astype("<f4", copy=False).tobytes()

    stream_ffmpeg(
        [
            *("-f", "f32le", "-ar", str(fmt.input_rate), "-ac", "1", "-i", "pipe:0"),
            *("-filter_complex", graph),
            *encoders,
        ],
        samples(),
    )
    return list(zip(paths, part_peaks(peaks, paths, fmt), strict=True))


def part_peaks(input_peaks: Sequence[float], paths: Sequence[Path], fmt: Format) -> list[float]:
    """The true peaks (dBTP) of encoded parts, from the true peaks (linear) of the samples
    they were encoded from less what coding takes off (loudness.CODEC_PEAK_LOSS_DB, measured
    within 0.03 dB at 44.1 and 48 kHz). At low rates, where coding moves the peak too
    unevenly for that, the parts are decoded (one ffmpeg) and measured."""
    if fmt.sample_rate >= LOW_RATE:
        return [peak_dbfs(peak) - CODEC_PEAK_LOSS_DB for peak in input_peaks]
    decoded = [path.with_suffix(".f32") for path in paths]
    arguments: list[str] = []
    for path in paths:
        arguments += ["-i", str(path)]
    for i, path in enumerate(decoded):
        # Through files, not a pipe: numpy reads each in one call.
        arguments += ["-map", f"{i}:a", "-f", "f32le", "-y", str(path)]
    try:
        run_ffmpeg(arguments, doing="decode the encoded parts")
        return [peak_dbfs(true_peak(np.fromfile(path, dtype="<f4"))) for path in decoded]
    finally:
        for path in decoded:
            path.unlink(missing_ok=True)


# Bytes of samples written to ffmpeg at a time.
SLICE_SAMPLES = 1 << 18


def _runs(parts: Sequence[Part], indices: Sequence[int]) -> list[list[int]]:
    """``indices`` of parts in runs of at most ``PARTS_PER_RUN``, of about equal length, the
    longest first (so that the last to finish is a short one)."""
    count = -(-len(indices) // PARTS_PER_RUN)
    runs: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for index in sorted(indices, key=lambda i: parts[i].start - parts[i].stop):
        open_runs = [r for r in range(count) if len(runs[r]) < PARTS_PER_RUN]
        least = min(open_runs, key=lambda r: loads[r])
        runs[least].append(index)
        loads[least] += parts[index].stop - parts[index].start
    runs.sort(key=lambda run: -sum(parts[i].stop - parts[i].start for i in run))
    return [sorted(run) for run in runs]


def encode_parts(
    track: np.ndarray | Samples,
    gain: GainCurve,
    parts: Sequence[Part],
    fmt: Format,
    path: Path,
    *,
    jobs: int | None = None,
    store: PartStore | None = None,
    trace: Trace | None = None,
    digests: Sequence[bytes] | None = None,
) -> tuple[float, int]:
    """Encode ``parts`` of the track side by side (``jobs`` ffmpegs at once, each encoding a
    run of parts), join them into one MP3 at ``path`` and return its true peak (dBTP, see
    ``part_peaks``) and how many parts came from ``store``.

    The parts wait in files of a private temporary folder until they are joined: only what
    the join needs of each (its Info frame, frame offsets, CRC) is held in memory."""
    workers = max(1, jobs or os.cpu_count() or 1)
    placed: list[_Placed | None] = [None] * len(parts)
    with temporary_folder("audionews-parts-") as folder:
        keys = [
            part_key(track, gain, part, fmt, digests[i] if digests else None)
            if store is not None
            else ""
            for i, part in enumerate(parts)
        ]
        if store is not None:
            for i, key in enumerate(keys):
                if (blob := store.get(key)) is None:
                    continue
                try:
                    cached = EncodedPart.unpack(blob)
                    file = folder / f"cached-{i}.mp3"
                    placed[i] = _place(file, cached.data, cached.peak_db, parts[i], fmt)
                    file.write_bytes(cached.data)
                except (EncodingError, ValueError, struct.error):
                    placed[i] = None  # a stale or damaged entry: encoded again
        reused = sum(part is not None for part in placed)
        missing = [i for i, part in enumerate(placed) if part is None]
        for i in missing:
            _check_silent_seam(track, parts[i], fmt)

        def run_work(indices: list[int]) -> None:
            chosen = [parts[i] for i in indices]
            started = time.perf_counter()
            done = _encode_run(track, gain, chosen, fmt, folder)
            if trace:
                seconds = sum(p.stop - p.start for p in chosen) / fmt.input_rate
                trace(f"encode {len(chosen)} parts, {seconds:.0f} s", started, time.perf_counter())
            for i, (file, peak_db) in zip(indices, done, strict=True):
                data = file.read_bytes()
                placed[i] = _place(file, data, peak_db, parts[i], fmt)
                if store is not None:
                    store.put(keys[i], EncodedPart(data, peak_db).pack())

        if missing:
            runs = _runs(parts, missing)
            with ThreadPoolExecutor(min(workers, len(runs))) as pool:
                futures = [pool.submit(run_work, run) for run in runs]
                try:
                    for future in futures:
                        future.result()
                except BaseException:
                    # Interrupted, or one run failed: the others stop now, not when done.
                    for future in futures:
                        future.cancel()
                    stop_running()
                    raise
        started = time.perf_counter()
        last = parts[-1]
        last_samples = fmt.output_samples(last.input_stop(fmt) - last.start)
        done_parts = [part for part in placed if part is not None]
        _join(done_parts, path, fmt, last_samples)
        if trace:
            trace("join parts", started, time.perf_counter())
    return max(part.peak_db for part in done_parts), reused


@dataclass(frozen=True)
class _Placed:
    """An encoded part in its file, and what the join needs of it."""

    file: Path
    info: bytes
    offsets: np.ndarray  # of every audio frame, within its audio
    audio_bytes: int
    peak_db: float


def _place(file: Path, data: bytes, peak_db: float, part: Part, fmt: Format) -> _Placed:
    """A part must make exactly the frames its place in the episode holds."""
    stream = mp3.split(data)
    wanted = part.frames(fmt)
    if wanted is not None and stream.frames != wanted:
        raise EncodingError(f"an encoded part made {stream.frames} frames, not {wanted}")
    offsets = np.array(stream.offsets, dtype=np.int64)
    return _Placed(file, stream.info, offsets, len(stream.audio), peak_db)


def _check_silent_seam(track: np.ndarray | Samples, part: Part, fmt: Format) -> None:
    """What a part leaves out before its seam must be silence, or the join would lose it."""
    if not part.last and read(track, part.input_stop(fmt), part.stop).any():
        raise EncodingError("a part's seam is not in a pause")


def _join(placed: Sequence[_Placed], path: Path, fmt: Format, last_samples: int) -> None:
    tags = [mp3.read_tag(part.info) for part in placed]
    offsets: list[int] = []
    crc = 0
    audio_bytes = 0
    for part, tag in zip(placed, tags, strict=True):
        offsets.extend((part.offsets + audio_bytes).tolist())
        crc = mp3.crc16_combine(crc, tag.music_crc, part.audio_bytes)
        audio_bytes += part.audio_bytes
    # The last part's true padding (ffmpeg's own figure is capped, see mp3.with_padding).
    padding = placed[-1].offsets.size * fmt.frame - last_samples - tags[-1].delay
    info = mp3.info_frame(
        placed[0].info,
        frames=len(offsets),
        audio_bytes=audio_bytes,
        offsets=offsets,
        delay=tags[0].delay,
        padding=padding,
        music_crc=crc,
    )
    with open(path, "wb") as out:
        out.write(info)
        for part in placed:
            with open(part.file, "rb") as source:
                source.seek(len(part.info))
                shutil.copyfileobj(source, out, 1 << 20)


def coded_measurement(
    energies: np.ndarray, gain: GainCurve, peak_db: float, rate: int, fmt: Format
) -> Measurement:
    """The encoded file's integrated loudness and true peak: the loudness of the samples it
    was encoded from (their K-weighted energies at unity, ``k_energies``, at the track's
    ``rate``, with the gain applied) less what MP3 coding takes off (loudness.codec_loss_lu,
    measured), and its true peak (``encode_parts``). Rounded to one decimal, as ffmpeg's
    ebur128 prints them; the tests check them against ebur128 decoding the finished file."""
    lufs = loudness_of_blocks(energies, gain.gains, rate, gain.block)
    return Measurement(round(lufs - codec_loss_lu(fmt.sample_rate), 1), round(peak_db, 1))


def k_energies(
    track: np.ndarray | Samples,
    rate: int,
    block: int,
    cuts: Sequence[int] = (),
    jobs: int | None = None,
) -> np.ndarray:
    """The K-weighted sum of squares of every ``block`` samples of the 16-bit track at unity
    gain (the gain search's input), filtered by ffmpeg, streamed both ways.

    With ``cuts`` (samples, multiples of ``block``, each in the silence of a pause: the
    track's seams), the track is filtered in ``jobs`` spans side by side, cut at the seams
    nearest equal shares. The filter rings on for a few milliseconds after speech and a seam
    lies at least 55 ms after it, so what a span leaves out is below anything BS.1770 counts.
    """
    count = -(-track.size // block)
    energies = np.zeros(count, dtype=np.float32)
    workers = max(1, jobs or os.cpu_count() or 1)
    usable = sorted(c for c in set(cuts) if 0 < c < track.size and c % block == 0)
    bounds = [0]
    for share in range(1, workers):
        if usable:
            nearest = min(usable, key=lambda c: abs(c - track.size * share // workers))
            if nearest > bounds[-1]:
                bounds.append(nearest)
    bounds.append(track.size)
    _side_by_side(
        lambda lo, hi: _k_energies_span(track, rate, block, lo, hi, energies),
        list(itertools.pairwise(bounds)),
        workers,
    )
    return energies


def _side_by_side(
    work: Callable[[int, int], None], spans: Sequence[tuple[int, int]], workers: int
) -> None:
    """``work(start, stop)`` for every span, in up to ``workers`` threads at once (each
    span's work is mostly an ffmpeg of its own)."""
    if len(spans) <= 1 or workers == 1:
        for lo, hi in spans:
            work(lo, hi)
        return
    with ThreadPoolExecutor(min(workers, len(spans))) as pool:
        futures = [pool.submit(work, lo, hi) for lo, hi in spans]
        for future in futures:
            future.result()


@dataclass(frozen=True)
class PartFigures:
    """What the gain search needs of the track, found a part at a time (``part_figures``)."""

    energies: np.ndarray  # K-weighted sum of squares of every block, at unity (k_energies)
    peaks: np.ndarray  # the peak of every block (loudness.block_peaks)
    reused: int  # parts whose figures came from the store


def part_figures(
    track: np.ndarray | Samples,
    rate: int,
    block: int,
    parts: Sequence[Part],
    *,
    digests: Sequence[bytes] | None = None,
    store: PartStore | None = None,
    jobs: int | None = None,
) -> PartFigures:
    """``k_energies`` and ``block_peaks`` of the track, a part at a time: a part ``store``
    holds (keyed by its samples, ``digests``) is not read again, the others are (filtered in
    runs side by side) and kept.

    A part starts at a seam, in the silence of a pause, so its energies do not depend on
    what comes before it (``k_energies``: the filter's ringing has died down there); an edit
    elsewhere leaves them as they were, as it leaves the part's encoding."""
    count = -(-track.size // block)
    energies = np.zeros(count, dtype=np.float32)
    peaks = np.zeros(count, dtype=np.float32)
    keys = [
        "figures1-" + hashlib.sha256(digests[i] + struct.pack("<QQ", rate, block)).hexdigest()
        if store is not None and digests is not None
        else ""
        for i in range(len(parts))
    ]
    missing = []
    for i, part in enumerate(parts):
        first, last = _blocks(part, block)
        blob = store.get(keys[i]) if keys[i] and store is not None else None
        if blob is not None and len(blob) == 8 * (last - first):
            found = np.frombuffer(blob, dtype="<f4")
            energies[first:last], peaks[first:last] = found[: last - first], found[last - first :]
        else:
            missing.append(i)
    # Runs of neighbouring parts, the longest cut at a part's start into ``jobs`` shares.
    runs: list[list[int]] = []
    for i in missing:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    workers = max(1, jobs or os.cpu_count() or 1)
    while len(runs) < workers:
        longest = max(runs, key=lambda run: parts[run[-1]].stop - parts[run[0]].start, default=[])
        if len(longest) < 2:
            break
        size = parts[longest[-1]].stop - parts[longest[0]].start
        middle = parts[longest[0]].start + size // 2
        cut = min(range(1, len(longest)), key=lambda k: abs(parts[longest[k]].start - middle))
        at = runs.index(longest)
        runs[at : at + 1] = [longest[:cut], longest[cut:]]

    def read_span(lo: int, hi: int) -> None:
        block_peaks(track, block, lo, hi, peaks)
        _k_energies_span(track, rate, block, lo, hi, energies)

    spans = [(parts[run[0]].start, parts[run[-1]].stop) for run in runs]
    _side_by_side(read_span, spans, workers)
    if store is not None:
        for i in missing:
            if keys[i]:
                first, last = _blocks(parts[i], block)
                found = np.concatenate((energies[first:last], peaks[first:last]))
                store.put(keys[i], found.astype("<f4").tobytes())
    return PartFigures(energies, peaks, len(parts) - len(missing))


def _blocks(part: Part, block: int) -> tuple[int, int]:
    """The blocks a part's samples fill: first, and one past the last."""
    return part.start // block, -(-part.stop // block)


def _k_energies_span(
    track: np.ndarray | Samples, rate: int, block: int, start: int, stop: int, out: np.ndarray
) -> None:
    done = start // block
    # What did not fill a block yet (floats), and of a float (bytes), from the last piece.
    carry = np.zeros(0, dtype=np.float32)
    partial = b""

    def consume(piece: bytes) -> None:
        nonlocal done, carry, partial
        if partial:
            piece, partial = partial + piece, b""
        whole = len(piece) // 4 * 4
        partial = piece[whole:]
        values = np.frombuffer(piece, dtype="<f4", count=whole // 4)
        if carry.size:
            values = np.concatenate((carry, values))
        usable = values.size // block * block
        rows = values[:usable].reshape(-1, block)
        sums = np.einsum("ij,ij->i", rows, rows)
        out[done : done + sums.size] = sums
        done += sums.size
        carry = values[usable:].copy()

    step = 10 * rate
    filter_ffmpeg(
        [
            *("-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"),
            # Frames of a few seconds: ffmpeg's own cost per frame of 1024 samples was as
            # much again as the filtering (measured).
            *("-af", f"asetnsamples=n=65536:p=0,{k_weighting_filter(rate)}"),
            *("-f", "f32le", "-"),
        ],
        (
            np.ascontiguousarray(read(track, first, min(stop, first + step)), dtype="<i2").tobytes()
            for first in range(start, stop, step)
        ),
        consume,
        doing="measure the track's loudness",
    )
    if carry.size:
        values = carry.astype(np.float64)
        out[done] = float((values * values).sum())
