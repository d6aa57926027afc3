"""One error type for bad data inputs, always naming the file, the record and the reason."""
from __future__ import annotations

import os


class DataError(ValueError):
    """Raised for malformed input files: message is "<file>: <record>: <reason>"."""

    def __init__(self, file: str | os.PathLike, record: str, reason: str):
        self.file = str(file)
        self.record = str(record)
        self.reason = reason
        super().__init__(f"{self.file}: {self.record}: {reason}")
