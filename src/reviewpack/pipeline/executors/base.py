"""One pack, anywhere: the task, its run, and the protocol every executor follows.

An executor runs :class:`PackTask` objects and yields each one's :class:`PackRun` (or the
exception it raised) as it finishes::

    with make_executor("local", jobs=2) as ex:          # or make_executor("dask", 1, scheduler=...)
        ex.prepare(tasks)                               # start workers / kernel template ahead
        for task, result in ex.run(tasks):              # as they finish
            ...                                         # result: PackRun, or the exception raised

A pack is run by :func:`run_pack` = :func:`execute_pack` (papermill, in a worker) then
:func:`export_pack` (nbconvert; a local executor does it in the parent process while the workers
go on).  Every run gets its own working folder and its own kernel sockets, so parallel runs share
nothing (papermill#239, #511, #473).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ... import errors
from ...errors import BuildError, ChecksumError, ParameterError, ReviewpackError, ReviewpackUserError
from ...ingest.files import sha256_file
from ..fingerprint import source_digest
from .kernels import KernelTemplate, notebook_imports
from .lifeline import RUN_DIRS

if TYPE_CHECKING:
    from types import TracebackType

    from ..publish import PackOutput

log = logging.getLogger("reviewpack")


@dataclass
class PackTask:
    """Everything needed to build one pack, anywhere (all plain, picklable values).

    Attributes
    ----------
    pack : str
        Pack name.
    params : dict
        The pack's resolved parameters.
    page : dict
        Page furniture shared by every page of the build.
    notebook : str
        The pack's notebook text, as hashed into its cache key (so the run executes
        exactly what the key describes, even if the files change meanwhile).
    root : str
        Project root on the client; a worker without it uses ``$REVIEWPACK_ROOT``.
    source_digest : str
        The client's :func:`~reviewpack.pipeline.fingerprint.source_digest`; a worker with different code refuses the task.
    checksums : dict
        Data checksums verified by the client; a remote worker re-verifies its own copy.
    template : str, optional
        Address of a local kernel template (``None``: the worker makes its own if allowed).
    prefork : bool
        Whether kernels may be forked from a template.
    quiet : bool
        Hide kernels' stderr.
    verify_worker : bool
        Check code and data on the worker (remote executors).
    preload : list of str
        Modules a kernel template preloads: the union of the imports of every pack's notebook
        in the build (empty: this notebook's own imports), so one template serves every pack.
    read_cache : str, optional
        Folder where a local kernel template keeps parsed input files between builds
        (:mod:`reviewpack.ingest.cache`); ``None`` (``--no-cache``, remote workers): not kept.
    """

    pack: str
    params: dict[str, Any]
    page: dict[str, Any]
    notebook: str
    root: str
    source_digest: str
    checksums: dict[str, str] = field(default_factory=dict)
    template: str | None = None
    prefork: bool = True
    quiet: bool = True
    verify_worker: bool = False
    preload: list[str] = field(default_factory=list)
    read_cache: str | None = None


@dataclass
class PackRun:
    """What :func:`execute_pack` (``output``: the executed notebook) and :func:`run_pack`
    (``output``: a :class:`~reviewpack.pipeline.publish.PackOutput`) return, and where the time went."""

    pack: str
    output: Any
    seconds: float
    phases: dict[str, float]
    worker: str


class Executor(Protocol):
    """Where packs run.  Registered by name in :mod:`reviewpack.pipeline.executors` and made as
    ``cls(jobs, scheduler=None, prefork=True, quiet=True)``; used as a context manager."""

    name: str

    def prepare(self, tasks: list[PackTask]) -> None:
        """Start whatever can start ahead (workers, a kernel template) while the caller does other work."""

    def run(self, tasks: list[PackTask], on_start: Callable[[str], None] | None = None) -> Iterator[tuple[PackTask, PackRun | BaseException]]:
        """Run ``tasks``; yield ``(task, PackRun or the ReviewpackError it raised)`` as each finishes."""
        ...

    def close(self) -> None:
        """Stop workers, templates and clusters this executor started."""

    def __enter__(self) -> Executor: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None: ...


def preload_modules(tasks: list[PackTask]) -> list[str]:
    """The union, in order, of the imports of the tasks' notebooks (each distinct text parsed once)."""
    texts = dict.fromkeys(t.notebook for t in tasks)
    return list(dict.fromkeys(m for text in texts for m in notebook_imports(text)))


# ---------------------------------------------------------------------------
# in a worker


# papermill chdirs the whole process while it runs (papermill#473): one pack at a time per process
_RUN_LOCK = threading.Lock()
_IMPORTED_DIGEST: str | None = None
_WORKER_TEMPLATE: tuple[tuple[str, ...], KernelTemplate] | None = None


def _worker_template(modules: list[str], quiet: bool, digest: str, pack: tuple[str, dict[str, Any]] | None = None) -> str | None:
    """This process's own kernel template (a Dask worker's), restarted if the code (``digest``) or the modules changed.

    A new template reads the files of ``(root, params)``, the pack that asked for it, before forking.
    """
    global _WORKER_TEMPLATE
    key = (digest, *modules)
    if _WORKER_TEMPLATE is not None and (_WORKER_TEMPLATE[0] != key or not _WORKER_TEMPLATE[1].alive()):
        _WORKER_TEMPLATE[1].close()
        _WORKER_TEMPLATE = None
    if _WORKER_TEMPLATE is None:
        _WORKER_TEMPLATE = (key, KernelTemplate(modules, quiet=quiet, packs=[pack] if pack else None))
    return _WORKER_TEMPLATE[1].address


def _resolve_root(task: PackTask) -> Path:
    root = Path(task.root)
    if (root / "params" / "defaults.yaml").is_file():
        return root
    env = os.environ.get("REVIEWPACK_ROOT")
    if env and (Path(env) / "params" / "defaults.yaml").is_file():
        return Path(env)
    raise ParameterError(
        f"Worker {socket.gethostname()} has no project checkout at '{task.root}' and REVIEWPACK_ROOT is not set "
        "to one. Put the checkout at the same path on every worker, or set REVIEWPACK_ROOT in the workers' environment."
    )


def _verify_worker(task: PackTask, root: Path) -> None:
    """On a remote worker: same package code as the client, same data files."""
    global _IMPORTED_DIGEST
    host = socket.gethostname()
    here = source_digest()
    if _IMPORTED_DIGEST is None:
        _IMPORTED_DIGEST = here
    if here != task.source_digest:
        raise BuildError(
            f"Worker {host} has different reviewpack code from the client (source digest {here[:12]}… vs "
            f"{task.source_digest[:12]}…). Install the same version of the project on every worker."
        )
    if here != _IMPORTED_DIGEST:
        raise BuildError(f"The reviewpack code on worker {host} changed after the worker started; restart the workers.")
    data_dir = (root / task.params.get("data_dir", "data")).resolve()
    for name, expected in task.checksums.items():
        path = data_dir / "raw" / name
        actual = sha256_file(path) if path.is_file() else "missing"
        if actual != expected:
            raise ChecksumError(
                f"Data file 'raw/{name}' on worker {host} ({path}) is {'missing' if actual == 'missing' else 'different from the client' + chr(39) + 's'}. "
                "Every worker needs the same data/ folder as the client (copy it, or share it at the same path)."
            )


def _failed_cell_source(task: PackTask, nb_path: Path, cell_index: int) -> tuple[str, Any] | None:
    """``(section notebook, cell)`` named by the failing cell's ``reviewpack`` metadata, if it has any.

    ``cell_index`` is the failing cell's index in the executed notebook: the pack's notebook
    (``nb_path``) with papermill's injected-parameters cell, made again here as papermill made it.
    """
    try:
        from papermill.execute import remove_error_markers
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        executed = parameterize_notebook(
            load_notebook_node(str(nb_path)), {"pack": task.pack, "params": task.params}, kernel_name="python3", language="python"
        )
        meta = remove_error_markers(executed).cells[cell_index].get("metadata", {}).get("reviewpack", {})
    except Exception as exc:  # the message then says what it can without it
        log.debug("cannot find the failing cell's section: %s", exc)
        return None
    if isinstance(meta, dict) and meta.get("source") and meta.get("cell") is not None:
        return str(meta["source"]), meta["cell"]
    return None


def notebook_failure(task: PackTask, nb_path: Path, exc: Any) -> ReviewpackError:
    """The error to raise for a ``PapermillExecutionError``: a user error stays one (exit 2); a bug
    names the section notebook and cell when the failing cell says where it came from."""
    failure = _notebook_failure(task, nb_path, exc)
    # the failing cell's own traceback (ANSI colours removed), printed by `reviewpack --debug` (cli.py)
    failure.cell_traceback = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", "\n".join(str(line) for line in getattr(exc, "traceback", None) or []))  # type: ignore[attr-defined]
    return failure


def _notebook_failure(task: PackTask, nb_path: Path, exc: Any) -> ReviewpackError:
    user_error = getattr(errors, str(exc.ename), None)
    if isinstance(user_error, type) and issubclass(user_error, ReviewpackUserError):
        # a bad input found by the package inside the notebook: still a user error (exit 2)
        return user_error(f"Pack '{task.pack}': {exc.evalue}")
    where = _failed_cell_source(task, nb_path, exc.cell_index) if isinstance(getattr(exc, "cell_index", None), int) else None
    if where is not None:
        return BuildError(f"Pack '{task.pack}': the notebook failed in {where[0]}, cell {where[1]}: {exc.ename}: {exc.evalue}")
    return BuildError(f"Pack '{task.pack}': the notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}")


def execute_pack(task: PackTask) -> PackRun:
    """Execute one pack's notebook with papermill (runs in a worker); ``output`` is the executed notebook.

    Each run gets its own working folder and its own kernel sockets, so
    parallel runs share nothing.

    Raises
    ------
    BuildError
        If a cell fails, or the kernel dies.
    ReviewpackUserError
        If a cell raised one (a bad input found inside the notebook), or on a
        worker without the project, or with different code or data.
    """
    from .provisioner import kernel_manager_class, remove_kernel_dirs

    start = time.perf_counter()
    root = _resolve_root(task)
    if task.verify_worker:
        _verify_worker(task, root)
    template = task.template
    if template is None and task.prefork:
        # a verified worker has just checked its code is the client's: no need to hash it again
        digest = task.source_digest if task.verify_worker else source_digest()
        template = _worker_template(task.preload or notebook_imports(task.notebook), task.quiet, digest, (str(root), task.params))
    import papermill as pm

    logging.getLogger("papermill").setLevel(logging.WARNING)
    t_ready = time.perf_counter()
    with _RUN_LOCK, tempfile.TemporaryDirectory(prefix=f"reviewpack-{task.pack}-") as cwd:
        RUN_DIRS.add(cwd)  # removed by a worker stopped mid-run, too (lifeline.py)
        nb_path = Path(cwd) / "pack.ipynb"
        nb_path.write_text(task.notebook, encoding="utf-8")
        env_root = os.environ.get("REVIEWPACK_ROOT")
        os.environ["REVIEWPACK_ROOT"] = str(root)
        try:
            nb = pm.execute_notebook(
                str(nb_path),
                None,
                parameters={"pack": task.pack, "params": task.params},
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                cwd=cwd,
                kernel_manager_class=kernel_manager_class(template, task.quiet),
            )
        except pm.PapermillExecutionError as exc:
            raise notebook_failure(task, nb_path, exc) from None
        except ReviewpackError:
            raise
        except Exception as exc:  # a kernel that died or never started, a timeout
            raise BuildError(f"Pack '{task.pack}': the notebook could not be run: {type(exc).__name__}: {exc}") from exc
        finally:
            remove_kernel_dirs()
            if env_root is None:
                os.environ.pop("REVIEWPACK_ROOT", None)
            else:
                os.environ["REVIEWPACK_ROOT"] = env_root
    end = time.perf_counter()
    cells = [c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells if c.cell_type == "code"]
    executed = float(sum(cells))
    phases = {
        "setup": round(t_ready - start, 3),
        "kernel_start_and_overhead": round(end - t_ready - executed, 3),
        "cells": round(executed, 3),
        "slowest_cell": round(max(cells, default=0.0), 3),
    }
    return PackRun(task.pack, nb, end - start, phases, f"{socket.gethostname()}:{os.getpid()}")


def export_pack(task: PackTask, run: PackRun) -> PackRun:
    """Turn an executed notebook (from :func:`execute_pack`) into the pack's HTML, tables and headlines.

    Raises
    ------
    BuildError
        If the notebook holds an error output, or two tables share a name.
    """
    from ..publish import PackOutput, check_no_errors, collect_datapackage, collect_headlines, collect_tables, export_html

    start = time.perf_counter()
    nb = run.output
    check_no_errors(nb, task.pack)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr" and out.get("text", "").strip():
                # not shown in the page (a report, not a notebook), but not hidden from whoever builds it
                log.warning("pack %s: a cell printed: %s", task.pack, out["text"].strip()[:500])
    p = task.params
    label = p["geography"]["grouping_label"].lower()
    la = p["local_authority"]["name"]
    pack_page = {
        **task.page,
        "la_name": la,  # a --national build's packs are each about a different council
        "pack": task.pack,
        "title": p["title"],
        "covers": f"{p['area']} {label} of {la}" if p.get("area") else f"All of {la}, every {label} side by side",
    }
    output: PackOutput = PackOutput(
        html=export_html(nb, pack_page), tables=collect_tables(nb), headlines=collect_headlines(nb), datapackage=collect_datapackage(nb, task.pack)
    )
    took = time.perf_counter() - start
    return PackRun(task.pack, output, run.seconds + took, {**run.phases, "export_html": round(took, 3)}, run.worker)


def run_pack(task: PackTask) -> PackRun:
    """Execute and export one pack (runs in a worker): :func:`execute_pack` then :func:`export_pack`."""
    return export_pack(task, execute_pack(task))
