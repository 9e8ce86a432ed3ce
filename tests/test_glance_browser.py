""""At a glance" fits one screen at 1280 x 800 in every default pack (headless Chromium, offline)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MEASURE = """() => {
  const head = document.getElementById('At-a-glance');
  const next = document.getElementById('Key-messages');
  const a = head.getBoundingClientRect(), b = next.getBoundingClientRect();
  return {height: b.top - a.top, scrollWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("pack", ["borough", "north", "south", "east", "west"])
def test_at_a_glance_fits_one_screen(built_reports: Path, browser, pack: str):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto((built_reports / f"{pack}.html").resolve().as_uri())
        got = page.evaluate(MEASURE)
    finally:
        page.close()
    assert got["height"] <= 800, f"{pack}: 'At a glance' is {got['height']:.0f}px tall, more than one 800px screen"
    assert got["scrollWidth"] <= 1280
