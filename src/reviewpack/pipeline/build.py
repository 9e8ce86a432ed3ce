"""Build: validate everything, execute each pack's notebook, publish atomically.

Reads like the pipeline it runs (:func:`build`)::

    check_inputs          raw files against their checksums; files the parameters name outside data/
    fingerprint, keys     what each pack depends on (fingerprint.py)
    already_published?    the output folder holds exactly this build: only the record is updated (cache.py)
    load_cached           packs whose key is in the cache
    run_packs             the others, on the executor (executors/), while the reconciliation runs (verify.py)
    check_unchanged       the data did not change during the runs; cache the new packs
    publish               pages stamped, index + manifest, staged, then swapped in whole (publish.py)

A no-op build is usually decided before any of this, by :func:`reviewpack.pipeline.cache.up_to_date`
(the CLI asks it first); see :mod:`reviewpack.pipeline.cache` for both checks.  Nothing is written
to the output folder until every pack has succeeded; on any failure the previous output is left
exactly as it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import BuildError, ReviewpackUserError
from .cache import already_published, load_pack, published_key, published_record, record_published, store_pack
from .executors import PackTask, make_executor
from .executors.base import preload_modules
from .exports import EarlyWorkbooks
from .fingerprint import Fingerprint, cache_key, code_unchanged, fingerprint, inputs_digest
from .lock import output_lock
from .page import pack_page, stamp
from .plan import BuildPlan, plan_build
from .publish import PackOutput, publish
from .store import CACHE_DIR
from .swap import clean_stale
from .verify import Inputs, check_inputs, check_unchanged, reconcile

__all__ = ["BuildPlan", "PackResult", "build", "plan_build"]

log = logging.getLogger("reviewpack")

Progress = Callable[[str, str, float], None]


@dataclass
class PackResult:
    """Outcome of one pack in a build."""

    pack: str
    status: str  # built | cached | failed
    seconds: float
    error: str | None = None
    phases: dict[str, Any] = field(default_factory=dict)  # seconds per phase, and the worker


def _checksums_used(plan: BuildPlan, checksums: dict[str, str]) -> dict[str, str]:
    """The verified checksums of the raw files the built packs use (and ``SOURCES.md``): the manifest lists
    what these packs were made from, never another council's files that happen to sit in ``data/raw``."""
    from ..config import params_as_dict
    from ..ingest.register import files_used

    used = {"SOURCES.md"} | {f for p in plan.packs.values() for f in files_used(params_as_dict(p))}
    return {name: digest for name, digest in checksums.items() if name in used}


def build(plan: BuildPlan, progress: Progress | None = None) -> tuple[list[PackResult], dict[str, Any]]:
    """Run a build plan and publish the result atomically.

    Parameters
    ----------
    plan : BuildPlan
        From :func:`reviewpack.pipeline.plan.plan_build`.
    progress : callable, optional
        Called as ``progress(pack, status, seconds)`` when a pack starts (``running``) or finishes.

    Returns
    -------
    tuple
        Per-pack results and the manifest written (or already in place).

    Raises
    ------
    ReviewpackError
        On any failure; the output folder is then unchanged.  :class:`~reviewpack.pipeline.lock.OutputBusy`
        (exit 2) if another build is publishing into the same folder.
    """
    with output_lock(plan.out_dir):  # one build per output folder at a time (lock.py)
        clean_stale(plan.out_dir)  # staging and old folders a killed build left (swap.py)
        return _build(plan, progress)


def _build(plan: BuildPlan, progress: Progress | None) -> tuple[list[PackResult], dict[str, Any]]:
    """:func:`build`, with the output folder's lock held."""
    t0 = time.perf_counter()
    say = progress or (lambda pack, status, seconds: None)
    inputs = check_inputs(plan)
    fp = fingerprint(plan, inputs.data_digest)
    keys = {name: cache_key(plan, name, fp, inputs.external[name]) for name in plan.packs}
    # what a folder holds for a pack also depends on --pdf (its page links the PDF, and <pack>.pdf is there or not)
    publish_keys = {name: published_key(f"{key}+pdf" if plan.pdf else key, plan.page) for name, key in keys.items()}
    digest = inputs_digest(plan.request, fp, inputs.every_external, plan.page)
    record = published_record(plan.root, plan.out_dir) if plan.use_cache else None

    def remember() -> None:
        record_published(plan, publish_keys, record, digest, inputs.data_dir, sorted(inputs.every_external))

    use_cached = plan.use_cache and not plan.force
    manifest = already_published(plan, publish_keys, record) if use_cached else None
    if manifest is not None:  # nothing changed: the output folder already holds exactly this build
        remember()
        for name in plan.packs:
            say(name, "cached", 0.0)
        return [PackResult(n, "cached", 0.0) for n in plan.packs], manifest

    outputs, results = load_cached(plan, keys, say) if use_cached else ({}, {})
    todo = [name for name in plan.packs if name not in outputs]
    early = EarlyWorkbooks(plan, len(plan.packs))  # each pack's workbook as it arrives (exports.py)
    try:
        for name, output in outputs.items():
            early.add(name, output)
        reconciliation, t_checks = run_packs(plan, todo, inputs, fp, outputs, results, say, t0, early)
        manifest = _finish(plan, todo, inputs, fp, keys, outputs, results, reconciliation, t_checks, t0, early)
    finally:
        early.close()
    if plan.use_cache:
        remember()
    return [results[n] for n in plan.packs], manifest


def _finish(
    plan: BuildPlan,
    todo: list[str],
    inputs: Inputs,
    fp: Fingerprint,
    keys: dict[str, str],
    outputs: dict[str, PackOutput],
    results: dict[str, PackResult],
    reconciliation: dict[str, Any],
    t_checks: float,
    t0: float,
    early: EarlyWorkbooks,
) -> dict[str, Any]:
    """Check the data again, cache the packs built, and publish (the end of :func:`_build`)."""
    if todo:
        check_unchanged(inputs, plan.out_dir)  # the runs read the data from disk: still what the keys describe
        if plan.use_cache and code_unchanged(fp):
            for name in todo:
                store_pack(plan.root, name, keys[name], outputs[name])
        elif plan.use_cache:
            log.warning("the reviewpack code changed during the build; its packs were not cached")

    ordered = [results[n] for n in plan.packs]
    stamped = {name: stamp(out, plan.page) for name, out in outputs.items()}
    return publish(plan, stamped, _checksums_used(plan, inputs.checksums), reconciliation, ordered, t_checks, time.perf_counter() - t0, early)


def load_cached(plan: BuildPlan, keys: dict[str, str], say: Progress) -> tuple[dict[str, PackOutput], dict[str, PackResult]]:
    """The packs whose output the cache holds under their key: ``({pack: output}, {pack: result})``."""
    outputs: dict[str, PackOutput] = {}
    results: dict[str, PackResult] = {}
    for name in plan.packs:
        cached = load_pack(plan.root, name, keys[name])
        if cached is not None:
            outputs[name] = cached
            results[name] = PackResult(name, "cached", 0.0)
            say(name, "cached", 0.0)
    return outputs, results


def run_packs(
    plan: BuildPlan,
    todo: list[str],
    inputs: Inputs,
    fp: Fingerprint,
    outputs: dict[str, PackOutput],
    results: dict[str, PackResult],
    say: Progress,
    t0: float,
    early: EarlyWorkbooks | None = None,
) -> tuple[dict[str, Any], float]:
    """Run the packs in ``todo`` on the plan's executor, and the reconciliation here meanwhile.

    Fills ``outputs`` and ``results``; returns ``(reconciliation, seconds to the end of the checks)``.

    Raises
    ------
    ReviewpackError
        If any pack failed (naming each): a user error (exit 2) when every failure is one, else
        :class:`~reviewpack.errors.BuildError`.
    """
    every_external = inputs.every_external
    if not todo:
        return reconcile(plan, fp, every_external), time.perf_counter() - t0
    quiet = not log.isEnabledFor(logging.DEBUG)
    tasks = [
        PackTask(
            pack=n, params=_params(plan, n), page=pack_page(plan.page), notebook=plan.notebooks[n],
            root=str(plan.root), source_digest=fp.source, checksums=inputs.checksums, prefork=plan.prefork, quiet=quiet,
            read_cache=str(plan.root / CACHE_DIR / "reads") if plan.use_cache else None,
        )
        for n in todo
    ]
    preload = preload_modules(tasks)  # one kernel template serves every pack's notebook
    for t in tasks:
        t.preload = preload
    failures: list[BaseException] = []
    with make_executor(plan.executor, plan.jobs, plan.scheduler, prefork=plan.prefork, quiet=quiet) as ex:
        ex.prepare(tasks)  # the kernel template imports while the reconciliation runs here
        reconciliation = reconcile(plan, fp, every_external)
        t_checks = time.perf_counter() - t0
        for task, res in ex.run(tasks, on_start=lambda pack: say(pack, "running", 0.0)):
            if isinstance(res, BaseException):
                results[task.pack] = PackResult(task.pack, "failed", 0.0, str(res))
                failures.append(res)
                say(task.pack, "failed", 0.0)
            else:
                outputs[task.pack] = res.output
                if early is not None:
                    early.add(task.pack, res.output)
                results[task.pack] = PackResult(task.pack, "built", res.seconds, phases={**res.phases, "worker": res.worker})
                say(task.pack, "built", res.seconds)
    if failures:
        # bad inputs found inside a notebook stay user errors (exit 2); anything else is a build error
        kind = type(failures[0]) if all(isinstance(f, ReviewpackUserError) for f in failures) else BuildError
        failed = kind(
            f"{len(failures)} of {len(plan.packs)} pack(s) failed, so nothing was published and "
            f"'{plan.out_dir}' is unchanged. " + " | ".join(str(f) for f in failures)
        )
        # the failing cells' own tracebacks, shown by --debug (cli.py)
        failed.cell_traceback = "\n\n".join(tb for f in failures if (tb := getattr(f, "cell_traceback", "")))  # type: ignore[attr-defined]
        raise failed
    return reconciliation, t_checks


def _params(plan: BuildPlan, pack: str) -> dict[str, Any]:
    from ..config import params_as_dict

    return params_as_dict(plan.packs[pack])
