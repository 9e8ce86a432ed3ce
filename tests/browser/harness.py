"""Open an HTML review pack from disk in headless Chromium and check it as a reader would.

`check_page` loads one file through a ``file://`` URL with every network request blocked,
then records what a councillor reading the pack offline would run into: requests that
would fail without a network, script errors, scripts that should never have run, images a
screen reader cannot describe, axe-core accessibility violations, a broken heading
outline, sideways scrolling on a phone, and full-page screenshots at desktop and phone
widths for a person to look at.

Chromium is Debian's (``/usr/bin/chromium``), driven by the Python ``playwright`` package
through ``executable_path``; axe-core comes from ``tests/browser/node_modules`` (npm, pinned
in ``package-lock.json``). ``scripts/setup-browser.sh`` installs all three.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
SETUP_HINT = "run scripts/setup-browser.sh (installs Debian's chromium, playwright into .venv, npm axe-core)"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}

#: Flags that keep Chromium from phoning home (component updates, sync, field trials, QUIC probes).
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
    # Belt and braces: even a request that slipped past the route handler cannot resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]

#: axe impacts that fail a page.
FAILING_IMPACTS = ("serious", "critical")

#: Alt texts that say nothing about the picture (lower-cased, stripped).
PLACEHOLDER_ALTS = {
    "no description has been provided for this image",  # nbconvert's default
    "image", "img", "picture", "photo", "figure", "fig", "chart", "graph", "plot", "diagram",
    "png", "svg", "jpeg", "jpg", "output", "alt", "alt text", "todo", "tbd", "none", "null",
    "undefined", "untitled", "placeholder", "-", "_", ".",
}
MIN_ALT_CHARS = 5


class BrowserUnavailable(RuntimeError):
    """Chromium, playwright or axe-core is missing; the message says how to install them."""


@dataclasses.dataclass
class PageReport:
    """Everything `check_page` found on one page. Empty lists mean "nothing wrong"."""

    path: str
    url: str = ""
    title: str = ""
    #: non-file: requests (http, https, ws, ...): all aborted.
    external_requests: list[str] = dataclasses.field(default_factory=list)
    #: file: requests outside the page's own directory: all aborted.
    blocked_file_requests: list[str] = dataclasses.field(default_factory=list)
    #: file: requests inside the page's directory (allowed, but a self-contained pack has none).
    local_file_requests: list[str] = dataclasses.field(default_factory=list)
    console_errors: list[str] = dataclasses.field(default_factory=list)
    console_warnings: list[str] = dataclasses.field(default_factory=list)
    page_errors: list[str] = dataclasses.field(default_factory=list)
    #: alert/confirm/prompt/print calls and dialogs: any means a script ran that should not have.
    alerts: list[str] = dataclasses.field(default_factory=list)
    #: inline on*= handlers and javascript: URLs present in the DOM.
    script_sinks: list[str] = dataclasses.field(default_factory=list)
    script_count: int = 0
    image_count: int = 0
    image_problems: list[dict[str, str]] = dataclasses.field(default_factory=list)
    axe_violations: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    axe_error: str = ""
    lang: str = ""
    #: content of <meta name="viewport">; without width=device-width phones render at ~980px and zoom out.
    viewport_meta: str = ""
    h1_count: int = 0
    headings: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    heading_problems: list[str] = dataclasses.field(default_factory=list)
    phone_scroll_width: int = 0
    phone_overflow: list[str] = dataclasses.field(default_factory=list)
    desktop_overflow: list[str] = dataclasses.field(default_factory=list)
    screenshots: dict[str, str] = dataclasses.field(default_factory=dict)
    #: seconds spent per step (load, checks, axe, screenshots, ...)
    timings: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def serious_axe_violations(self) -> list[dict[str, Any]]:
        return [v for v in self.axe_violations if v.get("impact") in FAILING_IMPACTS]

    def problems(self, *, allow_local_files: bool = True) -> list[str]:
        """Human-readable list of everything that should fail the page (empty = pass)."""
        out: list[str] = []
        out += [f"external request: {u}" for u in self.external_requests]
        out += [f"file request outside the page's folder: {u}" for u in self.blocked_file_requests]
        if not allow_local_files:
            out += [f"page is not self-contained, loads: {u}" for u in self.local_file_requests]
        out += [f"console error: {m}" for m in self.console_errors]
        out += [f"page error: {m}" for m in self.page_errors]
        out += [f"unexpected script ran: {m}" for m in self.alerts]
        out += [f"script sink in DOM: {m}" for m in self.script_sinks]
        out += [
            f"image without meaningful alt ({p['reason']}): <{p['tag']}> {p['what']}"
            for p in self.image_problems
        ]
        if self.axe_error:
            out.append(f"axe-core did not run: {self.axe_error}")
        for v in self.serious_axe_violations:
            targets = "; ".join(n["target"] for n in v["nodes"][:5])
            out.append(
                f"axe {v['impact']} {v['id']} ({v['help']}) x{v.get('nodeCount', len(v['nodes']))}: {targets}"
                + (f" -- {v['nodes'][0]['summary']}" if v["nodes"] and v["nodes"][0].get("summary") else "")
            )
        if not self.lang:
            out.append("<html> has no lang attribute")
        if "width=device-width" not in self.viewport_meta.replace(" ", ""):
            out.append('no <meta name="viewport" content="width=device-width, initial-scale=1">: '
                       "phones and tablets will show the page zoomed out at ~980px")
        if self.h1_count != 1:
            out.append(f"expected exactly one <h1>, found {self.h1_count}")
        out += [f"heading outline: {m}" for m in self.heading_problems]
        out += [f"horizontal overflow at {PHONE['width']}px: {m}" for m in self.phone_overflow]
        out += [f"horizontal overflow at {DESKTOP['width']}px: {m}" for m in self.desktop_overflow]
        for name in ("desktop", "phone"):
            shot = self.screenshots.get(name)
            if not shot or not Path(shot).is_file() or Path(shot).stat().st_size == 0:
                out.append(f"no {name} screenshot written")
        return out

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data["serious_axe_violations"] = [v["id"] for v in self.serious_axe_violations]
        data["problems"] = self.problems()
        return json.dumps(data, indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------------------
# Browser lifecycle


def find_chromium() -> str:
    """Path of the Chromium binary: $REVIEWPACK_CHROMIUM, /usr/bin/chromium, or on PATH."""
    for cand in (os.environ.get("REVIEWPACK_CHROMIUM"), "/usr/bin/chromium",
                 shutil.which("chromium"), shutil.which("chromium-browser")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    raise BrowserUnavailable(f"Chromium not found (looked at $REVIEWPACK_CHROMIUM, /usr/bin/chromium, PATH): {SETUP_HINT}")


def check_requirements() -> None:
    """Raise `BrowserUnavailable` naming the first missing piece."""
    find_chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        raise BrowserUnavailable(f"Python package playwright is not installed ({exc}): {SETUP_HINT}") from exc
    if not AXE_JS.is_file():
        raise BrowserUnavailable(f"axe-core not found at {AXE_JS}: {SETUP_HINT}")


@contextlib.contextmanager
def launch_browser() -> Iterator[Any]:
    """Start headless Debian Chromium under Playwright; yields a playwright ``Browser``.

    Playwright's ``launch`` always gives Chromium a fresh temporary ``--user-data-dir``.
    """
    check_requirements()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS,
            env={**os.environ, "GOOGLE_API_KEY": "no", "GOOGLE_DEFAULT_CLIENT_ID": "no",
                 "GOOGLE_DEFAULT_CLIENT_SECRET": "no"},
        )
        try:
            yield browser
        finally:
            browser.close()


# --------------------------------------------------------------------------------------
# In-page scripts

# Runs in every frame before any of the page's own scripts. Anything a stray data string
# could execute (<script>alert(1)</script>, <img src=x onerror=alert(1)>) calls one of these.
_INIT_SCRIPT = r"""
(() => {
  const log = [];
  Object.defineProperty(window, '__reviewpackAlerts', {value: log, enumerable: false});
  const wrap = (name) => function (...args) {
    log.push(name + '(' + args.map(a => String(a)).join(', ') + ')');
    return name === 'confirm' ? false : (name === 'prompt' ? null : undefined);
  };
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    try { window[name] = wrap(name); } catch (e) {}
  }
})();
"""

_IMAGES_JS = r"""
([placeholders, minChars]) => {
  const ph = new Set(placeholders);
  const problems = [];
  const text = s => (s || '').replace(/\s+/g, ' ').trim();
  const describe = el => {
    if (el.tagName.toLowerCase() === 'img') {
      const src = el.getAttribute('src') || '';
      return src.startsWith('data:') ? src.slice(0, 30) + '…(' + src.length + ' chars)' : src.slice(0, 120);
    }
    return (el.id ? '#' + el.id : '') + ' ' + el.outerHTML.slice(0, 80);
  };
  const judge = (el, tag, name, how) => {
    const t = text(name);
    const low = t.toLowerCase().replace(/[.:!]+$/, '');
    let reason = '';
    if (name === null) reason = 'no ' + how;
    else if (!t) reason = 'empty ' + how;
    else if (ph.has(low)) reason = 'placeholder ' + how + ' "' + t + '"';
    else if (/^[\w\-. ]+\.(png|jpe?g|gif|svg|webp)$/i.test(t)) reason = 'file name as ' + how + ' "' + t + '"';
    else if (/^<(matplotlib|Figure)\b/.test(t)) reason = 'Python repr as ' + how + ' "' + t + '"';
    else if (t.length < minChars) reason = 'too short ' + how + ' "' + t + '"';
    if (reason) problems.push({tag, reason, what: describe(el)});
  };
  const hidden = el => !!el.closest('[aria-hidden="true"]');
  const imgs = [...document.querySelectorAll('img')];
  for (const img of imgs) {
    if (hidden(img)) continue;
    judge(img, 'img', img.getAttribute('alt'), 'alt');
  }
  const labelFor = el => {
    const ids = el.getAttribute('aria-labelledby');
    if (ids) return ids.split(/\s+/).map(id => text(document.getElementById(id)?.textContent)).join(' ');
    if (el.hasAttribute('aria-label')) return el.getAttribute('aria-label');
    const title = el.querySelector(':scope > title');
    return title ? title.textContent : null;
  };
  // Top-level inline SVGs: role=img ones need a name; others (e.g. an inline matplotlib
  // figure) are invisible to a screen reader unless they are marked decorative.
  const svgs = [...document.querySelectorAll('svg')].filter(s => !s.parentElement.closest('svg'));
  for (const svg of svgs) {
    if (hidden(svg)) continue;
    const role = (svg.getAttribute('role') || '').toLowerCase();
    if (role === 'presentation' || role === 'none') continue;
    const r = svg.getBoundingClientRect();
    if (role !== 'img' && r.width * r.height < 48 * 48) continue;  // small unlabelled icons: leave to axe
    if (role !== 'img') {
      problems.push({tag: 'svg', reason: 'inline chart svg without role="img" + aria-label', what: describe(svg)});
      continue;
    }
    judge(svg, 'svg role=img', labelFor(svg), 'aria-label');
  }
  return {count: imgs.length + svgs.length, problems};
}
"""

_STRUCTURE_JS = r"""
() => {
  const visible = el => {
    if (el.closest('[hidden], [aria-hidden="true"]')) return false;
    const cs = getComputedStyle(el);
    return cs.display !== 'none' && cs.visibility !== 'hidden';
  };
  const heads = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6,[role="heading"]')]
    .filter(visible)
    .map(el => {
      const lvl = /^h[1-6]$/i.test(el.tagName) && !el.hasAttribute('aria-level')
        ? +el.tagName[1] : +(el.getAttribute('aria-level') || 2);
      return [lvl, el.textContent.replace(/¶/g, '').replace(/\s+/g, ' ').trim().slice(0, 80)];
    });
  const sinks = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const n = a.name.toLowerCase();
      if (n.startsWith('on')) sinks.push('<' + el.tagName.toLowerCase() + ' ' + n + '="' + a.value.slice(0, 60) + '">');
      else if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(n)
               && /^\s*javascript:/i.test(a.value)) sinks.push('<' + el.tagName.toLowerCase() + ' ' + n + '="' + a.value.slice(0, 60) + '">');
    }
  }
  return {
    lang: document.documentElement.getAttribute('lang') || '',
    viewport: (document.querySelector('meta[name="viewport"]') || {content: ''}).content || '',
    title: document.title,
    headings: heads,
    h1: document.querySelectorAll('h1').length,
    scripts: document.scripts.length,
    sinks: sinks.slice(0, 50),
  };
}
"""

# At phone width: does the page scroll sideways, and which leaf-most elements stick out?
# Content inside a scroll/clip container (e.g. a table wrapper with overflow-x:auto)
# does not widen the page and is not reported.
_OVERFLOW_JS = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const sw = Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0);
  const clipped = el => {
    for (let a = el.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox !== 'visible') return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body ? document.body.querySelectorAll('*') : []) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // Text can overflow its own box (a <pre>, a long word): count scrollWidth too.
    const own = getComputedStyle(el).overflowX === 'visible' ? r.left + el.scrollWidth : r.right;
    // Only the right edge matters (LTR): things parked off-screen left, like a skip
    // link at left:-9999px, do not make the page scroll.
    if (r.right > 0 && Math.max(r.right, own) > vw + 1 && !clipped(el)) wide.push(el);
  }
  let leaves = wide.filter(el => !wide.some(o => o !== el && el.contains(o)));
  // Report a wide table (or pre, figure, ...) once, not each of its cells.
  leaves = [...new Set(leaves.map(el => el.closest('table, pre, figure, img, svg, video, iframe') || el))];
  const name = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].slice(0, 3).join('.');
    const p = el.parentElement;
    if (p && p !== document.body) s = (p.tagName.toLowerCase() + (p.classList.length ? '.' + [...p.classList].slice(0, 2).join('.') : '')) + ' > ' + s;
    if (el.tagName === 'TABLE') {
      let label = el.caption ? el.caption.textContent : '';
      for (let h = el.previousElementSibling || el.parentElement; !label && h; h = h.previousElementSibling || h.parentElement) {
        if (/^H[1-6]$/.test(h.tagName)) label = h.textContent;
        else { const hs = h.querySelectorAll ? h.querySelectorAll('h1,h2,h3,h4,h5,h6') : []; if (hs.length) label = hs[hs.length - 1].textContent; }
        if (h === document.body) break;
      }
      s += ' "' + label.replace(/\s+/g, ' ').trim().slice(0, 60) + '"';
    }
    const r = el.getBoundingClientRect();
    const right = getComputedStyle(el).overflowX === 'visible' ? Math.max(r.right, r.left + el.scrollWidth) : r.right;
    return s + ' (' + Math.round(r.left) + '..' + Math.round(right) + 'px)';
  };
  return {viewport: vw, scrollWidth: sw, culprits: leaves.slice(0, 15).map(name), total: leaves.length};
}
"""

_AXE_RUN_JS = r"""
async () => {
  const res = await axe.run(document, {resultTypes: ['violations']});
  return res.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
    nodes: v.nodes.slice(0, 25).map(n => ({
      target: n.target.join(' '), html: n.html.slice(0, 200),
      summary: (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 300),
    })),
    nodeCount: v.nodes.length,
  }));
}
"""


# --------------------------------------------------------------------------------------
# The check


def _is_within(url: str, folder: Path) -> bool:
    try:
        path = Path(unquote(urlparse(url).path)).resolve()
    except (OSError, ValueError):
        return False
    return path == folder or folder in path.parents


def check_page(html_path: str | os.PathLike[str], screenshot_dir: str | os.PathLike[str],
               *, browser: Any | None = None, run_axe: bool = True) -> PageReport:
    """Open ``html_path`` from disk in headless Chromium with no network and check it.

    Parameters
    ----------
    html_path
        The HTML file to open (via its ``file://`` URL).
    screenshot_dir
        Folder for ``<stem>-1280.png`` and ``<stem>-375.png`` (full-page); created if needed.
    browser
        A playwright ``Browser`` from `launch_browser` to reuse; one is started and stopped
        for this page alone when omitted.
    run_axe
        Inject the pinned axe-core and record its violations.

    Returns
    -------
    PageReport
        What was found; ``report.problems()`` lists what should fail the page.
    """
    if browser is None:
        with launch_browser() as own:
            return check_page(html_path, screenshot_dir, browser=own, run_axe=run_axe)

    page_file = Path(html_path).resolve()
    if not page_file.is_file():
        raise FileNotFoundError(page_file)
    folder = page_file.parent
    shots = Path(screenshot_dir)
    shots.mkdir(parents=True, exist_ok=True)
    url = page_file.as_uri()
    rep = PageReport(path=str(page_file), url=url)

    context = browser.new_context(
        viewport=DESKTOP, java_script_enabled=True, service_workers="block",
        accept_downloads=False, locale="en-GB",
    )
    try:
        def on_route(route: Any) -> None:
            req_url = route.request.url
            if req_url.startswith("file:"):
                if Path(unquote(urlparse(req_url).path)).resolve() == page_file:
                    route.continue_()
                elif _is_within(req_url, folder):
                    rep.local_file_requests.append(req_url)
                    route.continue_()
                else:
                    rep.blocked_file_requests.append(req_url)
                    route.abort("accessdenied")
            elif req_url.startswith(("data:", "blob:", "about:")):
                route.continue_()
            else:
                rep.external_requests.append(req_url)
                route.abort("internetdisconnected")

        context.route("**/*", on_route)
        # WebSockets are not routed by context.route; newer playwright can intercept them.
        if hasattr(context, "route_web_socket"):
            def on_ws(ws: Any) -> None:
                rep.external_requests.append(ws.url)
                ws.close()
            context.route_web_socket("**/*", on_ws)
        context.add_init_script(_INIT_SCRIPT)

        page = context.new_page()

        def on_console(msg: Any) -> None:
            loc = msg.location or {}
            where = f" @ {loc.get('url', '')}:{loc.get('lineNumber', '')}" if loc.get("url") else ""
            if msg.type == "error":
                rep.console_errors.append(msg.text + where)
            elif msg.type == "warning":
                rep.console_warnings.append(msg.text + where)

        def on_dialog(dialog: Any) -> None:
            rep.alerts.append(f"dialog {dialog.type}: {dialog.message}")
            with contextlib.suppress(Exception):
                dialog.dismiss()

        page.on("console", on_console)
        page.on("pageerror", lambda exc: rep.page_errors.append(str(exc)))
        page.on("dialog", on_dialog)
        # Requests that bypass routing (e.g. from workers) still show up here.
        page.on("requestfailed", lambda r: (
            None if r.url in rep.external_requests or r.url.startswith("file:") or r.url.startswith("data:")
            else rep.external_requests.append(r.url)))

        tick = time.perf_counter()
        page.goto(url, wait_until="load", timeout=60_000)
        page.evaluate("document.fonts ? document.fonts.ready.then(() => true) : true")
        page.wait_for_timeout(250)  # let timers (setTimeout(alert, 0), onerror of broken images) fire

        tick = _lap(rep, "load", tick)
        s = page.evaluate(_STRUCTURE_JS)
        rep.lang, rep.title, rep.h1_count = s["lang"].strip(), s["title"], s["h1"]
        rep.viewport_meta = s["viewport"]
        rep.headings = [(int(lvl), text) for lvl, text in s["headings"]]
        rep.script_count, rep.script_sinks = s["scripts"], s["sinks"]
        rep.heading_problems = heading_problems(rep.headings)

        imgs = page.evaluate(_IMAGES_JS, [sorted(PLACEHOLDER_ALTS), MIN_ALT_CHARS])
        rep.image_count, rep.image_problems = imgs["count"], imgs["problems"]

        tick = _lap(rep, "dom_checks", tick)
        if run_axe:
            try:
                page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
                rep.axe_violations = page.evaluate(_AXE_RUN_JS)
            except Exception as exc:  # report, don't crash: the other checks still count
                rep.axe_error = f"{type(exc).__name__}: {exc}"

        tick = _lap(rep, "axe", tick)
        rep.desktop_overflow = _overflow(page)
        desktop_png = shots / f"{page_file.stem}-{DESKTOP['width']}.png"
        page.screenshot(path=str(desktop_png), full_page=True)
        rep.screenshots["desktop"] = str(desktop_png)

        tick = _lap(rep, "shot_desktop", tick)
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(150)
        rep.phone_overflow = _overflow(page, rep)
        tick = _lap(rep, "phone_overflow", tick)
        phone_png = shots / f"{page_file.stem}-{PHONE['width']}.png"
        page.screenshot(path=str(phone_png), full_page=True)
        rep.screenshots["phone"] = str(phone_png)

        tick = _lap(rep, "shot_phone", tick)
        # Read the alert log last, so alerts from timers or late image errors count too.
        for frame in page.frames:
            with contextlib.suppress(Exception):
                rep.alerts += frame.evaluate("() => [...(window.__reviewpackAlerts || [])]")
    finally:
        context.close()
    return rep


def _overflow(page: Any, rep: PageReport | None = None) -> list[str]:
    ov = page.evaluate(_OVERFLOW_JS)
    if rep is not None:
        rep.phone_scroll_width = ov["scrollWidth"]
    if ov["scrollWidth"] <= ov["viewport"] + 1:
        return []
    return [f"page is {ov['scrollWidth']}px wide in a {ov['viewport']}px viewport; "
            f"{ov['total']} element(s) stick out: " + ", ".join(ov["culprits"])]


def _lap(rep: PageReport, name: str, since: float) -> float:
    now = time.perf_counter()
    rep.timings[name] = round(now - since, 3)
    return now


def heading_problems(headings: list[tuple[int, str]]) -> list[str]:
    """Skipped levels in a heading outline, e.g. an h2 followed by an h4."""
    out: list[str] = []
    if headings and headings[0][0] != 1:
        out.append(f"first heading is h{headings[0][0]} ({headings[0][1]!r}), not h1")
    for (prev, _), (lvl, text) in zip(headings, headings[1:]):
        if lvl > prev + 1:
            out.append(f"h{prev} followed by h{lvl} ({text!r}): skips h{prev + 1}")
    empty = [lvl for lvl, text in headings if not text]
    if empty:
        out.append(f"{len(empty)} empty heading(s)")
    return out
