"""Float samples -> MP3 through ffmpeg's LAME encoder, resampled once, at the end.

The finished MP3 is measured by decoding it through ffmpeg's ebur128 filter (ITU-R BS.1770
integrated loudness and true peak): the figures in the tags are the file's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audionews.errors import EncodingError
from audionews.tools import run_ffmpeg, stream_ffmpeg


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
            # LAME's quality 7: half the encoding time of its default, for no difference a
            # listener hears in speech at these bit rates.
            "-compression_level",
            "7",
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
