"""Paper-reproduction report: reads only the metric JSON/TSV files of docs/contracts.md.

Names load on first use, so the CLI's parser (which imports fashion.report.commands) does not
import matplotlib."""
from __future__ import annotations

__all__ = ["ReportConfig", "ReportResult", "build_report"]


def __getattr__(name: str):
    if name in __all__:
        from fashion.report import build

        return getattr(build, name)
    raise AttributeError(f"module 'fashion.report' has no attribute {name!r}")
