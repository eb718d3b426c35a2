"""An episode encoded in parts side by side and joined (issue 17): it decodes as one piece
would, its Info frame tells players the exact length, and an edit encodes one part again."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.mp3 import MP3, BitrateMode, MPEGFrame
from mutagen.mp3._util import XingHeader

from audionews import pipeline
from audionews.audio import mp3
from audionews.audio.assemble import assemble
from audionews.audio.encode import (
    EncodedPart,
    Format,
    encode_mp3,
    encode_parts,
    k_energies,
    part_figures,
    part_key,
    plan_parts,
    sample_digest,
)
from audionews.audio.loudness import block_peaks, loudness_of_blocks, normalise, read, true_peak
from audionews.audio.speech import SAMPLE_RATE
from audionews.errors import EncodingError
from audionews.options import BuildOptions
from audionews.presets import LoudnessTarget
from conftest import HARBOUR, ToneEngine, decode, ffprobe


def encoded(article: Path, out: Path, preset: str = "podcast"):
    """The article spoken by the tone engine, assembled, normalised and encoded in parts."""
    options = BuildOptions(cache=False, preset=preset)
    prepared = pipeline.prepare(article, options, for_speech=False)
    fmt = Format(SAMPLE_RATE, prepared.preset.sample_rate, prepared.preset.bitrate_kbps)
    track = assemble(
        prepared.script, ToneEngine().synthesize(list(_utterances(prepared))), fmt.grid
    )
    block = pipeline.limiter_block(fmt)
    gain = normalise(
        block_peaks(track, block),
        k_energies(track, SAMPLE_RATE, block, track.seams, 2),
        SAMPLE_RATE,
        block,
        prepared.preset.loudness,
    )
    parts = plan_parts(track.seams, track.size, fmt)
    peak_db, _ = encode_parts(track, gain, parts, fmt, out, jobs=2)
    return track, gain, fmt, parts, peak_db


def _utterances(prepared: pipeline.Prepared):
    from audionews.audio.synth import Utterance

    for segment in prepared.script.segments:
        yield Utterance(segment.utterance, prepared.profile.voice_for(segment.role))


@pytest.mark.e2e
def test_joined_parts_decode_as_a_one_piece_encode(tmp_path: Path):
    joined = tmp_path / "joined.mp3"
    track, gain, fmt, parts, _ = encoded(HARBOUR, joined)
    assert len(parts) >= 4  # the harbour article's chapters, each a part
    whole = tmp_path / "whole.mp3"
    encode_mp3(gain.slices(track, SAMPLE_RATE), SAMPLE_RATE, whole, fmt.sample_rate, 96)
    ours, theirs = decode(joined), decode(whole)
    # Exactly as long (ffmpeg trims the delay and padding the joined Info frame gives: the
    # gapless length, to the sample), on the same sample grid, and different only by MP3
    # coding noise at the seams' frames.
    assert ours.size == theirs.size == fmt.output_samples(track.size)
    difference = np.sqrt(np.mean((ours - theirs) ** 2)) / np.sqrt(np.mean(theirs**2))
    assert 20 * np.log10(difference) < -30
    lag = int(np.argmax(np.correlate(ours[44100:88200], theirs[44100 - 50 : 88200 + 50])))
    assert lag == 50
    for seam in track.seams:  # the seams lie in silence, and stay silent
        at = fmt.output_samples(seam)
        assert np.abs(ours[at - 441 : at + 441]).max() < 1e-3


@pytest.mark.e2e
def test_an_edit_encodes_only_the_part_that_holds_it(tmp_path: Path):
    article = tmp_path / "harbour.txt"
    text = HARBOUR.read_text()
    options = BuildOptions(cache_folder=tmp_path / "cache")
    engine = ToneEngine()

    def build(edited: str) -> pipeline.Episode:
        article.write_text(edited)
        prepared = pipeline.prepare(article, options, for_speech=False)
        return pipeline.build(prepared, tmp_path / "out", engine=engine)

    first = build(text)
    assert first.parts >= 4 and first.parts_reused == 0
    # Each edit moves every later utterance and the track's loudness a little (the tones of
    # the test engine change with the text; here both edits move the exact gain across the
    # middle of two steps of the gain grid, so the earlier builds' step is the second choice):
    # yet every other part keeps its samples and gain, and is taken from the cache as it was
    # encoded.
    for old, new in [("in the rain.", "in the driving rain."), ("closed", "was closed")]:
        assert old in text
        text = text.replace(old, new, 1)
        episode = build(text)
        assert episode.parts_reused == episode.parts - 1
        assert abs(episode.measured.lufs - episode.preset.loudness.lufs) <= 0.3
        assert decode(episode.mp3).size == round(episode.track_duration_s * 44100)


@pytest.mark.e2e
def test_at_low_rates_the_true_peak_is_the_decoded_files(tmp_path: Path):
    # At 22.05 kHz MP3 coding moves the true peak too unevenly for an allowance: the parts
    # are decoded, and the figure is the file's own, as ffmpeg decodes it.
    joined = tmp_path / "compact.mp3"
    *_, peak_db = encoded(HARBOUR, joined, "compact")
    assert peak_db == pytest.approx(20 * np.log10(true_peak(decode(joined))), abs=1e-6)


class _DictStore(dict):
    """A part store in memory."""

    def put(self, key: str, audio: bytes) -> None:
        self[key] = audio


def _tone_track(text: str, tmp_path: Path):
    article = tmp_path / "article.txt"
    article.write_text(text)
    prepared = pipeline.prepare(article, BuildOptions(cache=False), for_speech=False)
    fmt = Format(SAMPLE_RATE, prepared.preset.sample_rate, prepared.preset.bitrate_kbps)
    track = assemble(
        prepared.script, ToneEngine().synthesize(list(_utterances(prepared))), fmt.grid
    )
    return track, fmt, plan_parts(track.seams, track.size, fmt), pipeline.limiter_block(fmt)


@pytest.mark.e2e
def test_loudness_figures_are_kept_per_part_and_an_edit_reads_only_its_part(tmp_path: Path):
    text = HARBOUR.read_text()
    track, _, parts, block = _tone_track(text, tmp_path)
    assert len(parts) >= 4
    whole = k_energies(track, SAMPLE_RATE, block, track.seams, 2)
    store = _DictStore()
    digests = [sample_digest(track, part) for part in parts]
    first = part_figures(track, SAMPLE_RATE, block, parts, digests=digests, store=store, jobs=2)
    assert first.reused == 0 and len(store) == len(parts)
    # Filtered a run of parts at a time, the figures are the whole track's: the filter's
    # ringing has died down in the silence each part starts with.
    assert loudness_of_blocks(first.energies, None, SAMPLE_RATE, block) == pytest.approx(
        loudness_of_blocks(whole, None, SAMPLE_RATE, block), abs=1e-3
    )
    assert np.allclose(first.energies, whole, rtol=1e-3, atol=1e-3 * float(whole.max()))
    assert np.array_equal(first.peaks, block_peaks(track, block))
    again = part_figures(track, SAMPLE_RATE, block, parts, digests=digests, store=store, jobs=2)
    assert again.reused == len(parts)
    assert np.array_equal(again.energies, first.energies)
    assert np.array_equal(again.peaks, first.peaks)
    # An edit: only the part that holds it is read again, and the figures are those of the
    # edited track.
    edited, _, parts, block = _tone_track(
        text.replace("in the rain.", "in the driving rain."), tmp_path
    )
    digests = [sample_digest(edited, part) for part in parts]
    figures = part_figures(edited, SAMPLE_RATE, block, parts, digests=digests, store=store, jobs=2)
    assert figures.reused == len(parts) - 1
    fresh = k_energies(edited, SAMPLE_RATE, block, edited.seams, 2)
    assert loudness_of_blocks(figures.energies, None, SAMPLE_RATE, block) == pytest.approx(
        loudness_of_blocks(fresh, None, SAMPLE_RATE, block), abs=1e-3
    )
    assert np.array_equal(figures.peaks, block_peaks(edited, block))


def _crc16_arc(data: bytes) -> int:
    """CRC-16/ARC by its definition, a bit at a time: the reference for the fast ones."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def test_the_reference_crc_is_crc16_arc():
    assert _crc16_arc(b"123456789") == 0xBB3D  # the catalogue's check value


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=5000), st.binary(max_size=700), st.integers(0, 0xFFFF))
def test_the_music_crc_is_crc16_arc_whatever_the_length(first: bytes, second: bytes, start: int):
    # Lanes side by side, folded, then the tail: any length, going on from any CRC.
    assert mp3.music_crc(first) == _crc16_arc(first)
    assert mp3.music_crc(second, mp3.music_crc(first)) == _crc16_arc(first + second)
    assert mp3.music_crc(first, start) == mp3.crc16(first, start)


@pytest.mark.e2e
@pytest.mark.parametrize(("rate", "kbps"), [(44100, 96), (48000, 128), (22050, 48), (32000, 32)])
def test_an_encoded_file_tells_its_exact_length_and_music_crc(tmp_path: Path, rate: int, kbps: int):
    # LAME runs in our process and we write the Info frame: read back by mutagen (which
    # also trims delay and padding) and by ffmpeg's decoder, it must say what the file holds.
    rng = np.random.default_rng(rate)
    count = 3 * SAMPLE_RATE + 1237
    t = np.arange(count) / SAMPLE_RATE
    samples = (0.4 * np.sin(2 * np.pi * 310 * t) * (np.sin(2 * np.pi * 2 * t) > 0)).astype(
        np.float32
    ) + rng.normal(0, 0.01, count).astype(np.float32)
    path = tmp_path / "episode.mp3"
    encode_mp3(samples, SAMPLE_RATE, path, rate, kbps)
    info = MP3(path).info
    assert (info.sample_rate, info.channels) == (rate, 1)
    assert abs(info.bitrate - kbps * 1000) < 100  # mutagen's figure: bytes over frames
    assert info.bitrate_mode == BitrateMode.CBR and info.encoder_info.startswith("LAME 3.100")
    decoded = decode(path)
    assert abs(decoded.size - count * rate / SAMPLE_RATE) <= 1
    assert round(info.length * rate) == decoded.size
    # The sound is the input's: a 310 Hz tone where it was put, silence where it was not.
    assert np.abs(decoded[: rate // 4]).max() > 0.3
    data = path.read_bytes()
    frame = MPEGFrame(io.BytesIO(data))
    # Where the music starts: ffprobe's first packet (the Info frame is not one).
    info_bytes = int(ffprobe(path, "-show_packets")["packets"][0]["pos"])
    handle = io.BytesIO(data)
    handle.seek(XingHeader.get_offset(frame))
    xing = XingHeader(handle)
    lame = xing.lame_header
    assert xing.bytes == lame.music_length == len(data)
    assert lame.encoder_delay_start == 576
    assert lame.music_crc == _crc16_arc(data[info_bytes:])
    # The tag's own CRC as LAME reckons it: every byte of the frame before it.
    lame_at = XingHeader.get_offset(frame) + 120
    assert lame.header_crc == _crc16_arc(data[: lame_at + 34])


@pytest.mark.parametrize(("rate", "kbps"), [(44100, 97), (44100, 8), (12345, 96)])
def test_a_stream_mp3_cannot_have_is_our_error(tmp_path: Path, rate: int, kbps: int):
    with pytest.raises(EncodingError, match=f"no {kbps} kbps stream at {rate} Hz"):
        encode_mp3(np.zeros(1000, dtype=np.float32), SAMPLE_RATE, tmp_path / "x.mp3", rate, kbps)


@pytest.mark.e2e
@pytest.mark.parametrize("rate", [11025, 24000])
def test_joined_parts_are_as_long_as_a_one_piece_encode_at_other_rates(tmp_path: Path, rate: int):
    # Where the resampler rounds a part's sample count its own way (a tie at 11.025 kHz from
    # an odd count; 24 kHz), the joined file ends with the last part's own padding: exactly as
    # long as the same samples encoded in one piece.
    prepared = pipeline.prepare(HARBOUR, BuildOptions(cache=False), for_speech=False)
    fmt = Format(SAMPLE_RATE, rate, 32)
    utterances = list(_utterances(prepared))
    track = assemble(prepared.script, ToneEngine().synthesize(utterances), fmt.grid)
    # One sample more of silence: an odd count, whatever the tones made.
    extra = 1 - track.size % 2
    samples = np.concatenate((read(track, 0, track.size), np.zeros(extra, dtype=np.int16)))
    assert samples.size % 2 == 1
    block = pipeline.limiter_block(fmt)
    energies = k_energies(samples, SAMPLE_RATE, block, track.seams, 2)
    target = prepared.preset.loudness
    gain = normalise(block_peaks(samples, block), energies, SAMPLE_RATE, block, target)
    parts = plan_parts(track.seams, samples.size, fmt)
    assert len(parts) >= 4
    joined, whole = tmp_path / "joined.mp3", tmp_path / "whole.mp3"
    encode_parts(samples, gain, parts, fmt, joined, jobs=2)
    encode_mp3(gain.slices(samples, SAMPLE_RATE), SAMPLE_RATE, whole, rate, 32)
    assert decode(joined).size == decode(whole).size
    assert MP3(joined).info.length == MP3(whole).info.length


def test_an_empty_or_a_float64_input_makes_a_whole_file(tmp_path: Path):
    empty = tmp_path / "empty.mp3"
    encode_mp3(np.zeros(0, dtype=np.float32), SAMPLE_RATE, empty, 44100, 96)
    assert MP3(empty).info.length == 0.0
    doubles = tmp_path / "doubles.mp3"
    encode_mp3(np.zeros(5000), SAMPLE_RATE, doubles, 44100, 96)  # resampled as float32
    assert round(MP3(doubles).info.length * 44100) == 10000


def test_a_part_that_fails_stops_the_others_at_once(tmp_path: Path, monkeypatch):
    # A three-minute part and a short one after a pause; the short one fails at once. The
    # failure is raised when it happens, not once the long part is done: the long part
    # stops at its next slice (counted here), and nothing is left behind.
    from audionews.audio import encode
    from audionews.audio.loudness import GainCurve

    fmt = Format(SAMPLE_RATE, 44100, 96)
    long_part = fmt.grid * (180 * SAMPLE_RATE // fmt.grid)
    rng = np.random.default_rng(5)
    track = np.zeros(long_part + fmt.grid * 4, dtype=np.int16)
    track[: long_part - SAMPLE_RATE] = rng.integers(-3000, 3000, long_part - SAMPLE_RATE)
    track[long_part + 100 : long_part + 2000] = 1000
    parts = plan_parts([long_part], track.size, fmt)
    assert len(parts) == 2
    gain = GainCurve(np.ones(-(-track.size // 21), dtype=np.float32), 21)
    slices = -(-(parts[0].input_stop(fmt) - parts[0].start) // encode.SLICE_SAMPLES)
    assert slices >= 10
    consumed = []
    real = encode.write_mp3

    def counted_or_failing(pieces, input_rate, path, sample_rate, bitrate_kbps):
        if path.name == f"part-{parts[1].start}.mp3":
            raise EncodingError("the short part failed")

        def counted():
            for piece in pieces:
                consumed.append(piece.size)
                yield piece

        real(counted(), input_rate, path, sample_rate, bitrate_kbps)

    monkeypatch.setattr(encode, "write_mp3", counted_or_failing)
    with pytest.raises(EncodingError, match="the short part failed"):
        encode_parts(track, gain, parts, fmt, tmp_path / "episode.mp3", jobs=2)
    assert len(consumed) < slices // 2
    assert not (tmp_path / "episode.mp3").exists()


@pytest.mark.e2e
def test_cached_parts_are_placed_by_their_kept_offsets_and_a_damaged_one_is_encoded_again(
    tmp_path: Path,
):
    text = HARBOUR.read_text()
    track, fmt, parts, block = _tone_track(text, tmp_path)
    energies = k_energies(track, SAMPLE_RATE, block, track.seams, 2)
    gain = normalise(block_peaks(track, block), energies, SAMPLE_RATE, block, LoudnessTarget())
    store = _DictStore()
    first, again, mended = (tmp_path / f"{name}.mp3" for name in ("first", "again", "mended"))
    assert encode_parts(track, gain, parts, fmt, first, jobs=2, store=store)[1] == 0
    # Every part from the store, placed by the offsets kept with it: the same file.
    assert encode_parts(track, gain, parts, fmt, again, jobs=2, store=store)[1] == len(parts)
    assert again.read_bytes() == first.read_bytes()
    # The last part's entry damaged (its offsets one frame short: no frame count to check
    # it against, only where its frames end): that part is encoded again, the others are
    # not, and the file is whole.
    key = part_key(track, gain, parts[-1], fmt)
    kept = EncodedPart.unpack(store[key])
    store[key] = EncodedPart(kept.data, kept.peak_db, kept.info_bytes, kept.offsets[:-1]).pack()
    assert encode_parts(track, gain, parts, fmt, mended, jobs=2, store=store)[1] == len(parts) - 1
    assert decode(mended).size == decode(first).size
    assert MP3(mended).info.length == MP3(first).info.length
