"""Reading dump files: xz or plain bytes -> text with UTF-8 problems reported -> JSON."""
from __future__ import annotations

import json
import lzma
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A single metadata/export file larger than this (decompressed) is refused rather than exhausting memory.
MAX_FILE_BYTES = 1 << 30
REPLACEMENT = "\ufffd"


class LoadError(Exception):
    """A file that cannot be read; `code` is a reject reason code."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Loaded:
    data: Any
    bad_utf8: str | None  # where the first invalid UTF-8 byte was, None when the text was clean


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when its name ends in .xz."""
    try:
        if path.name.endswith(".xz"):
            data = _read_xz(path, MAX_FILE_BYTES + 1)
        else:
            with path.open("rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
    except (lzma.LZMAError, EOFError) as exc:
        raise LoadError("corrupt_xz", str(exc)) from None
    except OSError as exc:
        raise LoadError("unreadable_file", exc.strerror or str(exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise LoadError("unreadable_file", f"larger than {MAX_FILE_BYTES} bytes")
    return data


def _read_xz(path: Path, limit: int, chunk: int = 1 << 20) -> bytes:
    """Up to `limit` decompressed bytes of concatenated xz streams, with the format's null stream
    padding between them. Unlike lzma.open, bytes after a stream that do not start another one are
    an error, as they are for `xz -d`: they may be a damaged stream whose posts would be lost."""
    out = bytearray()
    with path.open("rb") as fh:
        data = fh.read(chunk)
        read = len(data)          # compressed bytes read so far; `data` is their unused tail
        stream_end = 0            # where the last complete stream ended
        decompressor = None
        while len(out) < limit:
            if decompressor is None:  # between streams: skip padding
                stripped = data.lstrip(b"\0")
                if not stripped:
                    data = fh.read(chunk)
                    read += len(data)
                    if data:
                        continue
                start = read - len(stripped)
                if (start - stream_end) % 4:
                    raise lzma.LZMAError(f"stream padding after byte {stream_end} is not a multiple of 4 bytes")
                if not stripped:
                    break
                data, decompressor = stripped, lzma.LZMADecompressor()
            try:
                out += decompressor.decompress(data, max_length=limit - len(out))
            except lzma.LZMAError as exc:
                if stream_end:
                    left = os.fstat(fh.fileno()).st_size - stream_end
                    raise lzma.LZMAError(f"the {left} byte(s) after the xz stream that ends at byte {stream_end} "
                                         f"are not another xz stream ({exc})") from None
                raise
            data = b""
            if decompressor.eof:
                data, decompressor = decompressor.unused_data, None
                stream_end = read - len(data)
                if not data:
                    data = fh.read(chunk)
                    read += len(data)
            elif decompressor.needs_input:
                data = fh.read(chunk)
                read += len(data)
                if not data:
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            # else the output limit was reached with input still buffered in the decompressor
    return bytes(out)


def decode_utf8(data: bytes) -> tuple[str, str | None]:
    """Text of `data`; invalid bytes become U+FFFD and are described in the second value."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        bad = data[exc.start:exc.end]
        return data.decode("utf-8", errors="replace"), f"invalid UTF-8 byte(s) {bad!r} at offset {exc.start}"


def load_json(path: Path) -> Loaded:
    text, bad_utf8 = decode_utf8(read_bytes(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError("invalid_json", f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise LoadError("invalid_json", "nesting too deep") from None
    return Loaded(data, bad_utf8)


def load_text(path: Path) -> tuple[str, str | None]:
    """A caption .txt file as text (invalid bytes replaced and described)."""
    return decode_utf8(read_bytes(path))
