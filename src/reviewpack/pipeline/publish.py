"""Publishing: executed notebook -> self-contained HTML, CSV tables, index page, manifest; then the swap.

Each pack's workbook (and, with ``--pdf``, its PDF) is written by :mod:`reviewpack.pipeline.exports`.

The HTML uses the package's own nbconvert template (``templates/reviewpack``):
no code, no prompts, no scripts, no external requests, charts inline as
``data:`` images with the alt text from the output metadata.

:func:`publish` writes a build into a staging folder next to the output folder and swaps it in
whole: nothing is written to the output folder until every pack has succeeded, and on any
failure the previous output is left exactly as it was.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import resources as ilr
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import BuildError
from .cache import TIMINGS_FILE
from .diff import publish_changes
from .exports import EarlyWorkbooks, download_labels, download_links_html, with_downloads, write_exports
from .markdown import safe_markdown2html
from .timings import write_timings

if TYPE_CHECKING:  # nbformat and nbconvert are imported where a notebook is exported
    import nbformat

    from .build import PackResult
    from .plan import BuildPlan

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
    datapackage: dict[str, Any] | None = None


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


def collect_datapackage(nb: nbformat.NotebookNode, pack: str) -> dict[str, Any] | None:
    """The Frictionless Data Package of the pack's CSVs, from the Table Schemas the tables carry.

    ``None`` when a table carries no schema (a notebook that shows tables without the column registry).
    """
    from ..present.datapackage import descriptor, resource

    resources = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("reviewpack", {})
            if meta.get("kind") == "table":
                if "schema" not in meta:
                    return None
                resources.append(resource(meta["name"], meta["schema"], meta.get("title")))
    return descriptor(pack, resources)


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


_ANCHOR = re.compile(r'<a class="anchor-link" href="#[^"]*">(?:¶|&#182;)</a>')
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


_EXPORTER: type | None = None


def _exporter_class() -> type:
    """nbconvert's HTML exporter, without the pass our template does not need (made once per process).

    ``HTMLExporter.from_notebook_node`` ends by parsing the whole page again with BeautifulSoup's
    pure-Python parser, to give images without alt text a placeholder and to make JupyterLab's
    cell wrappers focusable, then writes the page out again: about 0.4 s per pack.  Our template
    has no JupyterLab cell wrappers and gives every chart its own description (tests/test_build.py
    checks every ``<img>`` of every default pack has a real ``alt``), so that pass would change
    only the order of attributes and how characters are written (``&#182;``/``¶``); the page is
    the same document (tests/test_read_cache.py compares the two).  Everything else is nbconvert's own code.
    """
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        class PackHTMLExporter(HTMLExporter):
            def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
                langinfo = nb.metadata.get("language_info", {})
                lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
                self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
                resources = self._init_resources(resources)
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources))
                return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        _EXPORTER = PackHTMLExporter
    return _EXPORTER


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
    exporter = _exporter_class()(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[_templates_dir()],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_filter("svg_base64", _svg_base64)
    exporter.register_filter("markdown2html", safe_markdown2html)  # no raw HTML, external links, images or auto-links
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
            f'<p>{esc(c["covers"])}</p><dl>{figs}</dl>{download_links_html(c.get("downloads", []), heading=False)}</li>'
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
<dl class="meta"><div><dt>Data</dt><dd>{esc(page['vintages'])}</dd></div>{f"<div><dt>Wards</dt><dd>{esc(page['wards'])}</dd></div>" if page.get('wards') else ''}<div><dt>Built</dt><dd>{esc(page['build_date'])}</dd></div></dl>
</header>
<main id="main">
{'<div class="banner" role="note"><p><strong>ILLUSTRATIVE — not real grants.</strong> These packs are built from a made-up grant register to show how the analysis works; do not quote their grant figures.</p></div>' if page.get('illustrative') else ''}
<p>{esc(page.get('intro') or 'One pack for the borough overview and one for each ' + page['grouping_label'].lower() + '.')} Each opens on its own, offline; every table in a pack can be downloaded as CSV, and all of a pack's tables as one spreadsheet (XLSX).</p>
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
    """Write ``<pack>.html``, ``tables/<pack>/<name>.csv`` and ``tables/<pack>/datapackage.json``."""
    from ..config.names import check_pack_name, inside

    check_pack_name(pack)  # checked when the parameters were read; a write outside out_dir is never made
    (out_dir / f"{pack}.html").write_text(output.html, encoding="utf-8")
    tdir = out_dir / "tables" / pack
    tdir.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(output.tables.items()):
        inside(tdir, tdir / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
    if output.datapackage is not None:
        write_json(tdir / "datapackage.json", output.datapackage)


def write_json(path: Path, data: Any) -> None:
    """Write JSON deterministically (sorted keys, 2-space indent, trailing newline)."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def publish(
    plan: BuildPlan,
    outputs: dict[str, PackOutput],
    checksums: dict[str, str],
    reconciliation: dict[str, Any],
    results: list[PackResult],
    t_checks: float,
    t_total: float,
    early: EarlyWorkbooks | None = None,
) -> dict[str, Any]:
    """Write the build into a staging folder, then swap it in for the output folder whole.

    A partial build (``--pack``) starts from a copy of the last good build and keeps its other
    packs; a full build starts clean, so packs dropped from the list disappear.

    Parameters
    ----------
    plan : BuildPlan
        The build.
    outputs : dict
        ``{pack: PackOutput}`` of the packs built, stamped.
    checksums : dict
        Verified data checksums (into the manifest).
    reconciliation : dict
        The reconciliation result (into the manifest).
    results : list of PackResult
        Per-pack outcomes (into the timings file, :mod:`reviewpack.pipeline.timings`).
    t_checks, t_total : float
        Seconds spent on the checks and in total (into the timings file).
    early : EarlyWorkbooks, optional
        Workbooks already made while the packs were built (:mod:`reviewpack.pipeline.exports`).

    Returns
    -------
    dict
        The manifest written.
    """
    from ..config import params_as_dict

    out = plan.out_dir
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(stage, 0o777 & ~umask)  # mkdtemp makes it private; a published report is for others to read
    partial = set(plan.packs) != set(plan.all_packs)
    try:
        previous: dict[str, Any] = {}
        if partial and out.is_dir():
            shutil.copytree(out, stage, dirs_exist_ok=True)
            try:
                previous = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                previous = {}
            for name in outputs:
                shutil.rmtree(stage / "tables" / name, ignore_errors=True)
            (stage / TIMINGS_FILE).unlink(missing_ok=True)  # where builds before timings.py kept them
        outputs = {name: with_downloads(output, name, plan.pdf) for name, output in outputs.items()}
        for name, output in outputs.items():
            write_pack(stage, name, output)
        exported, export_timings = write_exports(stage, plan, outputs, early)  # <pack>.xlsx, and <pack>.pdf with --pdf
        packs_meta = dict(previous.get("packs", {})) if partial else {}
        for name, output in outputs.items():
            packs_meta[name] = {
                "html": f"{name}.html",
                "params": params_as_dict(plan.packs[name]),
                "tables": [f"tables/{name}/{t}.csv" for t in sorted(output.tables)],
                **({"datapackage": f"tables/{name}/datapackage.json"} if output.datapackage is not None else {}),
                "headlines": [[label, value] for label, value in output.headlines.items()],  # in the pack's order
                "html_sha256": hashlib.sha256(output.html.encode("utf-8")).hexdigest(),
                **exported[name],
            }
        packs_meta = {k: packs_meta[k] for k in plan.all_packs if k in packs_meta}
        cards = [
            {
                "name": n,
                "label": next((p["label"] for p in plan.page["packs"] if p["name"] == n), n),
                "covers": m["params"]["title"],
                "figures": [tuple(x) for x in m.get("headlines", [])],
                "downloads": [(m[k], label) for k, label in download_labels() if k in m],
            }
            for n, m in packs_meta.items()
        ]
        write_index(stage, plan.page, cards)
        manifest = {
            "reviewpack_version": __version__,
            "git_commit": plan.page["commit"],
            "build_date": plan.page["build_date"],
            "data_checksums_sha256": checksums,
            "reconciliation": reconciliation,
            "pack_order": list(packs_meta),
            "packs": packs_meta,
        }
        write_json(stage / "manifest.json", manifest)
        publish_changes(out, stage, css())  # keeps the previous build in previous/, writes changes.html (pipeline/diff.py)
        timings = {
            "checks_seconds": round(t_checks, 3),
            "total_seconds": round(t_total, 3),
            "jobs": plan.jobs,
            "executor": plan.executor,
            "prefork": plan.prefork,
            "packs": {r.pack: {"status": r.status, "seconds": round(r.seconds, 3), **({"phases": r.phases} if r.phases else {})} for r in results},
            "exports": export_timings,
        }
        _swap(stage, out)
        write_timings(plan.root, out, timings)  # outside the published folder: it differs every build (timings.py)
        return manifest
    except OSError as exc:  # a full disk, a quota: exit 2 with one line (swap.py)
        from .swap import publish_failed

        shutil.rmtree(stage, ignore_errors=True)
        raise publish_failed(exc, out) from exc
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _swap(stage: Path, out: Path) -> None:
    """Put ``stage`` in place of ``out`` in one atomic step (a rename-exchange; see swap.py)."""
    from .swap import replace_dir

    replace_dir(stage, out)
