"""Publishing: executed notebook -> self-contained HTML, CSV tables, index page, manifest.

The HTML uses the package's own nbconvert template (``templates/reviewpack``):
no code, no prompts, no scripts, no external requests, charts inline as
``data:`` images with the alt text from the output metadata.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass, field
from importlib import resources as ilr
from pathlib import Path
from typing import Any

import nbformat

from .errors import BuildError

TEMPLATE_NAME = "reviewpack"


def _templates_dir() -> str:
    return str(ilr.files("reviewpack") / "templates")


def css() -> str:
    """The report stylesheet (inlined into every page)."""
    return (ilr.files("reviewpack") / "static" / "report.css").read_text(encoding="utf-8")


def _svg_base64(svg: str) -> str:
    return base64.b64encode(svg.encode("utf-8")).decode("ascii")


@dataclass
class PackOutput:
    """What one executed pack notebook publishes."""

    html: str
    tables: dict[str, str] = field(default_factory=dict)
    headlines: dict[str, Any] = field(default_factory=dict)


def collect_tables(nb: nbformat.NotebookNode) -> dict[str, str]:
    """``{table name: csv text}`` from the outputs made by :func:`reviewpack.report.show_table`.

    Raises
    ------
    BuildError
        If two tables in one pack share a name.
    """
    tables: dict[str, str] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("reviewpack", {})
            if meta.get("kind") == "table":
                name = meta["name"]
                if name in tables:
                    raise BuildError(f"Two tables in one pack are both named '{name}'; table names must be unique.")
                tables[name] = meta["csv"]
    return tables


def collect_headlines(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Headline figures recorded by :func:`reviewpack.report.record_headlines` (for the index cards)."""
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("reviewpack", {})
            if meta.get("kind") == "headlines":
                found.update(meta.get("values", {}))
    return found


def check_no_errors(nb: nbformat.NotebookNode, pack: str) -> None:
    """Refuse to publish a notebook that holds an error output."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise BuildError(f"Pack '{pack}': a notebook cell raised {out.get('ename')}: {out.get('evalue')}")


_ANCHOR = re.compile(r'<a class="anchor-link" href="#[^"]*">¶</a>')
_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)


def _toc(body: str) -> str:
    items = [
        f'<li><a href="#{html.escape(i, quote=True)}">{text}</a></li>'
        for i, text in _H2.findall(body)
        if "toc" not in i
    ]
    if not items:
        return ""
    return '<nav class="toc" aria-labelledby="toc-h"><h2 id="toc-h">Contents</h2><ul>' + "".join(items) + "</ul></nav>"


def export_html(nb: nbformat.NotebookNode, page: dict[str, Any]) -> str:
    """Render an executed notebook to a self-contained HTML page.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook.
    page : dict
        Page furniture: ``pack, title, la_name, covers, vintages, build_date, packs
        [{name, label}], attribution, version, commit``.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[_templates_dir()],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_filter("svg_base64", _svg_base64)
    resources = {"reviewpack": {**page, "css": css(), "toc": "<!--reviewpack:toc-->"}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = _ANCHOR.sub("", body)
    body = body.replace("<!--reviewpack:toc-->", _toc(body), 1)
    return body


def write_index(out_dir: Path, page: dict[str, Any], cards: list[dict[str, Any]]) -> None:
    """Write ``index.html``: one card per pack with its headline figures and a link.

    Parameters
    ----------
    out_dir : Path
        Output folder.
    page : dict
        As for :func:`export_html` (``title`` is replaced).
    cards : list of dict
        ``{name, label, covers, figures: [(label, text)]}`` per pack.
    """
    esc = html.escape
    items = []
    for c in cards:
        figs = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in c["figures"])
        items.append(
            f'<li class="card"><h2><a href="{esc(c["name"])}.html">{esc(c["label"])}</a></h2>'
            f'<p>{esc(c["covers"])}</p><dl>{figs}</dl></li>'
        )
    nav = "".join(f'<li><a href="{esc(c["name"])}.html">{esc(c["label"])}</a></li>' for c in cards)
    doc = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="reviewpack {esc(page['version'])}">
<title>{esc(page['la_name'])} review packs</title>
<style>
{css()}
</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="masthead">
<nav aria-label="Review packs"><ul class="packnav"><li><a aria-current="page" href="index.html">All packs</a></li>{nav}</ul></nav>
<p class="kicker">{esc(page['la_name'])} scrutiny review packs</p>
<h1>{esc(page['la_name'])}: deprivation, population demand and grant funding by {esc(page['grouping_label'].lower())}</h1>
<dl class="meta"><div><dt>Data</dt><dd>{esc(page['vintages'])}</dd></div><div><dt>Built</dt><dd>{esc(page['build_date'])}</dd></div></dl>
</header>
<main id="main">
{'<div class="banner" role="note"><p><strong>ILLUSTRATIVE — not real grants.</strong> These packs are built from a made-up grant register to show how the analysis works; do not quote their grant figures.</p></div>' if page.get('illustrative') else ''}
<p>{esc(page.get('intro') or 'One pack for the borough overview and one for each ' + page['grouping_label'].lower() + '.')} Each opens on its own, offline; every table in a pack can be downloaded as CSV.</p>
<ul class="cards">{''.join(items)}</ul>
</main>
<footer class="site-footer">
<p><strong>Sources.</strong> {esc(page['attribution'])}</p>
<p>Built by reviewpack {esc(page['version'])} from git commit <code>{esc(page['commit'])}</code>. Build record: <a href="manifest.json">manifest.json</a>.</p>
</footer>
</body>
</html>
"""
    (out_dir / "index.html").write_text(doc, encoding="utf-8")


def write_pack(out_dir: Path, pack: str, output: PackOutput) -> None:
    """Write ``<pack>.html`` and ``tables/<pack>/<name>.csv``."""
    (out_dir / f"{pack}.html").write_text(output.html, encoding="utf-8")
    tdir = out_dir / "tables" / pack
    tdir.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(output.tables.items()):
        (tdir / f"{name}.csv").write_text(text, encoding="utf-8", newline="")


def write_json(path: Path, data: Any) -> None:
    """Write JSON deterministically (sorted keys, 2-space indent, trailing newline)."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
