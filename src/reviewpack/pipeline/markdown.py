"""Markdown -> HTML for the published pages, with nothing executable and nothing fetched.

nbconvert's own ``markdown2html`` passes raw HTML through (``<script>``, ``<iframe>``, ``on*=``
handlers), keeps ``javascript:`` links, turns bare ``http://`` text into links and ``![](url)``
into images that load from the network.  Every Markdown cell and Markdown output of a pack
(narrative, key messages, the council's ``context.*`` text) is rendered here instead:

* raw HTML, inline or as a block, is shown as text (escaped), never parsed;
* a link keeps its target only when it is relative or a ``#`` fragment (no scheme, no ``//``,
  no backslash, no control character): anything else shows its text alone;
* an image shows its alt text only (a self-contained page loads nothing);
* bare URLs are not auto-linked (the ``url`` plugin is left out);
* a ``mermaid`` code block is shown as escaped text.

Everything else (emphasis, lists, tables, headings, code) renders exactly as nbconvert renders it,
so the page reads the same.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

__all__ = ["safe_markdown2html", "safe_href"]

#: The plugins nbconvert enables, without ``url`` (no auto-linking of bare URLs).
PLUGINS = ("strikethrough", "table", "task_lists", "def_list")

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def safe_href(url: str) -> str | None:
    """``url`` if a published page may link to it (a ``#`` fragment or a relative path), else ``None``.

    Checked on the text as a browser would read it (HTML entities decoded): no scheme
    (``javascript:``, ``http:``, ``data:``...), no protocol-relative ``//host``, no absolute path,
    no backslash, whitespace or control character.

    >>> safe_href("#deprivation"), safe_href("tables/borough/x.csv")
    ('#deprivation', 'tables/borough/x.csv')
    >>> [safe_href(u) for u in ("javascript:alert(1)", "java&#115;cript:x", "//e.com", "https://e.com", "/etc/passwd")]
    [None, None, None, None, None]
    """
    decoded = html.unescape(html.unescape(url))
    if not decoded or _UNSAFE_CHARS.search(decoded) or _SCHEME.match(decoded) or decoded.startswith("/"):
        return None
    if ":" in decoded.split("/", 1)[0].split("#", 1)[0].split("?", 1)[0]:
        return None  # a colon before the first '/' could be read as a scheme
    return url


@lru_cache(maxsize=1)
def _renderer_class() -> type:
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    class SafeRenderer(IPythonRenderer):
        """nbconvert's renderer with raw HTML escaped, links and images restricted."""

        def inline_html(self, html_text: str) -> str:
            return html.escape(html_text, quote=False)

        def block_html(self, html_text: str) -> str:
            return "<p>" + html.escape(html_text.strip(), quote=False) + "</p>\n"

        def link(self, text: str, url: str, title: str | None = None) -> str:
            href = safe_href(url)
            if href is None:
                return text
            title_attr = f' title="{html.escape(title)}"' if title else ""
            return f'<a href="{html.escape(href)}"{title_attr}>{text}</a>'

        def image(self, text: str, url: str, title: str | None = None) -> str:
            return html.escape(html.unescape(re.sub(r"<[^>]*>", "", text)), quote=False)

        def block_mermaidjs(self, code: str) -> str:
            return "<pre><code>" + html.escape(code.strip(), quote=False) + "</code></pre>\n"

    return SafeRenderer


def safe_markdown2html(source: str, **_: Any) -> str:
    """Render Markdown for a published page: no raw HTML, no external or script links, no images, no auto-links."""
    from mistune import import_plugin
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    renderer = _renderer_class()(escape=False, allow_harmful_protocols=False)
    return str(MarkdownWithMath(renderer=renderer, plugins=[import_plugin(p) for p in PLUGINS]).render(source))
