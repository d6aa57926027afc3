"""Scrape-dump ingestion: Instaloader folders, instagram-scraper and Apify JSON exports, the
annotation tool's export -> posts / comments / rejects / truth Parquet (docs/contracts.md, Ingest)."""
from fashion.ingest.pipeline import OUTPUT_FILES, IngestConfig, ingest, no_post_warnings
from fashion.ingest.rejects import REASON_CODES, Reject

__all__ = ["IngestConfig", "ingest", "no_post_warnings", "OUTPUT_FILES", "REASON_CODES", "Reject"]
