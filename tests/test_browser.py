"""Open every built review pack in headless Chromium, offline, and check it as a reader would.

Needs Debian's Chromium, the Python ``playwright`` package and npm ``axe-core``: run
``scripts/setup-browser.sh`` once. Without them these tests FAIL (they do not skip), so a
CI that forgot the setup step goes red instead of silently passing.

The packs are built once per session (the shared ``built_reports`` fixture in conftest.py). To check an
existing build instead (e.g. after ``make pack``), set ``REVIEWPACK_BROWSER_PACKS=reports/latest``.
Screenshots go to ``tests/artifacts/screenshots/`` and one JSON report per page to
``tests/artifacts/browser/`` (both git-ignored).
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS / "browser"))
import harness  # noqa: E402

pytestmark = pytest.mark.browser

PACK_PAGES = ["index", "borough", "north", "south", "east", "west"]
ARTIFACTS = TESTS / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


# --------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def built_packs(request) -> Path:
    """Folder holding index.html and the <pack>.html files: the session's shared build
    (``built_reports`` in conftest.py), or an existing build named by REVIEWPACK_BROWSER_PACKS."""
    existing = os.environ.get("REVIEWPACK_BROWSER_PACKS")
    if existing:
        out = Path(existing)
        if not out.is_absolute():
            out = ROOT / out
        if not (out / "index.html").is_file():
            pytest.fail(f"REVIEWPACK_BROWSER_PACKS={existing}: no index.html in {out}", pytrace=False)
        return out
    return request.getfixturevalue("built_reports")


# --------------------------------------------------------------------------------------
# The real packs


@pytest.mark.parametrize("name", PACK_PAGES)
def test_pack_page_is_offline_accessible_and_responsive(name, built_packs, browser):
    page = built_packs / f"{name}.html"
    assert page.is_file(), f"{page} was not built"
    report = harness.check_page(page, SCREENSHOTS, browser=browser)
    (ARTIFACTS / "browser").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "browser" / f"{name}.json").write_text(report.to_json(), encoding="utf-8")

    problems = report.problems(allow_local_files=False)
    assert not problems, f"{name}.html has {len(problems)} problem(s):\n  " + "\n  ".join(problems)
    # Belt and braces on the contract points, in case problems() is ever loosened.
    assert report.external_requests == []
    assert report.console_errors == [] and report.page_errors == []
    assert report.alerts == []
    assert report.lang and report.h1_count == 1
    assert Path(report.screenshots["desktop"]).stat().st_size > 0
    assert Path(report.screenshots["phone"]).stat().st_size > 0


# --------------------------------------------------------------------------------------
# The harness itself: it must catch what it claims to catch, and pass a clean page.

_PNG_1PX = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk"
            "YAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

BAD_PAGE = textwrap.dedent(f"""\
    <!doctype html>
    <html>
    <head>
      <meta charset="utf-8"><title>Bad pack</title>
      <script src="https://cdn.example.invalid/require.min.js"></script>
      <link rel="stylesheet" href="../outside.css">
    </head>
    <body>
      <main>
      <h1>North locality</h1>
      <h3>Skipped straight to h3</h3>
      <p>Grant recipient: <script>alert("xss-script")</script></p>
      <p>Grant recipient: <img src=x onerror=alert("xss-onerror")></p>
      <img src="{_PNG_1PX}" width="200" height="100">
      <img src="{_PNG_1PX}" alt="No description has been provided for this image" width="200" height="100">
      <h1>A second h1</h1>
      <pre style="white-space:pre">{"x" * 300}</pre>
      <p style="color:#bbb;background:#fff">Low contrast text that axe should flag.</p>
      </main>
      <script>console.error("kaboom from the page");</script>
    </body>
    </html>
    """)

GOOD_PAGE = textwrap.dedent(f"""\
    <!doctype html>
    <html lang="en-GB">
    <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>North locality review pack</title>
      <style>
        body {{ font-family: sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #0b0c0c; }}
        .table-wrap {{ overflow-x: auto; }}
        img {{ max-width: 100%; height: auto; }}
      </style>
    </head>
    <body>
      <header><p>Walsall Council &middot; Localities</p></header>
      <main>
        <h1>North locality review pack</h1>
        <h2>Key messages</h2>
        <p>A data string shown as text, escaped: &lt;script&gt;alert(1)&lt;/script&gt;
           and &lt;img src=x onerror=alert(1)&gt;.</p>
        <h3>Population</h3>
        <img src="{_PNG_1PX}" width="600" height="300"
             alt="Bar chart: North has a fifth of the borough's residents but many of the most deprived.">
        <svg role="img" aria-label="Line chart of grant spend per resident by year, rising in North."
             width="300" height="150" viewBox="0 0 300 150"><rect width="300" height="150" fill="#1d70b8"/></svg>
        <h2>Tables</h2>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Population by ward">
          <table>
            <caption>Population by ward</caption>
            <thead><tr>{"".join(f"<th scope='col'>Column {i} (people)</th>" for i in range(12))}</tr></thead>
            <tbody><tr>{"".join(f"<td>{1000 + i}</td>" for i in range(12))}</tr></tbody>
          </table>
        </div>
      </main>
    </body>
    </html>
    """)


@pytest.fixture(scope="module")
def bad_report(tmp_path_factory, browser):
    d = tmp_path_factory.mktemp("bad") / "site"
    d.mkdir()
    (d.parent / "outside.css").write_text("body{}")
    (d / "bad.html").write_text(BAD_PAGE, encoding="utf-8")
    return harness.check_page(d / "bad.html", d.parent / "shots", browser=browser)


def test_harness_catches_external_script_request(bad_report):
    assert "https://cdn.example.invalid/require.min.js" in bad_report.external_requests


def test_harness_blocks_file_requests_outside_the_page_folder(bad_report):
    assert any(u.endswith("/outside.css") for u in bad_report.blocked_file_requests)
    assert any(u.endswith("/site/x") for u in bad_report.local_file_requests)


def test_harness_catches_images_without_alt(bad_report):
    reasons = [p["reason"] for p in bad_report.image_problems]
    assert any(r == "no alt" for r in reasons), reasons
    assert any(r.startswith("placeholder alt") for r in reasons), reasons


def test_harness_catches_console_errors(bad_report):
    assert any("kaboom from the page" in m for m in bad_report.console_errors), bad_report.console_errors


def test_harness_catches_heading_problems(bad_report):
    assert bad_report.h1_count == 2
    assert any("h1 followed by h3" in m for m in bad_report.heading_problems), bad_report.heading_problems


def test_harness_catches_injected_scripts(bad_report):
    assert 'alert(xss-script)' in bad_report.alerts, bad_report.alerts
    assert 'alert(xss-onerror)' in bad_report.alerts, bad_report.alerts
    assert any("onerror" in s for s in bad_report.script_sinks)


def test_harness_catches_missing_lang_overflow_and_axe(bad_report):
    assert bad_report.lang == ""
    assert bad_report.phone_overflow and "pre" in bad_report.phone_overflow[0]
    assert bad_report.desktop_overflow and "pre" in bad_report.desktop_overflow[0]
    ids = {v["id"] for v in bad_report.serious_axe_violations}
    assert {"html-has-lang", "color-contrast", "image-alt"} <= ids, ids
    assert not bad_report.axe_error


def test_harness_report_lists_every_problem(bad_report):
    text = "\n".join(bad_report.problems())
    for needle in ("external request", 'meta name="viewport"', "outside the page's folder", "console error",
                   "unexpected script ran", "without meaningful alt", "no lang",
                   "exactly one <h1>", "skips h2", "overflow at 375px", "axe serious"):
        assert needle in text, needle
    assert bad_report.to_json()  # serialisable


def test_harness_passes_a_clean_page(tmp_path, browser):
    (tmp_path / "good.html").write_text(GOOD_PAGE, encoding="utf-8")
    report = harness.check_page(tmp_path / "good.html", tmp_path / "shots", browser=browser)
    assert report.problems(allow_local_files=False) == []
    assert report.image_count == 2
    assert report.headings[0] == (1, "North locality review pack")
    for name, width in (("desktop", 1280), ("phone", 375)):
        png = Path(report.screenshots[name])
        assert png.name == f"good-{width}.png"
        # PNG header: width is the big-endian uint32 at byte 16.
        assert int.from_bytes(png.read_bytes()[16:20], "big") == width


def test_heading_problems_rules():
    assert harness.heading_problems([(1, "a"), (2, "b"), (3, "c"), (2, "d"), (3, "e")]) == []
    assert harness.heading_problems([(2, "a")]) == ["first heading is h2 ('a'), not h1"]
    assert harness.heading_problems([(1, "a"), (2, "b"), (4, "c")]) == [
        "h2 followed by h4 ('c'): skips h3"]
