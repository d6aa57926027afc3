"""Look-book: every generated page parses, every img src / link href resolves to a file inside
the site, every account has a page; thumbnails are real images; nothing loads from the network."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
from PIL import Image

from fashion.lookbook.build import build_lookbook, page_names
from fashion.lookbook.config import LookbookError, LookbookSettings
from fashion.profiles.config import ProfilesSettings
from fashion.profiles.stage import run_profiles
from fashion.recommend.config import SEED, RecommendSettings
from fashion.recommend.stage import run_recommend
from tests.recommend_fixtures import taste_world


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if (tag, name) in {("img", "src"), ("a", "href"), ("link", "href"), ("script", "src")}:
                self.refs.append((tag, value))


def build_site(root: Path) -> tuple[Path, Path, Path]:
    predictions, ingest = taste_world(root, accounts_per_group=3, posts=6, images=True)
    run_profiles(predictions, ingest, ProfilesSettings(), root / "profiles.parquet")
    run_recommend(predictions, ingest, ProfilesSettings(), RecommendSettings(factors=8, iterations=5, bootstrap=20),
                  SEED, root / "recs.parquet", root / "recommend.json")
    site = root / "lookbook"
    build_lookbook(root / "profiles.parquet", root / "recs.parquet", predictions, ingest, site,
                   LookbookSettings(thumbnails=4, thumb_size=64), 0.3, "als")
    return site, predictions, ingest


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("lookbook"))[0]


def test_every_page_parses_and_every_link_resolves_inside_the_site(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 1 + 6
    images = 0
    for page in pages:
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        parser.close()
        assert "svg" in parser.tags or page.name == "index.html"
        for tag, ref in parser.refs:
            assert not urlparse(ref).scheme and not ref.startswith("//"), (page, ref)   # no network
            target = (page.parent / ref).resolve()
            assert target.is_file(), (page, ref)
            assert site.resolve() in target.parents, (page, ref)
            images += tag == "img"
    assert images >= 6 * 4


def test_each_account_has_a_page_and_real_thumbnails(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    for g in range(2):
        for a in range(3):
            account = f"acc{g}_{a}"
            assert (site / "accounts" / page_names([account])[account]).is_file()
            assert f'href="accounts/{account}.html"' in index
    thumbs = sorted((site / "thumbs").glob("*.jpg"))
    assert len(thumbs) == 6 * 4
    with Image.open(thumbs[0]) as img:
        assert img.size == (64, 64)


def test_account_page_shows_recommendations_reasons_and_posts(site):
    html = (site / "accounts" / "acc0_0.html").read_text(encoding="utf-8")
    assert "Recommended — not worn yet" in html and "Accounts with your profile wear" in html
    assert "Most similar accounts" in html and 'href="acc0_' in html
    assert html.count('class="post"') == 4


def test_page_names_are_safe_and_unique():
    names = page_names(["Ann", "ann", "../x", "a b"])
    assert len(set(names.values())) == 4
    assert all("/" not in n and not n.startswith(".") for n in names.values())


def test_missing_input_is_named(tmp_path):
    with pytest.raises(LookbookError, match="run the profiles stage first"):
        build_lookbook(tmp_path / "p.parquet", tmp_path / "r.parquet", tmp_path / "x.parquet", tmp_path,
                       tmp_path / "site", LookbookSettings(), 0.3, "als")


def test_a_media_path_climbing_out_is_not_opened(tmp_path):
    site, predictions, ingest = build_site(tmp_path)
    table = pd.read_parquet(predictions)
    table["media"] = "../../etc/passwd"
    table.to_parquet(predictions)
    build_lookbook(tmp_path / "profiles.parquet", tmp_path / "recs.parquet", predictions, ingest, site,
                   LookbookSettings(thumbnails=2), 0.3, "als")
    assert not list((site / "thumbs").glob("*.jpg"))
