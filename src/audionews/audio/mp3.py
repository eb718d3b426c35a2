"""MPEG audio frames and the Info (Xing/LAME) frame: what joining MP3 parts needs.

An MP3 written by ffmpeg's LAME encoder starts with one frame that holds no audio but the
Info tag: the stream's frame count and byte count, a seek table (TOC), and LAME's extension
with the encoder delay and padding that gapless decoders trim, the length and CRC-16 of the
music, and a CRC-16 of the tag itself. Facts used here (looked up, and checked in the tests
against files ffmpeg wrote):

- Frame length in bytes: 144000 × kbps / rate (+1 with the padding bit) for MPEG-1, 72000 × …
  for MPEG-2 and 2.5; 1152 samples a frame for MPEG-1, 576 for MPEG-2 and 2.5.
- The Info tag follows the 4-byte header and the side information (17 bytes for MPEG-1 mono,
  9 for MPEG-2 mono, 32 and 17 for stereo): "Info" (constant bit rate), flags, frames, bytes
  (the whole stream, this frame included), 100 TOC bytes, 4 quality bytes, then LAME's 36.
- In LAME's part: delay and padding as two 12-bit numbers at bytes 21-23, the music length
  (bytes, = the stream's) at 28, the music CRC at 32 (CRC-16/ARC of every frame after this
  one), the tag CRC at 34: CRC-16/ARC of the frame's first 190 bytes with this field zero.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from audionews.errors import EncodingError

_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
TAG_CRC_BYTES = 190


@dataclass(frozen=True)
class Stream:
    """An MP3 stream cut into its Info frame and its audio frames."""

    info: bytes
    audio: bytes
    frames: int
    offsets: tuple[int, ...]  # of every audio frame, within ``audio``


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


def split(data: bytes) -> Stream:
    """The Info frame and the audio frames of an MP3 stream with no ID3 tag."""
    offsets = []
    position = 0
    # A part's frames share a handful of headers (they differ by the padding bit): each is
    # worked out once (a 70-minute episode's cached parts hold 160,000 frames).
    lengths: dict[bytes, int] = {}
    while position < len(data):
        header = data[position : position + 4]
        length = lengths.get(header)
        if length is None:
            length = lengths[header] = frame_length(header)
        if length == 0 or position + length > len(data):
            raise EncodingError(f"not an MP3 frame at byte {position} of an encoded part")
        offsets.append(position)
        position += length
    if not offsets or _tag_offset(data) is None:
        raise EncodingError("an encoded part has no Info frame")
    first = offsets[1] if len(offsets) > 1 else len(data)
    audio_offsets = tuple(offset - first for offset in offsets[1:])
    return Stream(data[:first], data[first:], len(audio_offsets), audio_offsets)


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
    """``template`` (an Info frame ffmpeg wrote) carrying another stream's figures.

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
    frame[lame + 34 : lame + 36] = b"\0\0"
    struct.pack_into(">H", frame, lame + 34, crc16(bytes(frame[:TAG_CRC_BYTES])))
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


def with_padding(info: bytes, padding: int) -> bytes:
    """An Info frame with another end padding (and its tag CRC brought up to date).

    ffmpeg writes at most 1681 samples of padding (1152 + the decoder's 529) although LAME
    pads up to 1727: seen here on a third of the lengths tried, the decoded file then ran up to
    46 samples long. The true padding is the frames' samples less the input and the delay.
    """
    tag = _tag_offset(info)
    if tag is None:
        raise EncodingError("an encoded stream has no Info tag")
    frame = bytearray(info)
    lame = tag + 120
    delay = (frame[lame + 21] << 4) | (frame[lame + 22] >> 4)
    frame[lame + 21 : lame + 24] = bytes(
        [(delay >> 4) & 0xFF, ((delay & 15) << 4) | ((padding >> 8) & 15), padding & 0xFF]
    )
    frame[lame + 34 : lame + 36] = b"\0\0"
    struct.pack_into(">H", frame, lame + 34, crc16(bytes(frame[:TAG_CRC_BYTES])))
    return bytes(frame)


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


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC of ``data`` (a few hundred bytes: this is a Python loop)."""
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


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
