"""Packs on this machine: worker processes from a fork server, one kernel template shared by all."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

from ...errors import ReviewpackError
from .base import PackRun, PackTask, execute_pack, export_pack, preload_modules, run_pack
from .kernels import KernelTemplate, take_early
from .lifeline import worker_init

log = logging.getLogger("reviewpack")


class LocalExecutor:
    """Packs on this machine: ``jobs`` worker processes (forked), one kernel template shared by all.

    ``jobs`` notebooks execute at once, each in its own worker and kernel; this
    process turns each executed notebook into HTML as it arrives, while the
    workers go on.  With one job, or one pack, packs run in this process one
    after another.

    Parameters
    ----------
    jobs : int
        Worker processes.
    scheduler : str, optional
        Not used (every executor is made with the same arguments).
    prefork : bool
        Fork kernels from a kernel template.
    quiet : bool
        Hide kernels' stderr.
    """

    name = "local"

    def __init__(self, jobs: int, scheduler: str | None = None, prefork: bool = True, quiet: bool = True) -> None:
        self.jobs = max(1, jobs)
        self.prefork = prefork
        self.quiet = quiet
        self.template: KernelTemplate | None = None
        self.pool: Any = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(stop=exc_type is not None)

    def close(self, stop: bool = False) -> None:
        """Stop the worker processes and the kernel template; ``stop``: at once, without waiting for running packs
        (the build failed or was interrupted)."""
        if self.pool is not None:
            if stop:
                # ProcessPoolExecutor has no public way to stop running work: terminate its processes
                # (each removes its kernel folders and exits on SIGTERM: lifeline.py)
                for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
                    with contextlib.suppress(Exception):
                        proc.terminate()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.template is not None:
            self.template.close()
            self.template = None

    def prepare(self, tasks: list[PackTask]) -> None:
        """Start the kernel template and the worker processes now, while the caller does other work.

        The template preloads the imports of every task's notebook (the one ``reviewpack build``
        started before planning, if it preloads them: :func:`~.kernels.start_early`) and reads the
        files the packs share before it forks their kernels.  The workers (from a fork
        server that has imported only papermill and the executors) start here, so their start-up
        overlaps the caller's reconciliation and the template's imports.  They execute notebooks;
        this process exports them.
        """
        if not tasks:
            return
        if self.prefork and self.template is None:
            modules = preload_modules(tasks)
            self.template = take_early(modules, self.quiet) or KernelTemplate(modules, quiet=self.quiet)
            # the files the packs share, read once in the template: one pack reads every file its local
            # authority's packs share (a pack that names other files reads those in its own kernel)
            self.template.warm([(tasks[0].root, tasks[0].params)], tasks[0].read_cache)
        if self.jobs > 1 and len(tasks) > 1 and self.pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            # Workers come from a fork server: a fresh process that has imported only papermill.  Forking
            # this process instead would copy whatever threads, event loops and locks it holds (a caller
            # that already ran packs in-process, a test runner, a notebook server), and a child forked
            # while another thread holds a lock can hang for ever.  A fork server's children also do not
            # inherit this process's files, so they never hold the kernel template's lifeline open.
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["papermill", "reviewpack.pipeline.executors.base"])
            workers = min(self.jobs, len(tasks))
            # each worker exits when this process is gone, even after kill -9 (lifeline.py)
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=worker_init, initargs=(os.getpid(),))
            for _ in range(workers):  # a fork-server pool starts a worker per waiting task: start them all now
                self.pool.submit(_ready)
            # No export warm-up here any more: while the template imports and reads the shared files, that is
            # the work every pack waits for, and a warm-up in this process only took CPU from it (measured:
            # builds ~0.5 s quicker without). The first export imports nbconvert while the kernels run.

    def run(self, tasks: list[PackTask], on_start: Callable[[str], None] | None = None) -> Iterator[tuple[PackTask, PackRun | BaseException]]:
        """Run ``tasks``; yield ``(task, PackRun or the exception it raised)`` as each finishes."""
        if not tasks:
            return
        self.prepare(tasks)
        if self.template is not None:
            for t in tasks:
                t.template = self.template.address
        if self.pool is None:
            for t in tasks:
                if on_start:
                    on_start(t.pack)
                try:
                    yield t, run_pack(t)
                except ReviewpackError as exc:
                    yield t, exc
            return
        from concurrent.futures import as_completed

        # the workers only execute notebooks; this process, otherwise idle, exports each one
        # while the workers go on to the next packs, so a worker never waits for an export
        futures = {}
        for t in tasks:
            futures[self.pool.submit(execute_pack, t)] = t
            if on_start:
                on_start(t.pack)
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                yield task, export_pack(task, fut.result())
            except ReviewpackError as exc:
                yield task, exc


def _ready() -> None:
    """A task that does nothing: submitted to start a pool's workers ahead of the packs."""
