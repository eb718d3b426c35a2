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
- Each part is decoded (ffmpeg's own decoder, gapless) and measured as it is done: the
  K-weighted energy of every few samples on the file's own grid, and the true peak.
  Integrated loudness of the file is BS.1770's gating over the joined energies and the true
  peak is the largest part's, so the tags carry the figures of the file itself without
  decoding it again. The tests check them against ffmpeg's ebur128 on the finished file.
- A part whose samples, gain and format were encoded before is taken from the cache: after a
  one-sentence edit only the part that holds it is encoded again.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import struct
import tempfile
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
    GainCurve,
    Samples,
    gated_loudness,
    k_weighting_filter,
    peak_dbfs,
    read,
    true_peak,
)
from audionews.errors import EncodingError
from audionews.tools import filter_ffmpeg, run_ffmpeg, stream_ffmpeg

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
        (np.ascontiguousarray(part, dtype="<f4").tobytes() for part in slices),
    )


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
        return 1152 if self.sample_rate >= 32000 else 576

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

    @property
    def measure_block(self) -> int:
        """Output samples per energy value: divides both a frame and 100 ms."""
        return math.gcd(self.frame, max(1, round(self.sample_rate / 10)))


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
    """A part as ffmpeg wrote it (its Info frame, then its frames) and its measurement:
    K-weighted sum of squares per ``Format.measure_block`` output samples, true peak."""

    data: bytes
    energies: np.ndarray
    peak: float

    def pack(self) -> bytes:
        return (
            struct.pack("<Id", len(self.data), self.peak)
            + self.data
            + self.energies.astype("<f8").tobytes()
        )

    @classmethod
    def unpack(cls, blob: bytes) -> EncodedPart:
        length, peak = struct.unpack_from("<Id", blob)
        head = struct.calcsize("<Id")
        data = blob[head : head + length]
        energies = np.frombuffer(blob[head + length :], dtype="<f8")
        return cls(data, energies, peak)


class PartStore(Protocol):
    """Where encoded parts are kept between builds (the segment cache)."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, audio: bytes) -> None: ...


Trace = Callable[[str, float, float], None]
"""Called as trace(what, started, ended) with perf_counter times, from any thread."""


def part_key(track: np.ndarray | Samples, gain: GainCurve, part: Part, fmt: Format) -> str:
    """What decides a part's encoded bytes: its samples, their gain, the format, our version."""
    digest = hashlib.sha256()
    digest.update(repr((__version__, fmt, COMPRESSION_LEVEL, part.last)).encode())
    stop = part.input_stop(fmt)
    digest.update(struct.pack("<QQ", stop - part.start, part.stop - part.start))
    digest.update(np.ascontiguousarray(read(track, part.start, stop)).tobytes())
    first, last = part.start // gain.block, -(-stop // gain.block) + 1
    digest.update(np.ascontiguousarray(gain.gains[max(0, first - 1) : last]).tobytes())
    return "part-" + digest.hexdigest()


def _encode_part(
    track: np.ndarray | Samples, gain: GainCurve, part: Part, fmt: Format, folder: str
) -> bytes:
    stop = part.input_stop(fmt)
    path = Path(folder) / f"part-{part.start}.mp3"
    slices = gain.slices(track, fmt.input_rate, part.start, stop)
    stream_ffmpeg(
        [
            "-f",
            "f32le",
            "-ar",
            str(fmt.input_rate),
            "-ac",
            "1",
            "-i",
            "pipe:0",
            "-af",
            f"aresample={fmt.sample_rate}:resampler=soxr",
            "-ar",
            str(fmt.sample_rate),
            "-ac",
            "1",
            "-codec:a",
            "libmp3lame",
            "-b:a",
            f"{fmt.bitrate_kbps}k",
            "-compression_level",
            COMPRESSION_LEVEL,
            *mp3_output(path),
        ],
        (np.ascontiguousarray(piece, dtype="<f4").tobytes() for piece in slices),
    )
    data = path.read_bytes()
    path.unlink()
    return data


def _measure_part(data: bytes, part: Part, fmt: Format, folder: str) -> EncodedPart:
    """Decode the part as a gapless decoder does and measure it on the file's own grid."""
    path = Path(folder) / f"measure-{part.start}.mp3"
    path.write_bytes(data)
    graph = (
        "[0:a]aformat=sample_fmts=dbl:channel_layouts=mono,asplit=2[raw][k];"
        f"[k]{k_weighting_filter(fmt.sample_rate)}[weighted];"
        "[raw]aformat=sample_fmts=flt[a];[weighted]aformat=sample_fmts=flt[b];"
        "[a][b]join=inputs=2:channel_layout=stereo"
    )
    decoded = path.with_suffix(".f32")
    try:
        # Through a file, not a pipe: numpy reads it in one call.
        run_ffmpeg(
            ["-i", str(path), "-filter_complex", graph, "-f", "f32le", "-y", str(decoded)],
            doing="decode an encoded part",
        )
        pairs = np.fromfile(decoded, dtype="<f4").reshape(-1, 2)
    finally:
        path.unlink(missing_ok=True)
        decoded.unlink(missing_ok=True)
    block = fmt.measure_block
    # The part spans whole frames of the file up to the next part's start; past its own
    # samples that is the silence of the seam.
    span = pairs.shape[0] if part.last else fmt.output_samples(part.stop - part.start)
    if pairs.shape[0] > span:
        raise EncodingError("an encoded part decoded longer than its place in the episode")
    weighted = np.zeros(-(-span // block) * block, dtype=np.float32)
    weighted[: pairs.shape[0]] = pairs[:, 1]
    rows = weighted.reshape(-1, block)
    energies = np.einsum("ij,ij->i", rows, rows).astype(np.float64)
    return EncodedPart(data, energies, true_peak(pairs[:, 0]))


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
) -> tuple[Measurement, int]:
    """Encode ``parts`` of the track side by side (``jobs`` at once), join them into one
    MP3 at ``path`` and return its measurement and how many parts came from ``store``."""
    workers = max(1, jobs or os.cpu_count() or 1)
    reused: list[int] = []  # list.append is atomic across threads

    def one(part: Part, folder: str) -> EncodedPart:
        started = time.perf_counter()
        key = part_key(track, gain, part, fmt) if store is not None else ""
        if store is not None and (blob := store.get(key)) is not None:
            try:
                cached = EncodedPart.unpack(blob)
                _check(cached, part, fmt)
                reused.append(part.start)
                if trace:
                    trace(f"part {part.start} (cached)", started, time.perf_counter())
                return cached
            except (EncodingError, ValueError, struct.error):
                pass  # a stale or damaged entry: encode it again
        _check_silent_seam(track, part, fmt)
        data = _encode_part(track, gain, part, fmt, folder)
        encoded_at = time.perf_counter()
        if trace:
            trace(f"encode part {part.start // fmt.input_rate}s", started, encoded_at)
        encoded = _measure_part(data, part, fmt, folder)
        _check(encoded, part, fmt)
        if trace:
            trace(f"measure part {part.start // fmt.input_rate}s", encoded_at, time.perf_counter())
        if store is not None:
            store.put(key, encoded.pack())
        return encoded

    # In memory where there is a tmpfs: the decoded parts are written and read once.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="audionews-parts-", dir=shm) as folder:
        # Longest first, so the cores finish together.
        order = sorted(range(len(parts)), key=lambda i: parts[i].start - parts[i].stop)
        with ThreadPoolExecutor(workers) as pool:
            futures = {i: pool.submit(one, parts[i], folder) for i in order}
            try:
                encoded = [futures[i].result() for i in range(len(parts))]
            except BaseException:
                for future in futures.values():
                    future.cancel()
                raise
    started = time.perf_counter()
    measurement = _join(encoded, path, fmt)
    if trace:
        trace("join parts", started, time.perf_counter())
    return measurement, len(reused)


def _check(encoded: EncodedPart, part: Part, fmt: Format) -> None:
    """A part must make exactly the frames its place in the episode holds."""
    wanted = part.frames(fmt)
    if wanted is not None and mp3.split(encoded.data).frames != wanted:
        raise EncodingError(
            f"an encoded part made {mp3.split(encoded.data).frames} frames, not {wanted}"
        )


def _check_silent_seam(track: np.ndarray | Samples, part: Part, fmt: Format) -> None:
    """What a part leaves out before its seam must be silence, or the join would lose it."""
    if not part.last and read(track, part.input_stop(fmt), part.stop).any():
        raise EncodingError("a part's seam is not in a pause")


def _join(encoded: Sequence[EncodedPart], path: Path, fmt: Format) -> Measurement:
    streams = [mp3.split(part.data) for part in encoded]
    tags = [mp3.read_tag(stream.info) for stream in streams]
    offsets: list[int] = []
    crc = 0
    audio_bytes = 0
    for stream, tag in zip(streams, tags, strict=True):
        offsets.extend(audio_bytes + offset for offset in stream.offsets)
        crc = mp3.crc16_combine(crc, tag.music_crc, len(stream.audio))
        audio_bytes += len(stream.audio)
    info = mp3.info_frame(
        streams[0].info,
        frames=len(offsets),
        audio_bytes=audio_bytes,
        offsets=offsets,
        delay=tags[0].delay,
        padding=tags[-1].padding,
        music_crc=crc,
    )
    with open(path, "wb") as out:
        out.write(info)
        for stream in streams:
            out.write(stream.audio)
    energies = np.concatenate([part.energies for part in encoded])
    per_window = max(1, round(fmt.sample_rate / 10) // fmt.measure_block)
    whole = energies.size // per_window * per_window
    squares = energies[:whole].reshape(-1, per_window).sum(axis=1) / (
        per_window * fmt.measure_block
    )
    peak = max(part.peak for part in encoded)
    return Measurement(round(gated_loudness(squares), 2), round(peak_dbfs(peak), 2))


def k_energies(track: np.ndarray | Samples, rate: int, block: int) -> np.ndarray:
    """The K-weighted sum of squares of every ``block`` samples of the 16-bit track at unity
    gain (the gain search's input), filtered by ffmpeg, streamed both ways."""
    count = -(-track.size // block)
    energies = np.zeros(count, dtype=np.float32)
    pending = bytearray()
    done = 0

    def consume(piece: bytes) -> None:
        nonlocal done, pending
        pending += piece
        usable = len(pending) // (4 * block) * (4 * block)
        if usable:
            rows = np.frombuffer(bytes(pending[:usable]), dtype="<f4").reshape(-1, block)
            sums = np.einsum("ij,ij->i", rows, rows)
            energies[done : done + sums.size] = sums
            done += sums.size
            del pending[:usable]

    step = 10 * rate
    filter_ffmpeg(
        [
            "-f",
            "s16le",
            "-ar",
            str(rate),
            "-ac",
            "1",
            "-i",
            "pipe:0",
            "-af",
            k_weighting_filter(rate),
            "-f",
            "f32le",
            "-",
        ],
        (
            np.ascontiguousarray(read(track, first, first + step), dtype="<i2").tobytes()
            for first in range(0, track.size, step)
        ),
        consume,
        doing="measure the track's loudness",
    )
    if pending:
        values = np.frombuffer(bytes(pending), dtype="<f4").astype(np.float64)
        energies[done] = float((values * values).sum())
    return energies
