"""``reviewpack build --pdf``: each pack as an A4 PDF printed by headless Chromium.

The PDF checks need Debian's Chromium, the Python packages playwright and pypdf, and pdftoppm
(poppler-utils): ``make test`` installs them (``scripts/setup-browser.sh`` and the ``pdf`` extra).
Without them these tests FAIL (they do not skip), like the browser tests. Only the North pack is
printed, in a throw-away copy of the project (its own build cache).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, browser_missing

from reviewpack.cli import main
from reviewpack.pipeline.pdf import RendererMissing, check_renderer, fix_dates

EPOCH = "1700000000"  # 14 November 2023
PACK = "north"


def _need_renderer() -> None:
    try:
        check_renderer()
    except RendererMissing as exc:  # fails under CI=true, else skips loudly (conftest.browser_missing)
        browser_missing(f"{exc} (the PDF tests need it: run 'make test' as root, which installs it)")
    if shutil.which("pdftoppm") is None:
        browser_missing("pdftoppm not found: run scripts/setup-browser.sh (installs poppler-utils)")


def _build(project: Path, out: Path, *extra: str) -> int:
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        return main(["--project", str(project), "build", "--pack", PACK, "--jobs", "1", "--out", str(out), *extra])
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """North built with --pdf into a fresh folder of a copy of the project."""
    _need_renderer()
    from pypdf import PdfReader

    tmp = tmp_path_factory.mktemp("pdf").resolve()
    project = tmp / "project"
    for part in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / part, project / part)
    out = tmp / "out"
    assert _build(project, out, "--pdf") == 0, "the --pdf build failed"
    path = out / f"{PACK}.pdf"
    reader = PdfReader(path)
    pages = [p.extract_text() for p in reader.pages]
    return {"project": project, "out": out, "path": path, "bytes": path.read_bytes(), "reader": reader, "pages": pages, "tmp": tmp}


def _flat(text: str) -> str:
    return " ".join(text.split())


def _key_messages(page_html: str) -> list[str]:
    block = re.search(r'<div class="key-messages">(.*?)</div>', page_html, re.S)
    assert block, "no key messages on the page"
    return [_flat(html.unescape(re.sub(r"<[^>]+>", "", li))) for li in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


# ---------------------------------------------------------------------------
# the PDF


@pytest.mark.slow
@pytest.mark.browser
def test_every_page_renders_on_a4(printed: dict[str, Any]) -> None:
    reader = printed["reader"]
    count = len(reader.pages)
    assert count >= 10, f"only {count} pages"
    manifest = json.loads((printed["out"] / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["packs"][PACK]
    assert (entry["pdf"], entry["pdf_pages"]) == (f"{PACK}.pdf", count)
    assert entry["pdf_sha256"] == hashlib.sha256(printed["bytes"]).hexdigest()
    for page in reader.pages:  # A4 is 595.28 x 841.89 points
        assert abs(float(page.mediabox.width) - 595.3) < 1.5 and abs(float(page.mediabox.height) - 841.9) < 1.5
    pngs = printed["tmp"] / "png"
    pngs.mkdir()
    subprocess.run(["pdftoppm", "-r", "24", "-gray", str(printed["path"]), str(pngs / "p")], check=True, capture_output=True, timeout=120)
    rendered = sorted(pngs.glob("p-*.pgm"))
    assert len(rendered) == count, f"pdftoppm rendered {len(rendered)} of {count} pages"
    for image in rendered:
        pixels = image.read_bytes().split(b"\n", 3)[3]  # P5 header: magic, size, maxval, then the pixels
        assert sum(1 for p in pixels if p < 200) > 200, f"{image.name} is blank"


@pytest.mark.slow
@pytest.mark.browser
def test_first_pages_hold_the_title_the_notice_and_every_key_message(printed: dict[str, Any]) -> None:
    first = _flat(printed["pages"][0])
    assert first.startswith("Walsall scrutiny review pack North Locality"), first[:120]
    assert "This PDF is a print copy. The accessible main copy of this review pack is the web page north.html" in first
    opening = _flat(" ".join(printed["pages"][:2]))
    messages = _key_messages((printed["out"] / f"{PACK}.html").read_text(encoding="utf-8"))
    assert len(messages) >= 4
    for message in messages:
        assert message in opening, f"key message not on page 1 or 2: {message}"


@pytest.mark.slow
@pytest.mark.browser
def test_footer_numbers_every_page_and_names_the_pack(printed: dict[str, Any]) -> None:
    total = len(printed["pages"])
    for number, text in enumerate(printed["pages"], start=1):
        last = [line for line in text.splitlines() if line.strip()][-1]
        assert last == f"North Locality — Walsall review pack Page {number} of {total}", f"page {number}: {last!r}"


@pytest.mark.slow
@pytest.mark.browser
def test_contents_gives_the_page_each_section_starts_on(printed: dict[str, Any]) -> None:
    pages = printed["pages"]
    lines = pages[0].splitlines()
    start = lines.index("Contents")
    entries = []
    for line in lines[start + 1 :]:
        m = re.fullmatch(r"(.+?) (\d+)", line)
        if not m:
            break
        entries.append((m.group(1), int(m.group(2))))
    sections = [title for title, _ in entries if re.match(r"\d\. ", title)]
    assert sections[:4] == ["1. Population demand", "2. Demand beyond age", "3. Deprivation", "4. Grant funding"], entries
    assert any(re.match(r"\d\.\d ", title) for title, _ in entries), "no numbered subsections"
    for title, listed in entries:  # independently: the page whose text has the heading as a line of its own
        found = [n for n, text in enumerate(pages, start=1) if title in (line.strip() for line in text.splitlines())]
        assert found, f"heading {title!r} not found on any page"
        assert listed == found[0], f"contents says {title!r} is on page {listed}, it is on page {found[0]}"


@pytest.mark.slow
@pytest.mark.browser
def test_no_missing_glyphs_and_every_font_embedded(printed: dict[str, Any]) -> None:
    text = "".join(printed["pages"])
    assert "\ufffd" not in text and "\x00" not in text
    assert "£" in text and "—" in text and "–" in text, "the characters to check are not in the pack"
    fonts = set()
    for page in printed["reader"].pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font).get("/FontDescriptor")
            assert descriptor is not None, font.get("/BaseFont")
            descriptor = descriptor.get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f"{font.get('/BaseFont')} is not embedded"
            fonts.add(str(font.get("/BaseFont")))
    assert fonts


@pytest.mark.slow
@pytest.mark.browser
def test_tagged_with_an_outline_vector_charts_and_no_local_paths(printed: dict[str, Any]) -> None:
    reader = printed["reader"]
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"], "not a tagged PDF"
    assert str(root.get("/Lang")) == "en"
    titles = [getattr(item, "title", None) for item in reader.outline if not isinstance(item, list)]
    assert "North Locality" in titles
    images = 0
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        images += sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")
    assert images == 0, "a chart was printed as a picture, not as vectors"
    data = printed["bytes"]
    assert b"file:" not in data and str(printed["tmp"]).encode() not in data, "the PDF holds a local path"
    assert reader.metadata["/CreationDate"] == "D:20231114000000+00'00'"


@pytest.mark.slow
@pytest.mark.browser
def test_rebuilds_drop_a_stale_pdf_and_print_the_same_bytes(printed: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    out = printed["tmp"] / "again"
    shutil.copytree(printed["out"], out)
    assert _build(printed["project"], out) == 0  # without --pdf: from the cache, the PDF goes
    assert not (out / f"{PACK}.pdf").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "pdf" not in manifest["packs"][PACK]
    page = (out / f"{PACK}.html").read_text(encoding="utf-8")
    assert f'href="{PACK}.xlsx"' in page and f"{PACK}.pdf" not in page
    capsys.readouterr()
    assert _build(printed["project"], out, "--pdf") == 0  # not "up to date": the folder has no PDF
    assert "Up to date" not in capsys.readouterr().out
    assert (out / f"{PACK}.pdf").read_bytes() == printed["bytes"], "the same inputs printed different bytes"
    assert '<a href="north.pdf">Print copy (PDF, A4)</a>' in (out / f"{PACK}.html").read_text(encoding="utf-8")
    assert '<a href="north.pdf">Print copy (PDF, A4)</a>' in (out / "index.html").read_text(encoding="utf-8")
    assert _build(printed["project"], out, "--pdf") == 0
    assert "Up to date" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.browser
def test_a_pdf_that_fails_publishes_nothing(printed: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import reviewpack.pipeline.pdf as pdf_module
    from reviewpack.errors import BuildError

    out = printed["tmp"] / "kept"
    shutil.copytree(printed["out"], out)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    def fails(*args: object, **kwargs: object) -> None:
        raise BuildError("Printing the PDF failed: made up for the test")

    monkeypatch.setattr(pdf_module, "render_pdfs", fails)
    assert _build(printed["project"], out, "--pdf") == 1  # the pack from the cache; its printing fails
    assert "error: Printing the PDF failed: made up for the test" in capsys.readouterr().err
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert after == before, "a failed PDF changed the published folder"
    assert not [p for p in out.parent.iterdir() if "staging" in p.name or ".old-" in p.name]


# ---------------------------------------------------------------------------
# without the renderer; the dates


def test_pdf_without_the_renderer_is_exit_2_before_any_notebook_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import reviewpack.pipeline.build as build_module

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("a notebook ran")

    monkeypatch.setattr(build_module, "run_packs", no_run)
    monkeypatch.setenv("REVIEWPACK_CHROMIUM", str(tmp_path / "no-chromium"))
    out = tmp_path / "out"
    assert main(["--project", str(ROOT), "build", "--pack", PACK, "--pdf", "--no-cache", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: --pdf needs headless Chromium and the Python packages playwright and pypdf, which 'make pack' does not install; "
        f"missing: headless Chromium (looked at REVIEWPACK_CHROMIUM={tmp_path / 'no-chromium'}). Run 'make pdf' (it installs them "
        "and builds the PDFs), or install them with '.venv/bin/pip install -e .[pdf]' and 'bash scripts/setup-browser.sh --pdf', "
        "then run 'reviewpack build --pdf' again.\n"
    )
    assert not out.exists()
    monkeypatch.setitem(__import__("sys").modules, "pypdf", None)  # as if pypdf were not installed
    assert main(["--project", str(ROOT), "build", "--pack", PACK, "--pdf", "--no-cache", "--out", str(out)]) == 2
    assert "missing: headless Chromium (looked at REVIEWPACK_CHROMIUM=" in (err := capsys.readouterr().err)
    assert "), the Python package pypdf. Run 'make pdf'" in err


def test_fix_dates_keeps_every_offset() -> None:
    from datetime import datetime

    made_up = b"%PDF-1.4\n1 0 obj\n<</CreationDate (D:20261127152745+13'00') /ModDate (D:20261127152745-05'00')>>\nendobj\n"
    fixed = fix_dates(made_up, datetime(2023, 11, 14))
    assert len(fixed) == len(made_up)
    assert fixed == made_up.replace(b"20261127152745+13'00'", b"20231114000000+00'00'").replace(b"20261127152745-05'00'", b"20231114000000+00'00'")
    from reviewpack.errors import BuildError

    with pytest.raises(BuildError, match="no creation and modification dates"):
        fix_dates(b"%PDF-1.4 nothing here", datetime(2023, 11, 14))
