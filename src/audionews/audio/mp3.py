"""MPEG audio frames and the Info (Xing/LAME) frame: what writing and joining MP3s needs.

LAME's library writes bare frames; the MP3s audionews writes (encode.write_mp3) start with one
frame that holds no audio but the Info tag: the stream's frame count and byte count, a seek
table (TOC), and LAME's extension with the encoder delay and padding that gapless decoders
trim, the length and CRC-16 of the music, and a CRC-16 of the tag itself. Facts used here
(looked up, and checked in the tests by mutagen's and ffmpeg's readers):

- Frame length in bytes: 144000 × kbps / rate (+1 with the padding bit) for MPEG-1, 72000 × …
  for MPEG-2 and 2.5; 1152 samples a frame for MPEG-1, 576 for MPEG-2 and 2.5.
- The Info tag follows the 4-byte header and the side information (17 bytes for MPEG-1 mono,
  9 for MPEG-2 mono, 32 and 17 for stereo): "Info" (constant bit rate), flags, frames, bytes
  (the whole stream, this frame included), 100 TOC bytes, 4 quality bytes, then LAME's 36.
- In LAME's part: delay and padding as two 12-bit numbers at bytes 21-23, the music length
  (bytes, = the stream's) at 28, the music CRC at 32 (CRC-16/ARC of every frame after this
  one), the tag CRC at 34: CRC-16/ARC of every byte of the frame before it, as LAME reckons
  it (the "first 190 bytes" of the tag's description are those of a stereo MPEG-1 frame;
  ffmpeg's muxer takes 190 bytes whatever the layout, running past a short frame's end).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache

import numpy as np

from audionews.errors import EncodingError

_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def frame_length(header: bytes) -> int:
    """Bytes in the frame whose 4-byte header is ``header``; 0 if it is not a Layer III one."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return 0
    version = (header[1] >> 3) & 3
    layer = (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if layer != 1 or version == 1 or bitrate_index in (0, 15) or rate_index == 3:
        return 0
    mpeg1 = version == 3
    kbps = _BITRATES[1 if mpeg1 else 2][bitrate_index]
    rate = _RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    return (144000 if mpeg1 else 72000) * kbps // rate + padding


def whole_frames(data: bytes | bytearray) -> tuple[list[int], int]:
    """Where every whole Layer III frame at the start of ``data`` starts, and where the last
    of them ends (a frame cut short at the end is left out)."""
    offsets = []
    position = 0
    # A stream's frames share a handful of headers (they differ by the padding bit): each is
    # worked out once (a 70-minute episode's cached parts hold 160,000 frames).
    lengths: dict[bytes, int] = {}
    while position + 4 <= len(data):
        header = bytes(data[position : position + 4])
        length = lengths.get(header)
        if length is None:
            length = lengths[header] = frame_length(header)
        if length == 0:
            raise EncodingError(f"not an MP3 frame at byte {position} of an encoded stream")
        if position + length > len(data):
            break
        offsets.append(position)
        position += length
    return offsets, position


def _tag_offset(frame: bytes) -> int | None:
    """Where "Info" (or "Xing") starts in an Info frame."""
    mpeg1 = (frame[1] >> 3) & 3 == 3
    mono = frame[3] >> 6 == 3
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    tag = 4 + side
    return tag if frame[tag : tag + 4] in (b"Info", b"Xing") else None


@dataclass(frozen=True)
class LameTag:
    """The figures of an Info frame that joining needs."""

    frames: int
    size: int
    delay: int
    padding: int
    music_crc: int


def read_tag(info: bytes) -> LameTag:
    tag = _tag_offset(info)
    if tag is None:
        raise EncodingError("an encoded part has no Info tag")
    frames, size = struct.unpack(">II", info[tag + 8 : tag + 16])
    lame = tag + 120
    packed = info[lame + 21 : lame + 24]
    delay = (packed[0] << 4) | (packed[1] >> 4)
    padding = ((packed[1] & 15) << 8) | packed[2]
    (music_crc,) = struct.unpack(">H", info[lame + 32 : lame + 34])
    return LameTag(frames, size, delay, padding, music_crc)


def info_frame(
    template: bytes,
    *,
    frames: int,
    audio_bytes: int,
    offsets: list[int],
    delay: int,
    padding: int,
    music_crc: int,
) -> bytes:
    """``template`` (an Info frame: ``info_template``'s, or a part's) carrying another stream's
    figures.

    ``offsets``: where every audio frame starts, counted from the first audio frame.
    """
    tag = _tag_offset(template)
    if tag is None:
        raise EncodingError("an encoded part has no Info tag")
    frame = bytearray(template)
    size = len(template) + audio_bytes
    struct.pack_into(">II", frame, tag + 8, frames, size)
    frame[tag + 16 : tag + 116] = seek_table(len(template), offsets, audio_bytes)
    lame = tag + 120
    frame[lame + 21 : lame + 24] = bytes(
        [(delay >> 4) & 0xFF, ((delay & 15) << 4) | ((padding >> 8) & 15), padding & 0xFF]
    )
    struct.pack_into(">IH", frame, lame + 28, size, music_crc)
    struct.pack_into(">H", frame, lame + 34, crc16(frame[: lame + 34]))
    return bytes(frame)


def info_template(sample_rate: int, bitrate_kbps: int, encoder: bytes) -> bytes:
    """An empty Info frame for a mono CBR stream: the header, silent side information,
    "Info" with its four fields flagged (frames, bytes, TOC, quality), and LAME's extension
    naming ``encoder`` (9 bytes at most) as a constant-bit-rate stream. ``info_frame`` fills
    in a stream's figures. The frame has the stream's bit rate unless a frame of it is too
    short for the tag (32 kHz at 32 kbps, say): then the next rate up that holds it, as
    ffmpeg's muxer chooses (LAME itself leaves the tag out then)."""
    version = next((v for v, rates in _RATES.items() if sample_rate in rates), None)
    bitrates = _BITRATES[1 if version == 3 else 2]
    if version is None or bitrate_kbps not in bitrates[1:]:
        raise EncodingError(f"MP3 has no {bitrate_kbps} kbps stream at {sample_rate} Hz")
    mpeg1 = version == 3
    tag = 4 + (17 if mpeg1 else 9)
    for index in range(bitrates.index(bitrate_kbps), len(bitrates)):
        header = bytes(
            [
                0xFF,
                0xE0 | version << 3 | 1 << 1 | 1,  # Layer III, no CRC protection
                index << 4 | _RATES[version].index(sample_rate) << 2,
                0b11 << 6,  # mono
            ]
        )
        if frame_length(header) >= tag + 120 + 36:
            break
    frame = bytearray(frame_length(header))
    frame[:4] = header
    frame[tag : tag + 8] = b"Info" + struct.pack(">I", 0x0F)
    lame = tag + 120
    frame[lame : lame + 9] = encoder[:9].ljust(9, b"\0")
    frame[lame + 9] = 1  # tag revision 0, constant bit rate
    frame[lame + 20] = min(bitrate_kbps, 255)
    return bytes(frame)


SEEK_BAGS = 400


def seek_table(info_bytes: int, offsets: list[int], audio_bytes: int) -> bytes:
    """The 100-byte TOC: for each percent of the frames, where the stream has reached, out of
    256 of its bytes. Reckoned as LAME's VbrTag convention (and ffmpeg's muxer) does: the
    stream's size is sampled after every ``want`` frames into at most 400 bags, halving them
    (and doubling ``want``) when full; entry i reads bag i × bags / 100. Computed the same
    way, a joined file's table equals the one a one-piece encode would carry.
    """
    size = info_bytes + audio_bytes
    ends = [*offsets[1:], audio_bytes]
    bags: list[int] = []
    want, seen = 1, 0
    for end in ends:
        seen += 1
        if seen == want:
            bags.append(info_bytes + end)
            if len(bags) == SEEK_BAGS:
                bags = bags[1::2]
                want *= 2
            seen = 0
    toc = bytearray(100)
    for percent in range(1, 100):
        if bags:
            toc[percent] = min(255, 256 * bags[percent * len(bags) // 100] // size)
    return bytes(toc)


# --- CRC-16/ARC (polynomial 0x8005, reflected, initial value 0) ----------------------------


def _table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


def crc16(data: bytes | bytearray, crc: int = 0) -> int:
    """CRC-16/ARC of ``data`` (a few hundred bytes: this is a Python loop)."""
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


# Bytes per lane of ``music_crc``: a stream is cut into lanes of this length, all run
# through the register at once, then folded together.
_LANE = 128


def music_crc(data: bytes | bytearray, crc: int = 0) -> int:
    """CRC-16/ARC of ``data`` of any length (a part's music: hundreds of kilobytes), going on
    from ``crc`` (the CRC of what came before).

    ``crc16`` a byte at a time in Python would take a second for a 5-minute episode. Here
    the stream is cut into lanes of ``_LANE`` bytes whose CRCs numpy computes side by side,
    one byte position of every lane per step; then, the CRC being linear, each lane's is
    folded into the total by the map "run ``_LANE`` zero bytes through the register" (kept
    as two tables, one per byte of the register), and the tail is run the slow way.
    """
    lanes = len(data) // _LANE
    if lanes < 2:
        return crc16(data, crc)
    table, low, high = _lane_tables()
    body = np.frombuffer(data, dtype=np.uint8, count=lanes * _LANE).reshape(lanes, _LANE)
    columns = np.ascontiguousarray(body.T).astype(np.uint16)
    crcs = np.zeros(lanes, dtype=np.uint16)
    for column in columns:
        crcs = (crcs >> 8) ^ table[(crcs ^ column) & 0xFF]
    total = crc
    for lane in crcs.tolist():
        total = low[total & 0xFF] ^ high[total >> 8] ^ lane
    return crc16(data[lanes * _LANE :], total)


@cache
def _lane_tables() -> tuple[np.ndarray, list[int], list[int]]:
    """The byte table as an array, and the register after ``_LANE`` zero bytes from each
    value of its low byte and of its high byte."""
    table = np.array(_TABLE, dtype=np.uint16)
    start = np.arange(256, dtype=np.uint16)
    low, high = start.copy(), start << 8
    for _ in range(_LANE):
        low = (low >> 8) ^ table[low & 0xFF]
        high = (high >> 8) ^ table[high & 0xFF]
    return table, low.tolist(), high.tolist()


def _times(matrix: list[int], vector: int) -> int:
    """A 16×16 matrix over GF(2) (one column per bit) times a 16-bit vector."""
    total = 0
    bit = 0
    while vector:
        if vector & 1:
            total ^= matrix[bit]
        vector >>= 1
        bit += 1
    return total


def crc16_combine(first: int, second: int, second_length: int) -> int:
    """The CRC of A followed by B from CRC(A), CRC(B) and B's length in bytes.

    With initial value 0 the CRC is linear: CRC(A+B) = CRC(A followed by len(B) zero bytes)
    XOR CRC(B). Running zero bytes through the register is a linear map, raised to the
    length's power by repeated squaring (the way zlib combines CRC-32s), so parts encoded
    apart get the CRC of the joined music without reading it again.
    """
    # One zero bit: shift right, folding the polynomial in when the low bit falls out.
    operator = [0xA001] + [1 << (bit - 1) for bit in range(1, 16)]
    # Square it three times: one zero byte.
    for _ in range(3):
        operator = [_times(operator, column) for column in operator]
    crc = first
    length = second_length
    while length:
        if length & 1:
            crc = _times(operator, crc)
        operator = [_times(operator, column) for column in operator]
        length >>= 1
    return crc ^ second
