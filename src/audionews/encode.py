"""PCM -> MP3 through ffmpeg's LAME encoder, resampled once, at the end."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audionews.tools import run_ffmpeg


@dataclass(frozen=True)
class Mp3Settings:
    """How the episode is encoded: mono, constant bit rate."""

    sample_rate: int = 44100  # Apple's minimum for podcasts
    bitrate_kbps: int = 96


def encode_mp3(pcm: bytes, input_rate: int, path: Path, settings: Mp3Settings) -> None:
    """Encode 16-bit mono PCM at ``input_rate`` into an MP3 file at ``path``.

    The file carries LAME's Info tag (encoder delay and padding), so decoders, ffprobe among
    them, report the exact duration.
    """
    run_ffmpeg(
        [
            "-f",
            "s16le",
            "-ar",
            str(input_rate),
            "-ac",
            "1",
            "-i",
            "pipe:0",
            "-ar",
            str(settings.sample_rate),
            "-ac",
            "1",
            "-codec:a",
            "libmp3lame",
            "-b:a",
            f"{settings.bitrate_kbps}k",
            "-map_metadata",
            "-1",
            "-id3v2_version",
            "0",
            "-write_id3v1",
            "0",
            "-f",
            "mp3",
            "-y",
            str(path),
        ],
        stdin=pcm,
    )
