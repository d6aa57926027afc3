"""Paper-reproduction report: reads only the metric JSON/TSV files of docs/contracts.md."""
from fashion.report.build import ReportConfig, ReportResult, build_report

__all__ = ["ReportConfig", "ReportResult", "build_report"]
