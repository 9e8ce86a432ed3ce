"""Where packs run, behind one protocol (:class:`~reviewpack.pipeline.executors.base.Executor`) and a
registry of named executors, as papermill registers its engines::

    from reviewpack.pipeline import executors

    executors.available()                       # ['local', 'dask']
    executors.register("slurm", SlurmExecutor)  # any class following the Executor protocol
    with executors.make_executor("local", jobs=2) as ex:
        ...

Modules: :mod:`.base` (the protocol, :class:`PackTask`, :class:`PackRun`, running one pack),
:mod:`.local` and :mod:`.dask` (the executors), :mod:`.kernels` (the kernel template) and
:mod:`.provisioner` (jupyter_client's kernel provisioner that forks from it).  Nothing here
imports papermill, nbconvert, jupyter_client or Dask until a pack runs.
"""

from __future__ import annotations

from typing import Any

from ...errors import ParameterError
from .base import Executor, PackRun, PackTask, execute_pack, export_pack, run_pack
from .dask import DASK_MISSING, DaskExecutor
from .kernels import KernelTemplate, notebook_imports
from .local import LocalExecutor

__all__ = [
    "DASK_MISSING",
    "DaskExecutor",
    "Executor",
    "KernelTemplate",
    "LocalExecutor",
    "PackRun",
    "PackTask",
    "available",
    "check_request",
    "execute_pack",
    "export_pack",
    "get",
    "make_executor",
    "notebook_imports",
    "register",
    "run_pack",
]

_EXECUTORS: dict[str, type[Any]] = {}


def register(name: str, cls: type[Any]) -> None:
    """Register an executor class under ``name`` (replacing any executor of that name).

    Parameters
    ----------
    name : str
        What ``--executor`` calls it.
    cls : type
        A class following :class:`~reviewpack.pipeline.executors.base.Executor`, made as
        ``cls(jobs, scheduler=None, prefork=True, quiet=True)``.  Optional class attributes:
        ``uses_scheduler = True`` if it takes ``--scheduler``; a static ``check_available()``
        that raises :class:`~reviewpack.errors.ParameterError` when it cannot run here.
    """
    _EXECUTORS[name] = cls


def available() -> list[str]:
    """Names of the registered executors, in the order they were registered."""
    return list(_EXECUTORS)


def get(name: str) -> type[Any]:
    """The executor class registered as ``name``.

    Raises
    ------
    ParameterError
        If no executor has that name (the message lists the valid ones).
    """
    try:
        return _EXECUTORS[name]
    except KeyError:
        raise ParameterError(f"Unknown executor '{name}'. Valid executors: {', '.join(available())}.") from None


def check_request(executor: str, scheduler: str | None = None, jobs: int | None = None) -> None:
    """Refuse an executor request that cannot run, before anything starts (imports nothing).

    Raises
    ------
    ParameterError
        For ``--jobs`` below 1, an unknown executor, ``--scheduler`` with an executor that
        takes none (``--scheduler needs --executor dask``), or an executor that cannot run
        here (``dask`` when Dask is not installed).
    """
    if jobs is not None and jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {jobs}.")
    cls = get(executor)
    if scheduler and not getattr(cls, "uses_scheduler", False):
        takes = [n for n, c in _EXECUTORS.items() if getattr(c, "uses_scheduler", False)]
        raise ParameterError(f"--scheduler needs --executor {' or '.join(takes) or 'dask'}.")
    if scheduler:
        from ..guards import check_scheduler_address

        check_scheduler_address(scheduler)
    check = getattr(cls, "check_available", None)
    if check is not None:
        check()


def make_executor(name: str, jobs: int, scheduler: str | None = None, prefork: bool = True, quiet: bool = True) -> Executor:
    """The executor registered as ``name``, started (see :func:`check_request` for what is refused).

    Parameters
    ----------
    name : str
        ``local``, ``dask``, or any registered name.
    jobs : int
        Packs run at once (a local Dask cluster's workers).
    scheduler : str, optional
        A Dask scheduler's address.
    prefork : bool
        Fork kernels from a kernel template.
    quiet : bool
        Hide kernels' stderr.
    """
    check_request(name, scheduler, jobs)
    executor: Executor = get(name)(jobs, scheduler=scheduler, prefork=prefork, quiet=quiet)
    return executor


register("local", LocalExecutor)
register("dask", DaskExecutor)
