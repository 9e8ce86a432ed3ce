"""Packs on a Dask distributed cluster: ``--scheduler ADDRESS``, or a local cluster on 127.0.0.1."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

from ...errors import ParameterError, ReviewpackError
from .base import PackRun, PackTask, preload_modules, run_pack

DASK_MISSING = "--executor dask needs Dask, which is not installed. Install it with: pip install -e .[dask]"


class DaskExecutor:
    """Packs on a Dask distributed cluster: ``--scheduler ADDRESS``, or a local cluster on 127.0.0.1.

    Each worker process keeps its own kernel template (restarted when the
    code changes) and checks, before each pack, that its code and data match
    the client's.

    Parameters
    ----------
    jobs : int
        Workers of the local cluster (without ``scheduler``).
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``).
    prefork : bool
        Workers fork kernels from their own kernel template.
    quiet : bool
        Hide kernels' stderr and Dask's logging.

    Raises
    ------
    ParameterError
        If Dask is not installed, or the scheduler cannot be reached.
    """

    name = "dask"
    #: this executor takes ``--scheduler``
    uses_scheduler = True

    def __init__(self, jobs: int, scheduler: str | None = None, prefork: bool = True, quiet: bool = True) -> None:
        try:
            import distributed
        except ImportError:
            raise ParameterError(DASK_MISSING) from None
        if quiet:
            for name in ("distributed", "dask", "tornado", "bokeh"):
                logging.getLogger(name).setLevel(logging.ERROR)
        self.prefork = prefork
        self.quiet = quiet
        self.cluster: Any = None
        if scheduler:
            try:
                self.client = distributed.Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise ParameterError(f"Cannot reach the Dask scheduler at '{scheduler}': {exc}. Check --scheduler.") from None
        else:
            self.cluster = distributed.LocalCluster(
                n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                # every listening socket on loopback: scheduler, nannies, workers, and the scheduler's HTTP server
                host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR if quiet else logging.WARNING,
            )
            self.client = distributed.Client(self.cluster)

    @staticmethod
    def check_available() -> None:
        """Refuse, before anything starts, when Dask is not installed (imports nothing).

        Raises
        ------
        ParameterError
            With how to install it.
        """
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise ParameterError(DASK_MISSING)

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prepare(self, tasks: list[PackTask]) -> None:
        """Nothing to start ahead: each worker keeps its own kernel template."""

    def close(self) -> None:
        """Close the client, and the local cluster if this executor started one."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def run(self, tasks: list[PackTask], on_start: Callable[[str], None] | None = None) -> Iterator[tuple[PackTask, PackRun | BaseException]]:
        """Submit every task; yield ``(task, PackRun or exception)`` as each finishes."""
        from distributed import as_completed

        preload = preload_modules(tasks)  # one template per worker serves every pack
        for t in tasks:
            t.template = None
            t.prefork = self.prefork
            t.verify_worker = True
            t.preload = preload
        futures = {}
        for t in tasks:
            futures[self.client.submit(run_pack, t, pure=False, key=f"reviewpack-{t.pack}-{os.urandom(4).hex()}")] = t
            if on_start:
                on_start(t.pack)
        for fut in as_completed(list(futures)):
            task = futures[fut]
            try:
                yield task, fut.result()
            except ReviewpackError as exc:
                yield task, exc
