"""Output presets: sample rate, bit rate and loudness target, as data.

A preset is chosen with ``--preset``; ``--bitrate``, ``--sample-rate`` and ``--loudness``
override its parts. Combinations the MP3 format cannot carry are refused before any work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from audionews.errors import OptionError


@dataclass(frozen=True)
class LoudnessTarget:
    """Integrated loudness in LUFS and the true-peak ceiling in dBTP."""

    lufs: float = -16.0
    true_peak: float = -1.0


@dataclass(frozen=True)
class Preset:
    """Everything about how an episode is encoded: mono, constant bit rate MP3."""

    name: str
    sample_rate: int
    bitrate_kbps: int
    loudness: LoudnessTarget
    description: str = ""


PRESETS = {
    "podcast": Preset(
        "podcast",
        44100,
        96,
        LoudnessTarget(-16.0, -1.0),
        "podcast apps: 44.1 kHz mono, 96 kbps, -16 LUFS, -1 dBTP",
    ),
    "broadcast": Preset(
        "broadcast",
        48000,
        128,
        LoudnessTarget(-23.0, -1.0),
        "EBU R128 broadcast: 48 kHz mono, 128 kbps, -23 LUFS, -1 dBTP",
    ),
    "compact": Preset(
        "compact",
        22050,
        48,
        LoudnessTarget(-16.0, -1.0),
        "low bandwidth: 22.05 kHz mono, 48 kbps, -16 LUFS, -1 dBTP",
    ),
}
DEFAULT_PRESET = "podcast"

# MP3 (MPEG-1, 2 and 2.5 Layer III): which bit rates go with which sample rates.
_MPEG1_RATES = {32000, 44100, 48000}
_MPEG2_RATES = {16000, 22050, 24000}
_MPEG25_RATES = {8000, 11025, 12000}
_MPEG1_BITRATES = {32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}
_MPEG2_BITRATES = {8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}


def resolve_preset(
    name: str = DEFAULT_PRESET,
    *,
    bitrate_kbps: int | None = None,
    sample_rate: int | None = None,
    loudness_lufs: float | None = None,
) -> Preset:
    """The named preset with any overrides, checked against what MP3 can carry."""
    try:
        preset = PRESETS[name]
    except KeyError:
        raise OptionError(f"unknown preset {name!r} (presets: {', '.join(PRESETS)})") from None
    if bitrate_kbps is not None:
        preset = replace(preset, bitrate_kbps=bitrate_kbps)
    if sample_rate is not None:
        preset = replace(preset, sample_rate=sample_rate)
    if loudness_lufs is not None:
        if not -40.0 <= loudness_lufs <= -5.0:
            raise OptionError(f"loudness {loudness_lufs} LUFS is outside -40 to -5")
        preset = replace(preset, loudness=replace(preset.loudness, lufs=loudness_lufs))
    check_mp3(preset.sample_rate, preset.bitrate_kbps)
    return preset


def check_mp3(sample_rate: int, bitrate_kbps: int) -> None:
    if sample_rate in _MPEG1_RATES:
        allowed = _MPEG1_BITRATES
    elif sample_rate in _MPEG2_RATES:
        allowed = _MPEG2_BITRATES
    elif sample_rate in _MPEG25_RATES:
        allowed = {b for b in _MPEG2_BITRATES if b <= 64}
    else:
        rates = sorted(_MPEG1_RATES | _MPEG2_RATES | _MPEG25_RATES)
        raise OptionError(
            f"MP3 cannot use a sample rate of {sample_rate} Hz "
            f"(possible: {', '.join(str(r) for r in rates)})"
        )
    if bitrate_kbps not in allowed:
        raise OptionError(
            f"MP3 at {sample_rate} Hz cannot use {bitrate_kbps} kbps "
            f"(possible: {', '.join(str(b) for b in sorted(allowed))})"
        )
