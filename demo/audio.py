"""A valid Ogg/Opus recording of silence for the demo's voice idea, built here (no encoder, no file to ship).

Telegram records voice messages as Ogg/Opus, mono, 48 kHz. This writes the same container: an `OpusHead` page, an
`OpusTags` page, then 20 ms Opus packets `F8 FF FE` (TOC: CELT fullband 20 ms mono, one frame; the two bytes decode
to silence), 50 per page, each page with its Ogg CRC (RFC 3533, RFC 7845). Players and libopus accept it.
"""

from __future__ import annotations

import struct

SILENT_FRAME = b"\xf8\xff\xfe"  # one 20 ms Opus frame of silence
SAMPLES_PER_FRAME = 960  # 20 ms at 48 kHz
PRE_SKIP = 312  # what libopus's encoder announces
SERIAL = 0x5A17_0001
FRAMES_PER_PAGE = 50


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else r << 1
        table.append(r & 0xFFFFFFFF)
    return table


_TABLE = _crc_table()


def ogg_crc(data: bytes) -> int:
    """The Ogg page checksum (CRC-32, polynomial 0x04C11DB7, not reflected, no final xor)."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _TABLE[((crc >> 24) & 0xFF) ^ byte]
    return crc


def _page(packets: list[bytes], granule: int, sequence: int, flags: int) -> bytes:
    lacing = b""
    for packet in packets:  # every packet here is shorter than 255 bytes: one lacing value each
        assert len(packet) < 255
        lacing += bytes([len(packet)])
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, SERIAL, sequence, 0, len(packets)) + lacing
    body = b"".join(packets)
    crc = ogg_crc(header + body)
    return header[:22] + struct.pack("<I", crc) + header[26:] + body


def silent_opus(seconds: int) -> bytes:
    """`seconds` of silence as an Ogg/Opus voice message."""
    head = struct.pack("<8sBBHIhB", b"OpusHead", 1, 1, PRE_SKIP, 48000, 0, 0)
    vendor = b"actionbot demo"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [_page([head], 0, 0, 0x02), _page([tags], 0, 1, 0)]
    frames = seconds * 50
    done = 0
    while done < frames:
        count = min(FRAMES_PER_PAGE, frames - done)
        done += count
        last = done == frames
        granule = PRE_SKIP + done * SAMPLES_PER_FRAME
        pages.append(_page([SILENT_FRAME] * count, granule, len(pages), 0x04 if last else 0))
    return b"".join(pages)
