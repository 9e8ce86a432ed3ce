"""Each pack as an A4 PDF (``reviewpack build --pdf``), printed from its page by headless Chromium.

The renderer is Debian's Chromium (``/usr/bin/chromium``, the one the browser tests use), driven
by the Python ``playwright`` package through ``executable_path``: it prints exactly the page the
browser tests check, with the same CSS (the pages' print stylesheet), keeps the SVG charts as
vectors, writes a tagged PDF with a document outline, and repeats table headers on each page.
``make pdf`` installs it (``pip install -e .[pdf]`` and ``scripts/setup-browser.sh --pdf``);
``make pack`` does not need it, and ``--pdf`` without it stops before any notebook runs
(:func:`check_renderer`, exit 2).

Each pack is printed twice.  The page is given a front section first -- a note that the HTML page is
the accessible main copy, and a table of contents of its numbered sections -- then printed once;
the page each heading landed on is read from the PDF's outline (pypdf), written into the table of
contents, and the page printed again (and checked).  A footer on every page names the pack and
says "Page N of M".  Links to other files (the index, the CSVs) are dropped: in a PDF they would
point at absolute paths of the machine that built it.  Chromium stamps the time of printing into
the PDF's information dictionary; it is replaced by the build date, so the same inputs give the
same bytes.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources as ilr
from pathlib import Path
from typing import Any

from ..errors import BuildError, ReviewpackUserError
from ..present.narrative import exports as words

__all__ = ["PdfJob", "RenderedPdf", "RendererMissing", "check_renderer", "render_pdfs", "INSTALL_HINT"]

#: How to install what ``--pdf`` needs (part of :class:`RendererMissing`'s message).
INSTALL_HINT = (
    "Run 'make pdf' (it installs them and builds the PDFs), or install them with "
    "'.venv/bin/pip install -e .[pdf]' and 'bash scripts/setup-browser.sh --pdf', then run 'reviewpack build --pdf' again."
)

#: Flags that keep Chromium from reaching the network (as the browser tests launch it).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    "--metrics-recording-only",
    "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]

#: Page margins (the footer is drawn in the bottom one); pdf.css says the same for the page box.
MARGINS = {"top": "15mm", "right": "12mm", "bottom": "18mm", "left": "12mm"}

#: Renders of one pack before its table of contents must agree with the pages its headings land on.
MAX_RENDERS = 4


class RendererMissing(ReviewpackUserError):
    """``--pdf`` was asked for but Chromium, playwright or pypdf is not installed (exit 2)."""


@dataclass(frozen=True)
class PdfJob:
    """One pack to print: its file name (without extension), its stamped HTML and its footer's words."""

    pack: str
    html: str
    title: str
    la_name: str


@dataclass(frozen=True)
class RenderedPdf:
    """A printed pack: the PDF's bytes, its page count, and the seconds it took (renders and checks)."""

    data: bytes
    pages: int
    seconds: float
    renders: int


def find_chromium() -> tuple[str | None, str]:
    """``(path, where looked)``: ``$REVIEWPACK_CHROMIUM`` if set (and nothing else), else ``/usr/bin/chromium`` or the PATH."""
    env = os.environ.get("REVIEWPACK_CHROMIUM")
    if env:
        ok = Path(env).is_file() and os.access(env, os.X_OK)
        return (env if ok else None), f"REVIEWPACK_CHROMIUM={env}"
    for cand in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand, cand
    return None, "/usr/bin/chromium and the PATH"


def check_renderer() -> str:
    """The Chromium to print with, once everything ``--pdf`` needs is known to be installed.

    Raises
    ------
    RendererMissing
        Naming what is missing and how to install it.
    """
    missing = []
    chromium, looked = find_chromium()
    if chromium is None:
        missing.append(f"headless Chromium (looked at {looked})")
    for module, package in (("playwright.sync_api", "playwright"), ("pypdf", "pypdf")):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"the Python package {package}")
    if missing:
        raise RendererMissing(
            "--pdf needs headless Chromium and the Python packages playwright and pypdf, which 'make pack' does not install; "
            f"missing: {', '.join(missing)}. {INSTALL_HINT}"
        )
    assert chromium is not None
    return chromium


def pdf_css() -> str:
    """The stylesheet added to a page printed to PDF (``static/pdf.css``)."""
    return (ilr.files("reviewpack") / "static" / "pdf.css").read_text(encoding="utf-8")


# Runs in the page (page scripts are off; this runs from outside): drops links to other files,
# adds the front section (notice + contents with placeholder page numbers), returns the headings.
_PREPARE_JS = r"""
([css, notice, heading]) => {
  const style = document.createElement('style');
  style.textContent = css;
  document.head.append(style);
  for (const a of document.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href');
    if (!href.startsWith('#') && !/^(https?:|mailto:)/i.test(href)) a.removeAttribute('href');
  }
  const main = document.querySelector('main');
  if (!main) return null;
  const heads = [...main.querySelectorAll('h2[id], h3[id]')].filter(h => !h.closest('nav'));
  const front = document.createElement('section');
  front.className = 'pdf-front';
  const note = document.createElement('div');
  note.className = 'notice';
  note.innerHTML = notice;
  const nav = document.createElement('nav');
  nav.className = 'pdf-toc';
  nav.setAttribute('aria-labelledby', 'pdf-toc-h');
  const h = document.createElement('h2');
  h.id = 'pdf-toc-h';
  h.textContent = heading;
  const ol = document.createElement('ol');
  for (const head of heads) {
    const li = document.createElement('li');
    li.className = 'l' + head.tagName.substring(1);
    const a = document.createElement('a');
    a.href = '#' + head.id;
    a.textContent = head.textContent.replace(/\s+/g, ' ').trim();
    const dots = document.createElement('span');
    dots.className = 'dots';
    dots.setAttribute('aria-hidden', 'true');
    const pg = document.createElement('span');
    pg.className = 'pg';
    pg.textContent = '000';
    li.append(a, dots, pg);
    ol.append(li);
  }
  nav.append(h, ol);
  front.append(note, nav);
  main.prepend(front);
  return heads.map(x => x.textContent.replace(/\s+/g, ' ').trim());
}
"""

_FILL_JS = r"""
(pages) => {
  const spans = document.querySelectorAll('nav.pdf-toc .pg');
  pages.forEach((p, i) => { spans[i].textContent = String(p); });
}
"""


def render_pdfs(jobs: Sequence[PdfJob], when: datetime, chromium: str | None = None) -> dict[str, RenderedPdf]:
    """Print each pack's page to an A4 PDF with one Chromium.

    Parameters
    ----------
    jobs : sequence of PdfJob
        The packs to print.
    when : datetime
        The date written into each PDF as its creation and modification date (the build date).
    chromium : str, optional
        The Chromium binary (default: :func:`check_renderer`).

    Returns
    -------
    dict
        ``{pack: RenderedPdf}``.

    Raises
    ------
    RendererMissing
        If the renderer is not installed.
    BuildError
        If a page cannot be printed, or its table of contents does not settle.
    """
    chromium = chromium or check_renderer()
    if not jobs:
        return {}
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _render_all(jobs, when, chromium)
    # Playwright's sync API refuses to run inside an event loop (a notebook, a test session that
    # already drives a browser): print from a thread of our own, which has no loop
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="reviewpack-pdf") as pool:
        return pool.submit(_render_all, jobs, when, chromium).result()


def _render_all(jobs: Sequence[PdfJob], when: datetime, chromium: str) -> dict[str, RenderedPdf]:
    """:func:`render_pdfs` in the current thread (which must have no running event loop)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    css = pdf_css()
    out: dict[str, RenderedPdf] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
                env={**os.environ, "GOOGLE_API_KEY": "no", "GOOGLE_DEFAULT_CLIENT_ID": "no", "GOOGLE_DEFAULT_CLIENT_SECRET": "no"},
            )
            try:
                context = browser.new_context(java_script_enabled=False, offline=True, service_workers="block", locale="en-GB")
                context.route("**/*", lambda route: route.abort())  # the pages are self-contained: nothing to fetch
                for job in jobs:
                    out[job.pack] = _render(context, job, css, when)
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise BuildError(f"Printing the PDF failed: {exc}") from exc
    return out


def _render(context: Any, job: PdfJob, css: str, when: datetime) -> RenderedPdf:
    t0 = time.perf_counter()
    page = context.new_page()
    try:
        page.set_content(job.html, wait_until="load")
        headings = page.evaluate(_PREPARE_JS, [css, words.pdf_notice_html(job.pack), words.PDF_CONTENTS_HEADING])
        if headings is None:
            raise BuildError(f"PDF of pack '{job.pack}': the page has no <main> element to print.")
        options = {
            "format": "A4", "prefer_css_page_size": True, "print_background": True, "tagged": True, "outline": True,
            "display_header_footer": True, "header_template": "<span></span>",
            "footer_template": words.pdf_footer_html(job.title, job.la_name), "margin": MARGINS,
        }
        shown: list[int] | None = None
        for renders in range(1, MAX_RENDERS + 1):
            data = page.pdf(**options)
            landed, count = heading_pages(data, headings, job.pack)
            if landed == shown:
                return RenderedPdf(fix_dates(data, when), count, time.perf_counter() - t0, renders)
            page.evaluate(_FILL_JS, landed)
            shown = landed
    finally:
        page.close()
    raise BuildError(f"PDF of pack '{job.pack}': its table of contents did not settle after {MAX_RENDERS} renders.")


def heading_pages(data: bytes, headings: Sequence[str], pack: str = "") -> tuple[list[int], int]:
    """The page (from 1) each heading landed on, read from the PDF's outline, and the page count.

    The outline lists the document's headings in order; each of ``headings`` is matched, in
    order, with the next outline entry of the same text.

    Raises
    ------
    BuildError
        If a heading is not in the outline.
    """
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    entries: list[tuple[str, int]] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                number = reader.get_destination_page_number(item)
                if number is not None:
                    entries.append((" ".join(str(item.title).split()), number + 1))

    walk(reader.outline)
    pages, i = [], 0
    for text in headings:
        while i < len(entries) and entries[i][0] != text:
            i += 1
        if i == len(entries):
            raise BuildError(f"PDF of pack '{pack}': the heading '{text}' is not in the PDF's outline, so its page is unknown.")
        pages.append(entries[i][1])
        i += 1
    return pages, len(reader.pages)


_DATE = re.compile(rb"/(CreationDate|ModDate) ?\(D:(\d{14})([^)]*)\)")
_UTC = {0: b"", 1: b"Z", 6: b"+00'00", 7: b"+00'00'"}  # a UTC offset spelled in as many bytes as the one replaced


def fix_dates(data: bytes, when: datetime) -> bytes:
    """The PDF with its creation and modification dates set to ``when`` (UTC), each in as many bytes, so offsets hold.

    Raises
    ------
    BuildError
        If the PDF has no such dates where Chromium writes them (a renderer that writes them
        elsewhere would make the PDF differ from build to build).
    """
    stamp = when.strftime("%Y%m%d%H%M%S").encode()
    found = [m for m in _DATE.finditer(data) if len(m.group(3)) in _UTC]
    if {m.group(1) for m in found} != {b"CreationDate", b"ModDate"}:
        raise BuildError("The PDF renderer wrote no creation and modification dates where expected; the PDF would not be reproducible.")

    def fixed(m: re.Match[bytes]) -> bytes:
        if len(m.group(3)) not in _UTC:
            return m.group(0)
        head = m.group(0)[: m.start(2) - m.start(0)]
        return head + stamp + _UTC[len(m.group(3))] + b")"

    return _DATE.sub(fixed, data)
