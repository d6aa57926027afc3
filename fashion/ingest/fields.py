"""Typed, tolerant reading of one record's JSON values, collecting reject rows as it goes."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from fashion.ingest.load import REPLACEMENT
from fashion.ingest.rejects import Reject

# Exports sometimes give epoch milliseconds; seconds beyond this would be past year 5000.
_MILLISECONDS_ABOVE = 1e11
_EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
_LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)
_INT64_MAX = 2 ** 63 - 1


class RecordError(Exception):
    """A required value is missing or unusable: the whole record is rejected."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__)


def parse_timestamp(value: Any) -> datetime:
    """UTC datetime from epoch seconds (int, float or digit string; milliseconds tolerated) or ISO 8601.

    Raises TypeError (wrong JSON type) or ValueError (unparseable / out of range). Naive ISO times
    are taken as UTC, as the scrapers write UTC.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"expected epoch seconds or ISO 8601 time, got {type_name(value)}")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                raise ValueError(f"unparseable time {value!r}") from None
            moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
            return _in_range(moment, value)
    if not math.isfinite(value):
        raise ValueError(f"time {value!r} is not finite")
    seconds = value / 1000.0 if abs(value) > _MILLISECONDS_ABOVE else float(value)
    try:
        moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"time {value!r} out of range") from None
    return _in_range(moment, value)


def _in_range(moment: datetime, raw: Any) -> datetime:
    if not _EARLIEST <= moment < _LATEST:
        raise ValueError(f"time {raw!r} outside 1970-2099")
    return moment


def identifier(value: Any) -> str:
    """An id as a string: non-empty strings are stripped, integers printed. Raises TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"expected string or integer id, got {type_name(value)}")
    text = str(value).strip()
    if not text:
        raise ValueError("empty id")
    if clean_string(text)[1]:
        raise ValueError(f"id {clean_string(text)[0]!r} is not valid Unicode text")
    return text


def clean_string(value: str) -> tuple[str, bool]:
    """`value` with lone surrogates (from JSON escapes, not encodable as UTF-8) replaced by U+FFFD."""
    try:
        value.encode("utf-8")
        return value, False
    except UnicodeEncodeError:
        return "".join(REPLACEMENT if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in value), True


_MISSING = object()


class Fields:
    """Reads values of one record (post or comment) of a file and collects field-level rejects.

    `bad_utf8` is the file's decoding problem, if any: text fields then carrying U+FFFD get a
    `non_utf8` reject naming the field.
    """

    def __init__(self, source: str, record: str, bad_utf8: str | None = None):
        self.source = source
        self.record = record
        self.bad_utf8 = bad_utf8
        self.utf8_reported = False
        self.rejects: list[Reject] = []

    def reject(self, code: str, detail: str, record: str | None = None) -> None:
        self.rejects.append(Reject(self.source, self.record if record is None else record, code, detail))

    # -- navigation --------------------------------------------------------------------------
    def dig(self, obj: Any, *path: str | int) -> Any:
        """obj[path[0]][path[1]]...; None when a key is absent, with a bad_type reject when a step
        that is present has the wrong type (so malformed structure never passes silently)."""
        walked = []
        for step in path:
            if obj is None:
                return None
            if isinstance(step, int):
                if not isinstance(obj, list):
                    self.reject("bad_type", f"{'.'.join(walked) or 'record'}: expected array, got {type_name(obj)}")
                    return None
                if step >= len(obj):
                    return None
                obj = obj[step]
            else:
                if not isinstance(obj, dict):
                    self.reject("bad_type", f"{'.'.join(walked) or 'record'}: expected object, got {type_name(obj)}")
                    return None
                obj = obj.get(step)
            walked.append(str(step))
        return obj

    # -- required values (RecordError when unusable) -------------------------------------------
    def required_id(self, value: Any, key: str) -> str:
        if value is None:
            raise RecordError("missing_key", f"no {key}")
        try:
            return identifier(value)
        except TypeError as exc:
            raise RecordError("bad_type", f"{key}: {exc}") from None
        except ValueError as exc:
            raise RecordError("bad_value", f"{key}: {exc}") from None

    def required_time(self, value: Any, key: str) -> datetime:
        if value is None:
            raise RecordError("missing_key", f"no {key}")
        try:
            return parse_timestamp(value)
        except TypeError as exc:
            raise RecordError("bad_type", f"{key}: {exc}") from None
        except ValueError as exc:
            raise RecordError("bad_value", f"{key}: {exc}") from None

    # -- optional values (None + reject when unusable) -----------------------------------------
    def optional_time(self, value: Any, key: str) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_timestamp(value)
        except TypeError as exc:
            self.reject("bad_type", f"{key}: {exc}")
        except ValueError as exc:
            self.reject("bad_value", f"{key}: {exc}")
        return None

    def count(self, value: Any, key: str) -> int | None:
        """A non-negative count; negative numbers mean "hidden" in exports and give None."""
        if value is None:
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.reject("bad_type", f"{key}: expected integer, got {type_name(value)}")
            return None
        if value > _INT64_MAX:
            self.reject("bad_value", f"{key}: {value} does not fit in int64")
            return None
        return value if value >= 0 else None

    def text(self, value: Any, key: str) -> str | None:
        """A string field, repaired (U+FFFD) when its bytes were not valid UTF-8; None when absent."""
        if value is None:
            return None
        if not isinstance(value, str):
            self.reject("bad_type", f"{key}: expected string, got {type_name(value)}")
            return None
        value, had_surrogates = clean_string(value)
        if had_surrogates:
            self.reject("non_utf8", f"{key}: lone surrogate escape(s) replaced with U+FFFD")
        elif self.bad_utf8 and REPLACEMENT in value:
            self.reject("non_utf8", f"{key}: {self.bad_utf8} replaced with U+FFFD")
            self.utf8_reported = True
        return value

    def string_list(self, value: Any, key: str) -> list[str] | None:
        """A list of strings; None when absent or of the wrong type (rejected)."""
        if value is None:
            return None
        if not isinstance(value, list):
            self.reject("bad_type", f"{key}: expected array, got {type_name(value)}")
            return None
        out = []
        for position, item in enumerate(value):
            text = self.text(item, f"{key}[{position}]")
            if text is not None:
                out.append(text)
        return out

    def objects(self, value: Any, key: str) -> list[dict]:
        """A list of objects (comments, children); wrong entries rejected and skipped."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.reject("bad_type", f"{key}: expected array, got {type_name(value)}")
            return []
        out = []
        for position, item in enumerate(value):
            if isinstance(item, dict):
                out.append(item)
            else:
                self.reject("bad_type", f"{key}[{position}]: expected object, got {type_name(item)}")
        return out
