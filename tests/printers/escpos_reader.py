"""Reads ESC/POS bytes back the way a printer would: commands, decoded text, QR payloads, raster images."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ESC, GS, LF = 0x1B, 0x1D, 0x0A
# Epson's ESC t numbers of the pages these tests expect, and the Python codecs that decode them.
WPC1252, PC437 = 16, 0
CODECS = {WPC1252: "cp1252", PC437: "cp437", 19: "cp858", 2: "cp850"}

ESC_ARGUMENT_COUNTS = {b"@": 0, b"t": 1, b"!": 1, b"E": 1, b"-": 1, b"a": 1, b"M": 1, b"d": 1, b"{": 1}
GS_ARGUMENT_COUNTS = {b"!": 1, b"b": 1, b"B": 1, b"|": 1}


@dataclass(frozen=True)
class Raster:
    """One GS v 0 image: rows of width_bytes bytes, the high bit of a byte leftmost, a set bit a black dot."""

    width_bytes: int
    height: int
    bits: bytes

    @property
    def width(self) -> int:
        return self.width_bytes * 8

    def is_black(self, x: int, y: int) -> bool:
        return bool(self.bits[y * self.width_bytes + x // 8] & (0x80 >> (x % 8)))

    def black_box(self) -> tuple[int, int, int, int]:
        """left, top, right, bottom (the last two exclusive) of the black dots."""
        row_bytes = (self.bits[y * self.width_bytes : (y + 1) * self.width_bytes] for y in range(self.height))
        rows = [int.from_bytes(row, "big") for row in row_bytes]
        black_rows = [y for y, row in enumerate(rows) if row]
        assert black_rows, "the raster is blank"
        columns = 0
        for row in rows:
            columns |= row
        lowest_bit = (columns & -columns).bit_length() - 1
        return self.width - columns.bit_length(), black_rows[0], self.width - lowest_bit, black_rows[-1] + 1


@dataclass
class Printed:
    """A ticket read back from its bytes: commands (bytes) and decoded text (str), in the printer's order."""

    events: list[bytes | str] = field(default_factory=list)
    qr_payloads: list[str] = field(default_factory=list)
    rasters: list[Raster] = field(default_factory=list)

    @property
    def raster_images(self) -> int:
        return len(self.rasters)

    @property
    def text(self) -> str:
        return "".join(event for event in self.events if isinstance(event, str))

    @property
    def commands(self) -> list[bytes]:
        return [event for event in self.events if isinstance(event, bytes)]

    def code_pages_selected(self) -> list[int]:
        return [command[2] for command in self.commands if command[:2] == b"\x1bt"]


def read_escpos(data: bytes, codecs: Mapping[int, str] = CODECS) -> Printed:
    """Walk the bytes the way a printer does; fail on anything this reader does not know.

    `codecs` maps the ESC t numbers of the printer's pages to Python codecs (vendors number pages differently).
    """
    printed = Printed()
    page: int | None = None
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == ESC:
            name = data[i + 1 : i + 2]
            assert name in ESC_ARGUMENT_COUNTS, f"unknown command ESC {name!r} at {i}"
            end = i + 2 + ESC_ARGUMENT_COUNTS[name]
            command = data[i:end]
            if name == b"t":
                page = command[2]
                assert page in codecs, f"code page ESC t {page} at {i} is none this reader knows"
            printed.events.append(command)
        elif byte == GS:
            name = data[i + 1 : i + 2]
            if name == b"(":  # GS ( k: pL pH, then that many bytes
                assert data[i + 2 : i + 3] == b"k", f"unknown command GS ( {data[i + 2 : i + 3]!r} at {i}"
                length = data[i + 3] + 256 * data[i + 4]
                end = i + 5 + length
                command = data[i:end]
                if command[5:8] == b"1P0":  # function 180: store QR data
                    printed.qr_payloads.append(command[8:].decode("utf-8"))
            elif name == b"v":  # GS v 0 m xL xH yL yH, then xL..xH × yL..yH bytes of raster
                assert data[i + 2 : i + 4] == b"0\x00", f"unknown raster mode GS v {data[i + 2 : i + 4]!r} at {i}"
                width_bytes = data[i + 4] + 256 * data[i + 5]
                height = data[i + 6] + 256 * data[i + 7]
                end = i + 8 + width_bytes * height
                assert end <= len(data), f"raster at {i} runs past the end of the data"
                command = data[i:end]
                printed.rasters.append(Raster(width_bytes, height, data[i + 8 : end]))
            elif name == b"V":  # GS V m, or GS V m n for the feed-and-cut variants
                end = i + (4 if data[i + 2] in (65, 66) else 3)
                command = data[i:end]
            else:
                assert name in GS_ARGUMENT_COUNTS, f"unknown command GS {name!r} at {i}"
                end = i + 2 + GS_ARGUMENT_COUNTS[name]
                command = data[i:end]
            printed.events.append(command)
        else:
            end = i
            while end < len(data) and data[end] not in (ESC, GS):
                assert data[end] >= 0x20 or data[end] == LF, f"control byte {data[end]:#x} at {end}"
                end += 1
            assert page is not None, "text was sent before any code page was selected"
            printed.events.append(data[i:end].decode(codecs[page]))
        i = end
    return printed
