"""Hostile names and context publish nothing executable (issue 17, point 1).

Two builds in a throw-away project copy feed valid inline HTML -- the payloads that ran script
before the hardening -- through every door a council controls:

* the ward-to-area mapping: a locality ``West <img src="x" onerror="alert(3)">``, a ward name, an
  area partnership name (the ``--grouping area_partnership`` build);
* the parameters: the council's name, and ``context.*`` Markdown holding ``<script>``, an
  ``<iframe>`` to a web site, a ``javascript:`` link, an image from the web, a bare URL, an
  autolink and a reference-style ``javascript:`` link; a grant description with a bare URL.

Each page must parse with no script element (the template ships none), no iframe, object or
embed, no ``on*`` attribute, no ``javascript:`` URL and no ``src``/``href`` that leaves the page's
folder; in headless Chromium, no dialog and no request.  The hostile text must still be shown
(as text), and the safe Markdown (bold, lists, relative links) must still render.

All inputs are made up (tests/bad_inputs/README.md).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

from reviewpack.cli import main
from reviewpack.pipeline.markdown import safe_href, safe_markdown2html
from reviewpack.present.narrative.context import context_markdown

TESTS = Path(__file__).resolve().parent

WEST = 'West <img src="x" onerror="alert(3)">'
WARD = 'Bentley <svg onload="alert(5)"></svg>'
PARTNERSHIP = 'Darlaston <img src="x" onerror="alert(6)">'
COUNCIL = 'Walsall <img src="x" onerror="alert(4)">'
CONTEXT = (
    "**MADE-UP CONTEXT.** Bold and a list stay.\n\n"
    "- <script>alert('context')</script>\n"
    "- <iframe src=https://example.com/frame></iframe>\n"
    "- [click](javascript:alert(1)) and [ref link][r]\n"
    "- ![i](https://example.com/a.png)\n"
    "- see https://example.com/bare and <https://example.com/auto> and www.example.com\n"
    "- <a href=\"https://example.com\" onclick=\"alert(2)\">raw link</a>\n\n"
    "[r]: javascript:alert(7)\n"
)
DESCRIPTION = "MADE-UP grants, listed at https://example.com/grants <b onmouseover=alert(8)>bold</b>"
EPOCH = "1700000000"


def _register_checksum(data: Path, name: str) -> None:
    manifest = data / "checksums.sha256"
    sha = hashlib.sha256((data / "raw" / name).read_bytes()).hexdigest()
    lines = [
        f"{sha}  {name}" if line.strip() and line.split(None, 1)[1].strip().lstrip("*") == name else line
        for line in manifest.read_text(encoding="utf-8").splitlines()
    ]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _hostile_project(project: Path) -> Path:
    for part in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / part, project / part)
    mapping = project / "data" / "raw" / "walsall_ward_locality.csv"
    rows = list(csv.DictReader(io.StringIO(mapping.read_text(encoding="utf-8-sig"), newline="")))
    for r in rows:
        if r["locality"] == "West":
            r["locality"] = WEST
        if r["ward_code"] == "E05001303":
            r["ward_name"] = WARD
        if r["area_partnership_name"] == "Darlaston & Bentley":
            r["area_partnership_name"] = PARTNERSHIP
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    mapping.write_text(buf.getvalue(), encoding="utf-8")
    _register_checksum(project / "data", mapping.name)
    (project / "params" / "west.yaml").write_text(yaml.safe_dump({"title": "West Locality", "area": WEST}), encoding="utf-8")
    params = project / "hostile.yaml"
    params.write_text(yaml.safe_dump({
        "local_authority": {"name": COUNCIL},
        "context": dict.fromkeys(("population", "deprivation", "grants", "options"), CONTEXT),
        "grants": {"description": DESCRIPTION},
    }, allow_unicode=True), encoding="utf-8")
    return params


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("hostile").resolve()
    project = tmp / "project"
    params = _hostile_project(project)
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        common = ["--project", str(project), "build", "--no-cache", "--params", str(params)]
        localities = main([*common, "--pack", "borough", "--pack", "west", "--out", str(tmp / "localities")])
        partnerships = main([*common, "--grouping", "area_partnership", "--pack", "borough", "--pack", "darlaston-img-src-x-onerror-alert-6",
                             "--out", str(tmp / "partnerships")])
    finally:
        mp.undo()
    assert (localities, partnerships) == (0, 0), "a hostile build failed (see the captured stderr)"
    pages = sorted((tmp / "localities").glob("*.html")) + sorted((tmp / "partnerships").glob("*.html"))
    return {"tmp": tmp, "pages": pages}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.style: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.style if self._in_style else self.text).append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def executable(page: _Page) -> list[str]:
    """Every element or attribute that could run script or make a request, as text."""
    found = []
    for tag, attrs in page.tags:
        if tag in ("script", "iframe", "frame", "object", "embed", "base", "form", "link", "meta") and not (
            tag == "meta" and set(attrs) <= {"charset", "name", "content"} and attrs.get("name") != "refresh"
        ):
            found.append(f"<{tag} {attrs}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "srcset", "poster", "xlink:href", "background", "data"):
                v = value or ""
                if not (v.startswith("data:image/") and tag == "img" and name == "src") and safe_href(v) is None:
                    found.append(f"<{tag} {name}={v[:60]!r}>")
            if name == "style" and value and re.search(r"url\s*\(|expression", value, re.I):
                found.append(f"<{tag} style={value[:60]!r}>")
    css = "".join(page.style)
    found += [f"CSS {m}" for m in re.findall(r"@import|url\s*\(\s*['\"]?(?!data:)[^)]*\)", css, re.I)]
    return found


# ---------------------------------------------------------------------------
# unit: the renderer and the context sanitiser


def test_detector_finds_what_it_must() -> None:
    """The HTML check is not vacuous: each payload, rendered by stock nbconvert, is caught."""
    from nbconvert.filters.markdown import markdown2html

    page = _Page()
    page.feed(markdown2html(CONTEXT) + f"<p>{WEST}</p><style>body{{background:url(https://e.com/x.png)}}</style>")
    found = " ".join(executable(page))
    for needle in ("<script", "<iframe", "javascript:alert(1)", "https://example.com/a.png", "onerror", "onclick", "CSS url(https://e.com"):
        assert needle in found, needle


def test_safe_renderer_leaves_nothing_executable() -> None:
    page = _Page()
    page.feed(safe_markdown2html(CONTEXT + f"\n\n{WEST}\n\n```mermaid\n<img src=x onerror=alert(1)>\n```\n[ok](north.html) [top](#main)"))
    assert executable(page) == []
    hrefs = [a.get("href") for t, a in page.tags if t == "a"]
    assert hrefs == ["north.html", "#main"], "relative and # links are kept, nothing else"
    text = "".join(page.text)
    assert "<script>alert('context')</script>" in text and WEST in text
    assert "https://example.com/bare" in text  # shown, not linked


def test_context_markdown_is_inert_even_for_a_stock_renderer() -> None:
    from nbconvert.filters.markdown import markdown2html

    html = markdown2html(context_markdown(CONTEXT))
    page = _Page()
    page.feed(html)
    assert executable(page) == [] and "<a " not in html
    assert "<strong>MADE-UP CONTEXT.</strong>" in html and html.count("<li>") == 6
    text = "".join(page.text)
    assert "<script>alert('context')</script>" in text and "[click](javascript:alert(1))" in text


def test_context_markdown_keeps_code_and_drops_control_characters() -> None:
    assert context_markdown("a\x1b\x00b `<b>x</b>` c\td\n") == "ab `<b>x</b>` c\td\n"
    assert context_markdown("```mermaid\ngraph\n```") == "```text\ngraph\n```"
    assert context_markdown("3:1 at 10:30") == "3:1 at 10:30"


# ---------------------------------------------------------------------------
# the builds


@pytest.mark.slow
def test_hostile_pages_parse_with_nothing_executable(hostile: dict[str, Any]) -> None:
    assert len(hostile["pages"]) == 6  # index, borough and one area in each build
    for path in hostile["pages"]:
        page = _parse(path)
        assert executable(page) == [], f"{path.parent.name}/{path.name}"
        text = "".join(page.text)
        assert COUNCIL in text, f"{path.name}: the council's name is not shown as text"
        if path.name != "index.html":
            assert "https://example.com/grants" in text and "<b onmouseover=alert(8)>bold</b>" in text
            assert "<iframe src=https://example.com/frame></iframe>" in text


@pytest.mark.slow
def test_hostile_names_are_shown_as_text(hostile: dict[str, Any]) -> None:
    loc = hostile["tmp"] / "localities"
    west = "".join(_parse(loc / "west.html").text)
    assert f"{WEST} had " in west, "the key messages name the area as typed"
    assert WARD in west
    borough = "".join(_parse(loc / "borough.html").text)
    assert "[click](javascript:alert(1))" in borough and "MADE-UP CONTEXT." in borough
    ap = "".join(_parse(hostile["tmp"] / "partnerships" / "borough.html").text)
    assert PARTNERSHIP in ap


@pytest.mark.slow
@pytest.mark.browser
def test_hostile_pages_run_nothing_in_the_browser(hostile: dict[str, Any], browser: Any) -> None:
    sys.path.insert(0, str(TESTS / "browser"))
    import harness

    for path in hostile["pages"]:
        report = harness.check_page(path, hostile["tmp"] / "shots", browser=browser, run_axe=False)
        where = f"{path.parent.name}/{path.name}"
        assert report.alerts == [], (where, report.alerts)
        assert report.script_count == 0 and report.script_sinks == [], (where, report.script_sinks)
        assert report.external_requests == [] and report.blocked_file_requests == [] and report.local_file_requests == [], where
        assert report.page_errors == [], (where, report.page_errors)
