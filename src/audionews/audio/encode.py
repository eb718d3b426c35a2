"""Float samples -> MP3 through LAME in this process (lameenc), resampled once (soxr), at the end.

An episode is encoded in parts, side by side on every core (threads: the encoder and the
resampler let go of Python's lock), and joined into one gapless CBR MP3 that decodes as a
one-piece encode of the same track would (``encode_parts``):

- LAME starts every stream with 576 samples of delay (plus the decoder's 529) and ends it with
  padding: measured here, N samples make ceil((N + 1152) / frame) frames (1152 samples a frame
  at 32 kHz and up, 576 below), so a part given exactly 1152 fewer samples than its frames
  hold ends on a frame boundary with 576 samples of padding. Parts start on frame boundaries
  of the whole file (``Format.grid``), the part before each seam stops 1152 output samples
  short, and that stretch lies in a pause between segments (assemble.py puts seams there):
  the decoder's delay and the padding fall on silence, and every part's audio lands on the
  very sample a one-piece encode puts it, on the same frame grid.
- Each part's first frame is an Info frame we write (``write_mp3``, mp3.info_template); the
  joined file has one, carrying the whole stream's frame count, byte count, seek table, delay
  and last padding, music length and CRC (``mp3.info_frame``), so players get the exact
  duration and gapless trimming.
- The file is not decoded to be measured: its integrated loudness is that of the samples it
  was encoded from (the gain search's K-weighted energies with the final gain) and its true
  peak the largest part's input peak, each less what MP3 coding takes off, measured once
  against ffmpeg's decode and ebur128 (loudness.CODEC_LOSS_LU: within 0.01 LU and 0.03 dB in
  18 builds at 44.1 and 48 kHz). At 22.05 kHz, where coding moves the peak by 0.2 to 0.6 dB,
  the parts are decoded for their true peak. The tests check the tags against ebur128 on the
  finished file.
- The K-weighted energies are computed here too (``k_energies``: the filter's impulse response
  applied by FFT), in spans side by side; no program is started for loudness or encoding.
- Parts wait in files of a private folder until they are joined.
- A part whose samples, gain and format were encoded before is taken from the cache: after a
  one-sentence edit only the part that holds it is encoded again.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import os
import re
import shutil
import struct
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import lameenc
import numpy as np
import soxr

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
    k_weighting,
    loudness_of_blocks,
    peak_dbfs,
    read,
    true_peak,
)
from audionews.errors import EncodingError
from audionews.files import temporary_folder
from audionews.tools import run_ffmpeg

# LAME's quality 7: half the encoding time of its default, for no difference a listener hears
# in speech at these bit rates.
LAME_QUALITY = 7
# The encoder as its Info frames name it: lameenc runs LAME 3.100 in this process.
ENCODER = b"LAME3.100"
# LAME's encoder delay in output samples (lame_get_encoder_delay), at every rate.
ENCODER_DELAY = 576
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
    write_mp3(slices, input_rate, path, sample_rate, bitrate_kbps)


def write_mp3(
    slices: Iterable[np.ndarray], input_rate: int, path: Path, sample_rate: int, bitrate_kbps: int
) -> tuple[int, np.ndarray]:
    """LAME in this process (lameenc), fed ``slices`` of float samples at ``input_rate``:
    resampled once to ``sample_rate`` (soxr, streamed, at its high quality, as ffmpeg's
    ``aresample=resampler=soxr`` does), rounded to 16 bits, encoded, and written to ``path``
    after an Info frame that carries the stream's figures: frames, bytes, seek table, LAME's
    delay and the padding that ends the stream, the music's length and CRC. Returns where the
    frames are, as they were written: the Info frame's length and every audio frame's offset
    after it.

    Both the encoder and the resampler let go of Python's lock while they work: parts
    encoded on threads use every core, with no process to start (an ffmpeg costs 0.1 s of
    CPU here before its first sample)."""
    try:
        return _write_mp3(slices, input_rate, path, sample_rate, bitrate_kbps)
    except BaseException as exc:
        path.unlink(missing_ok=True)  # never a file without its figures
        if isinstance(exc, RuntimeError):  # what lameenc raises when LAME refuses
            raise EncodingError(f"LAME could not encode {path.name}: {exc}") from None
        raise


def _write_mp3(
    slices: Iterable[np.ndarray], input_rate: int, path: Path, sample_rate: int, bitrate_kbps: int
) -> tuple[int, np.ndarray]:
    template = mp3.info_template(sample_rate, bitrate_kbps, ENCODER)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_out_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    resampler = (
        soxr.ResampleStream(input_rate, sample_rate, 1, dtype="float32", quality="HQ")
        if input_rate != sample_rate
        else None
    )
    count = crc = audio_bytes = 0
    offsets: list[int] = []
    pending = bytearray()
    with open(path, "wb") as out:
        out.write(template)  # its place: written again with the figures at the end

        def put(floats: np.ndarray | None) -> None:
            nonlocal count, crc, audio_bytes
            if floats is None:
                # LAME flushes only a stream it was given samples for, however few.
                pending.extend(encoder.encode(b""))
                pending.extend(encoder.flush())
            elif floats.size:
                count += floats.size
                pending.extend(encoder.encode(_pcm16(floats)))
            found, end = mp3.whole_frames(pending)
            if not found:
                return
            whole = bytes(pending[:end])
            del pending[:end]
            offsets.extend(offset + audio_bytes for offset in found)
            crc = mp3.music_crc(whole, crc)
            audio_bytes += len(whole)
            out.write(whole)

        for floats in slices:
            floats = np.ascontiguousarray(floats, dtype=np.float32)
            put(resampler.resample_chunk(floats) if resampler else floats)
        if resampler:
            put(resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True))
        put(None)
        if pending:
            raise EncodingError("LAME ended its stream inside a frame")
        padding = len(offsets) * frame_samples(sample_rate) - count - ENCODER_DELAY
        out.seek(0)
        out.write(
            mp3.info_frame(
                template,
                frames=len(offsets),
                audio_bytes=audio_bytes,
                offsets=offsets,
                delay=ENCODER_DELAY,
                padding=padding,
                music_crc=crc,
            )
        )
    return len(template), np.array(offsets, dtype=np.int64)


def _pcm16(floats: np.ndarray) -> bytes:
    """Float samples as LAME takes them: 16-bit, rounded, clipped (as ffmpeg converts)."""
    scaled = np.rint(np.asarray(floats, dtype=np.float32) * 32768.0)
    pcm: np.ndarray = np.clip(scaled, -32768, 32767).astype("<i2")
    return pcm.tobytes()


def frame_samples(sample_rate: int) -> int:
    return 1152 if sample_rate >= 32000 else 576


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
    """A part as written (its Info frame, then its frames), its true peak in dBTP as decoded
    (``part_peaks``), and where its frames are: the Info frame's length and every audio
    frame's offset after it (kept with it, so that a cached part is not walked a frame at a
    time again: a 70-minute episode's parts hold 160,000 frames)."""

    data: bytes
    peak_db: float
    info_bytes: int
    offsets: np.ndarray

    MAGIC = b"ANPART3"
    HEAD = struct.Struct("<dII")

    def pack(self) -> bytes:
        head = self.HEAD.pack(self.peak_db, self.info_bytes, self.offsets.size)
        return self.MAGIC + head + self.offsets.astype("<u4").tobytes() + self.data

    @classmethod
    def unpack(cls, blob: bytes) -> EncodedPart:
        if not blob.startswith(cls.MAGIC):
            raise ValueError("not an encoded part")
        at = len(cls.MAGIC)
        peak, info_bytes, count = cls.HEAD.unpack_from(blob, at)
        at += cls.HEAD.size
        offsets = np.frombuffer(blob, dtype="<u4", count=count, offset=at).astype(np.int64)
        return cls(blob[at + 4 * count :], peak, info_bytes, offsets)


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
    digest.update(repr((__version__, fmt, ENCODER, LAME_QUALITY, part.last)).encode())
    stop = part.input_stop(fmt)
    digest.update(struct.pack("<Q", stop - part.start))
    digest.update(samples if samples is not None else sample_digest(track, part))
    first, last = part.start // gain.block, -(-stop // gain.block) + 1
    digest.update(np.ascontiguousarray(gain.gains[max(0, first - 1) : last]).tobytes())
    return "part4-" + digest.hexdigest()


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


def _encode_part(
    track: np.ndarray | Samples,
    gain: GainCurve,
    part: Part,
    fmt: Format,
    file: Path,
    stopped: threading.Event,
) -> tuple[float, tuple[int, np.ndarray]]:
    """Encode ``part`` into ``file`` and return the true peak (linear) of its samples as they
    are sent, for ``part_peaks``, and where its frames are (``write_mp3``)."""
    stop = part.input_stop(fmt)
    peak = 0.0

    def samples() -> Iterable[np.ndarray]:
        # A slice at a time (a part may hold minutes of one utterance), each slice's true
        # peak measured with its neighbours' samples around it: exactly the part's peak.
        nonlocal peak
        before = np.zeros(0, dtype=np.float32)
        for first in range(part.start, stop, SLICE_SAMPLES):
            if stopped.is_set():
                raise EncodingError("encoding was stopped")
            last = min(stop, first + SLICE_SAMPLES)
            floats = gain.slice(track, first, last)
            after = gain.slice(track, last, min(stop, last + PEAK_CONTEXT))
            peak = true_peak(floats, before, after, peak)
            before = floats[-PEAK_CONTEXT:]
            yield floats

    frames = write_mp3(samples(), fmt.input_rate, file, fmt.sample_rate, fmt.bitrate_kbps)
    return peak, frames


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


# Samples sent to the encoder at a time.
SLICE_SAMPLES = 1 << 18


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
    """Encode ``parts`` of the track side by side (``jobs`` threads, each taking the longest
    part left), join them into one MP3 at ``path`` and return its true peak (dBTP, see
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
                    placed[i] = _place(file, cached, parts[i], fmt)
                    file.write_bytes(cached.data)
                except (EncodingError, ValueError, struct.error):
                    placed[i] = None  # a stale or damaged entry: encoded again
        reused = sum(part is not None for part in placed)
        missing = [i for i, part in enumerate(placed) if part is None]
        for i in missing:
            _check_silent_seam(track, parts[i], fmt)
        files = {i: folder / f"part-{parts[i].start}.mp3" for i in missing}
        stopped = threading.Event()

        def work(i: int) -> tuple[float, tuple[int, np.ndarray]]:
            started = time.perf_counter()
            done = _encode_part(track, gain, parts[i], fmt, files[i], stopped)
            if trace:
                seconds = (parts[i].stop - parts[i].start) / fmt.input_rate
                trace(f"encode part {i + 1}, {seconds:.0f} s", started, time.perf_counter())
            return done

        if missing:
            # The longest first, so that the last to finish is a short one.
            order = sorted(missing, key=lambda i: parts[i].start - parts[i].stop)
            with ThreadPoolExecutor(min(workers, len(order))) as pool:
                futures = {i: pool.submit(work, i) for i in order}
                try:
                    # The first failure is raised as it happens, before waiting on others.
                    wait(futures.values(), return_when=FIRST_EXCEPTION)
                    for future in futures.values():
                        if future.done() and future.exception() is not None:
                            future.result()
                    encoded = [futures[i].result() for i in missing]
                except BaseException:
                    # Interrupted, or one part failed: the others stop now, not when done.
                    stopped.set()
                    for future in futures.values():
                        future.cancel()
                    raise
            input_peaks = [peak for peak, _ in encoded]
            peaks = part_peaks(input_peaks, [files[i] for i in missing], fmt)
            for i, peak_db, (_, (info_bytes, offsets)) in zip(missing, peaks, encoded, strict=True):
                fresh = EncodedPart(files[i].read_bytes(), peak_db, info_bytes, offsets)
                placed[i] = _place(files[i], fresh, parts[i], fmt)
                if store is not None:
                    store.put(keys[i], fresh.pack())
        started = time.perf_counter()
        done_parts = [part for part in placed if part is not None]
        _join(done_parts, path)
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


def _place(file: Path, encoded: EncodedPart, part: Part, fmt: Format) -> _Placed:
    """A part, placed by the frame offsets it came with (from the encoder, or kept in the
    cache), checked where they say the frames are: the first and last frame headers, and the
    last frame ending the data; and it must make exactly the frames its place holds."""
    data, offsets = encoded.data, encoded.offsets
    audio = len(data) - encoded.info_bytes
    info = data[: encoded.info_bytes]
    first = encoded.info_bytes + int(offsets[0]) if offsets.size else len(data)
    last = encoded.info_bytes + int(offsets[-1]) if offsets.size else len(data)
    if (
        first != encoded.info_bytes
        or mp3.read_tag(info).size != len(data)
        or mp3.frame_length(data[first : first + 4]) == 0
        or last + mp3.frame_length(data[last : last + 4]) != len(data)
    ):
        raise EncodingError("an encoded part does not match its frames")
    placed = _Placed(file, info, offsets, audio, encoded.peak_db)
    wanted = part.frames(fmt)
    if wanted is not None and placed.offsets.size != wanted:
        raise EncodingError(f"an encoded part made {placed.offsets.size} frames, not {wanted}")
    return placed


def _check_silent_seam(track: np.ndarray | Samples, part: Part, fmt: Format) -> None:
    """What a part leaves out before its seam must be silence, or the join would lose it."""
    if not part.last and read(track, part.input_stop(fmt), part.stop).any():
        raise EncodingError("a part's seam is not in a pause")


def _join(placed: Sequence[_Placed], path: Path) -> None:
    tags = [mp3.read_tag(part.info) for part in placed]
    offsets: list[int] = []
    crc = 0
    audio_bytes = 0
    for part, tag in zip(placed, tags, strict=True):
        offsets.extend((part.offsets + audio_bytes).tolist())
        crc = mp3.crc16_combine(crc, tag.music_crc, part.audio_bytes)
        audio_bytes += part.audio_bytes
    info = mp3.info_frame(
        placed[0].info,
        frames=len(offsets),
        audio_bytes=audio_bytes,
        offsets=offsets,
        delay=tags[0].delay,
        # The last part's own: what its frames hold beyond the samples it was given (their
        # count as the resampler made it) and the delay.
        padding=tags[-1].padding,
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
    gain (the gain search's input), K-weighted here (``_k_energies_span``).

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
    span's work is mostly numpy's FFTs, done without Python's lock)."""
    if len(spans) <= 1 or workers == 1:
        for lo, hi in spans:
            work(lo, hi)
        return
    with ThreadPoolExecutor(min(workers, len(spans))) as pool:
        futures = [pool.submit(work, lo, hi) for lo, hi in spans]
        try:
            for future in futures:
                future.result()
        except BaseException:
            for future in futures:  # interrupted, or one span failed: none starts now
                future.cancel()
            raise


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
    """The K-weighted energies of the blocks from ``start`` (a multiple of ``block``) to
    ``stop``, the filter starting at rest there, into ``out``: the samples (as floats, 16-bit
    full scale 1) convolved with the filter's impulse response, a piece at a time by FFT
    (overlap-save), each piece whole blocks long. numpy lets go of Python's lock in its FFTs,
    so spans side by side use every core."""
    response, length, size = _k_response(rate, block)
    hop = (size - length + 1) // block * block
    history = np.zeros(length - 1)
    done = start // block
    for first in range(start, stop, hop):
        piece = read(track, first, min(stop, first + hop)).astype(np.float64) / 32768.0
        run = np.concatenate((history, piece))
        filtered = np.fft.irfft(np.fft.rfft(run, size) * response, size)[length - 1 : run.size]
        history = run[-(length - 1) :]
        whole = filtered.size // block * block
        rows = filtered[:whole].reshape(-1, block)
        out[done : done + rows.shape[0]] = np.einsum("ij,ij->i", rows, rows)
        done += rows.shape[0]
        if whole < filtered.size:  # the span's last samples, less than a block
            rest = filtered[whole:]
            out[done] = float(rest @ rest)


@functools.cache
def _k_response(rate: int, block: int) -> tuple[np.ndarray, int, int]:
    """The K-weighting filter at ``rate`` for ``_k_energies_span``: the spectrum of its
    impulse response over FFTs of ``size`` samples, and the response's ``length``.

    The response is the two biquads (loudness.k_weighting) run on an impulse in double
    precision, cut after ``length`` samples, a power of two of at least 0.1 s: the high
    pass's double pole at 38 Hz has taken it below 10^-18 of its energy by then (at 22.05
    kHz, 1e-39 is left after 4,096 samples), so the convolution is the recursive filter to
    float precision (the tests check it against scipy's recursive filter)."""
    length = 1 << math.ceil(math.log2(rate / 10))
    response = np.zeros(length)
    response[0] = 1.0
    for (b0, b1, b2), (_, a1, a2) in k_weighting(rate):
        x1 = x2 = y1 = y2 = 0.0
        for n, x in enumerate(response.tolist()):
            y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            response[n] = y
            x2, x1, y2, y1 = x1, x, y1, y
    size = 8 * length  # pieces of 7/8 new samples each; at least a block's worth
    while size - length + 1 < block:
        size *= 2
    return np.fft.rfft(response, size), length, size
