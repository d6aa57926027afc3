"""The look-book in a real headless browser (Debian's chromium): the account page renders, every
image loads (assets/lookbook.js marks <body data-broken>), and a screenshot is taken."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from PIL import Image

from tests.test_lookbook import build_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage",
         "--no-first-run", "--disable-extensions", "--virtual-time-budget=5000"]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_account_page_renders_in_chromium(tmp_path):
    site = build_site(tmp_path)[0]
    page = (site / "accounts" / "acc0_0.html").resolve().as_uri()
    dom = subprocess.run([CHROMIUM, *FLAGS, "--dump-dom", page], capture_output=True, text=True, timeout=120).stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    images = int(re.search(r'data-images="(\d+)"', body).group(1))
    assert images >= 4 and 'data-broken="0"' in body, body
    assert "Recommended — not worn yet" in dom and "<svg" in dom
    shot = tmp_path / "account.png"
    subprocess.run([CHROMIUM, *FLAGS, "--window-size=1280,1600", f"--screenshot={shot}", page],
                   capture_output=True, timeout=120, check=True)
    with Image.open(shot) as img:
        assert img.size == (1280, 1600)
        colours = img.convert("RGB").resize((64, 80)).getcolors(64 * 80)
        assert colours is not None and len(colours) > 20     # a rendered page, not a blank one
