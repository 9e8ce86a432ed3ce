"""The council's own context (``context.*`` parameters): its Markdown, made inert before it is shown.

A council writes a paragraph or two of Markdown to open each section (emphasis, lists,
headings).  Those words come from a parameter file, so nothing in them may become markup, a
link, an image or a request: :func:`context_markdown` keeps the Markdown formatting and
neutralises the rest, in the notebook output itself (JupyterLab shows it too).  The published
page's renderer (:mod:`reviewpack.pipeline.markdown`) enforces the same rules a second time.
"""

from __future__ import annotations

import re

__all__ = ["context_markdown"]

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# ``[text](target)`` and ``![alt](src)``: the ``(`` after ``]`` is what makes a link or an image
_LINK_OPEN = re.compile(r"\]\s*\(")
# ``[label]: target`` reference definitions
_REF_DEF = re.compile(r"^( {0,3})\[", re.M)
# anything a Markdown renderer could auto-link: ``scheme:`` and ``www.``
_SCHEME = re.compile(r"\b([A-Za-z][A-Za-z0-9+.\-]*):(?=\S)")
_WWW = re.compile(r"\b(www)\.", re.I)
# a ``mermaid`` fence is drawn by some renderers (with HTML labels and click handlers): shown as text instead
_MERMAID = re.compile(r"^(`{3,})[ \t]*mermaid", re.I)


def _inert(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _LINK_OPEN.sub(lambda m: "]\\" + m.group(0)[1:].lstrip(), text)
    text = _REF_DEF.sub(r"\1\\[", text)
    text = _SCHEME.sub(r"\1\\:", text)
    return _WWW.sub(r"\1\\.", text)


def context_markdown(text: str) -> str:
    """The council's context Markdown with no raw HTML, no links, no images and nothing to auto-link.

    Emphasis, lists, headings and code are kept; ``<`` and ``&`` are shown as typed; a link or
    image shows its Markdown source as text; ``http:``/``javascript:`` and ``www.`` cannot
    become links; control characters are dropped.  Code spans are left as they are (a renderer
    never parses their contents).

    >>> context_markdown('**Note** <script>x</script> [a](javascript:alert(1)) ![i](https://e.com/a.png)')
    '**Note** &lt;script>x&lt;/script> [a]\\\\(javascript\\\\:alert(1)) ![i]\\\\(https\\\\://e.com/a.png)'
    """
    text = _CONTROL.sub("", str(text))
    out, last = [], 0
    for m in _CODE_SPAN.finditer(text):
        out += [_inert(text[last : m.start()]), _MERMAID.sub(r"\1text", m.group(0))]
        last = m.end()
    out.append(_inert(text[last:]))
    return "".join(out)
