"""A pack's other formats, written next to its page when a build publishes.

``<pack>.xlsx`` -- every table of the pack as an accessible workbook
(:mod:`reviewpack.present.workbook`), always; ``<pack>.pdf`` -- the page printed to A4
(:mod:`reviewpack.pipeline.pdf`), with ``--pdf``.  Both are written into the staging folder
before the swap (:func:`reviewpack.pipeline.publish.publish`), so a failure publishes nothing,
and both are listed in the pack's manifest entry.  Each pack's page and index card link to them
(:func:`with_downloads`).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BuildError

if TYPE_CHECKING:
    from .plan import BuildPlan
    from .publish import PackOutput

#: Where the template puts a pack's links to its other formats (``templates/reviewpack/index.html.j2``).
DOWNLOADS_MARKER = "<!--reviewpack:downloads-->"


def build_datetime(build_date: str) -> datetime:
    """The build date shown on the pages (``22 November 2026``) as midnight of that day (naive, UTC).

    It dates the workbook and the PDF, so their bytes depend on the build date (which
    ``SOURCE_DATE_EPOCH`` fixes) and not on the clock or the time zone.
    """
    try:
        return datetime.strptime(build_date, "%d %B %Y")
    except ValueError:
        return datetime(1980, 1, 1)


def download_labels() -> list[tuple[str, str]]:
    """``[(manifest field, link text)]`` of the other formats a pack can have (``xlsx``, ``pdf``)."""
    from ..present.narrative.exports import DOWNLOAD_TEXT

    return list(DOWNLOAD_TEXT.items())


def download_links_html(links: list[tuple[str, str]], heading: bool = True) -> str:
    """Links to a pack's other formats as HTML (:func:`reviewpack.present.narrative.exports.download_links_html`)."""
    from ..present.narrative.exports import download_links_html as links_html

    return links_html(links, heading)


def with_downloads(output: PackOutput, pack: str, pdf: bool) -> PackOutput:
    """The pack's output with its page linking to its workbook (and its PDF when ``pdf``)."""
    from ..present.narrative.exports import download_links

    if DOWNLOADS_MARKER not in output.html:
        return output
    return replace(output, html=output.html.replace(DOWNLOADS_MARKER, download_links_html(download_links(pack, pdf)), 1))


#: From this many packs, a build writes the workbooks in worker processes (``--jobs`` of them).
PARALLEL_WORKBOOKS = 8


def _workbook(job: tuple[Any, Any, Any]) -> tuple[bytes | None, str | None]:
    from ..present.workbook import workbook

    try:
        return workbook(*job), None
    except ValueError as exc:
        return None, str(exc)


def _workbook_job(plan: BuildPlan, name: str, output: PackOutput) -> tuple[Any, Any, Any]:
    """The arguments of :func:`reviewpack.present.workbook.workbook` for one pack."""
    from ..present.workbook import WorkbookInfo

    params = plan.packs[name]
    info = WorkbookInfo(
        pack=name, title=params.title, la_name=params.local_authority.name, vintages=str(plan.page["vintages"]),
        attribution=str(plan.page["attribution"]), build_date=str(plan.page["build_date"]), when=build_datetime(str(plan.page["build_date"])),
        version=str(plan.page["version"]), commit=str(plan.page["commit"]),
        illustrative=params.grants is not None and params.grants.illustrative,
    )
    return (output.tables, output.datapackage, info)


class EarlyWorkbooks:
    """Workbooks made in a background thread as packs arrive, while the build waits for the others.

    The build's own process mostly waits for its workers; a pack's workbook depends only on its
    tables and the page furniture, so it can be written as soon as the pack is built (not after
    the last one).  :func:`write_exports` takes what is ready.  Only for fewer packs than
    :data:`PARALLEL_WORKBOOKS` (more go to worker processes at publish time).
    """

    def __init__(self, plan: BuildPlan, packs: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.plan = plan
        self.futures: dict[str, Any] = {}
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="reviewpack-xlsx") if packs < PARALLEL_WORKBOOKS else None

    def add(self, name: str, output: PackOutput) -> None:
        """Start ``name``'s workbook (if this build makes them early)."""
        if self.pool is not None:
            job = _workbook_job(self.plan, name, output)
            self.futures[name] = (job, self.pool.submit(_workbook, job))

    def take(self, name: str, output: PackOutput) -> tuple[bytes | None, str | None] | None:
        """``name``'s workbook result if it was made from these very tables and furniture, else ``None``."""
        if name not in self.futures:
            return None
        job, fut = self.futures[name]
        if job != _workbook_job(self.plan, name, output) or fut.exception() is not None:
            return None
        result: tuple[bytes | None, str | None] = fut.result()
        return result

    def close(self) -> None:
        """Stop the thread (waiting for the workbook it is writing)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def workbooks(jobs: dict[str, tuple[Any, Any, Any]], workers: int, ready: dict[str, tuple[bytes | None, str | None]] | None = None) -> dict[str, bytes]:
    """``{pack: workbook bytes}`` from ``{pack: (tables, datapackage, WorkbookInfo)}``.

    Serial for a few packs; from :data:`PARALLEL_WORKBOOKS` packs on, in ``workers`` fork-server
    processes (a ``--national`` build of hundreds of councils), with the same bytes.

    Raises
    ------
    BuildError
        If a workbook cannot be written (a CSV disagrees with its schema), naming the pack.
    """
    import multiprocessing

    order = list(jobs)
    results = {name: ready[name] for name in order if ready and name in ready}
    jobs = {name: job for name, job in jobs.items() if name not in results}
    if workers > 1 and len(jobs) >= PARALLEL_WORKBOOKS and "forkserver" in multiprocessing.get_all_start_methods():
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=multiprocessing.get_context("forkserver")) as pool:
            results.update(zip(jobs, pool.map(_workbook, jobs.values(), chunksize=4)))
    else:
        results.update((name, _workbook(job)) for name, job in jobs.items())
    done = {}
    for name in order:
        data, error = results[name]
        if data is None:
            raise BuildError(f"Pack '{name}': its workbook {name}.xlsx cannot be written: {error}")
        done[name] = data
    return done


def write_exports(
    stage: Path, plan: BuildPlan, outputs: dict[str, PackOutput], early: EarlyWorkbooks | None = None
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Write ``<pack>.xlsx`` (and ``<pack>.pdf`` with ``plan.pdf``) for each pack built, into ``stage``.

    Workbooks ``early`` already made from the same tables are taken from it.

    A pack built without ``--pdf`` loses the PDF an earlier build left for it (it would be stale).

    Returns
    -------
    tuple
        ``({pack: fields for its manifest entry}, timings)``: the fields are ``xlsx``, ``xlsx_sha256``
        and, with a PDF, ``pdf``, ``pdf_sha256`` and ``pdf_pages``; the timings give the seconds
        spent on the workbooks and on the PDFs (and per PDF its pages, seconds and renders).

    Raises
    ------
    BuildError
        If a workbook cannot be written (a CSV disagrees with its schema) or a page cannot be printed.
    RendererMissing
        If ``plan.pdf`` and the renderer is not installed.
    """
    when = build_datetime(str(plan.page["build_date"]))
    fields: dict[str, dict[str, Any]] = {}
    t0 = time.perf_counter()
    jobs = {name: _workbook_job(plan, name, output) for name, output in outputs.items()}
    ready = {name: got for name, output in outputs.items() if early is not None and (got := early.take(name, output)) is not None}
    for name, data in workbooks(jobs, plan.jobs, ready).items():
        (stage / f"{name}.xlsx").write_bytes(data)
        (stage / f"{name}.pdf").unlink(missing_ok=True)
        fields[name] = {"xlsx": f"{name}.xlsx", "xlsx_sha256": hashlib.sha256(data).hexdigest()}
    timings: dict[str, Any] = {"xlsx_seconds": round(time.perf_counter() - t0, 3)}
    if plan.pdf:
        from .pdf import PdfJob, render_pdfs

        t1 = time.perf_counter()
        prints = [PdfJob(name, output.html, plan.packs[name].title, plan.packs[name].local_authority.name) for name, output in outputs.items()]
        rendered = render_pdfs(prints, when)
        for name, pdf in rendered.items():
            (stage / f"{name}.pdf").write_bytes(pdf.data)
            fields[name] |= {"pdf": f"{name}.pdf", "pdf_sha256": hashlib.sha256(pdf.data).hexdigest(), "pdf_pages": pdf.pages}
        timings["pdf_seconds"] = round(time.perf_counter() - t1, 3)
        timings["pdf"] = {name: {"pages": p.pages, "seconds": round(p.seconds, 3), "renders": p.renders} for name, p in rendered.items()}
    return fields, timings
