"""Worker processes die with the build that started them.

A local executor's workers come from a multiprocessing fork server, not from the build process,
so nothing tells them when the build is killed: they would go on executing (or wait on a dead
kernel) for as long as a cell may take.  :func:`worker_init` -- the pool's initializer -- makes
each worker:

* watch the build process (a pidfd where the platform has one, else a poll every half second)
  and exit as soon as it is gone, even after ``kill -9``;
* exit on SIGTERM (what the build sends when it is interrupted or terminated);

removing, either way, the private kernel folders and pack working folders it made.  Its kernel goes with it: a kernel forked
from the kernel template exits when the template does (the template exits when the build's end of
its lifeline pipe closes), and a plain kernel exits when its parent, the worker, does (ipykernel's
parent poller).
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import threading
import time
from types import FrameType

__all__ = ["RUN_DIRS", "worker_init"]

#: working folders of the pack runs in this process (removed if the worker is stopped mid-run)
RUN_DIRS: set[str] = set()


def _leave(code: int) -> None:  # pragma: no cover - runs in a worker that is going away
    try:
        from .provisioner import remove_kernel_dirs

        remove_kernel_dirs()
        for d in list(RUN_DIRS):
            shutil.rmtree(d, ignore_errors=True)
    finally:
        os._exit(code)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:  # pragma: no cover - runs in a worker
    _leave(128 + signum)


def _wait_for_exit(pid: int) -> None:
    """Return when process ``pid`` has exited (at once if it already has)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # no pidfd here: poll
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                pass
            time.sleep(0.5)
    try:
        select.select([fd], [], [])
    finally:
        os.close(fd)


def _watch(owner: int) -> None:  # pragma: no cover - runs in a worker
    _wait_for_exit(owner)
    _leave(1)


def worker_init(owner: int) -> None:
    """Initializer of a local executor's worker: exit with the build process ``owner`` (see the module docstring)."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    threading.Thread(target=_watch, args=(owner,), name="reviewpack-lifeline", daemon=True).start()
