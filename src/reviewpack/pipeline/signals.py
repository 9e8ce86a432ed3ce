"""SIGTERM and SIGHUP stop a build as Ctrl-C does: through the same clean-up, with nothing published.

Python's default for SIGTERM (what ``kill``, ``timeout``, systemd and CI runners send) ends the
process at once: no ``finally`` runs, so worker processes, the kernel template and the staging
folder would be left to their own lifelines and the next build.  :func:`stop_on_signals` turns the
first SIGTERM or SIGHUP into :class:`Terminated` (a ``KeyboardInterrupt``), so the executor stops
its workers and kernels, the staging folder is removed and the output lock released -- the output
folder stays exactly as it was.  A second signal during that clean-up is ignored (``kill -9``
still works).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["Terminated", "stop_on_signals"]

_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


class Terminated(KeyboardInterrupt):
    """The build received SIGTERM or SIGHUP (``signum``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM/SIGHUP raise :class:`Terminated` in the main thread (once); restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        for s in _SIGNALS:
            signal.signal(s, signal.SIG_IGN)  # the clean-up must not be interrupted in turn
        raise Terminated(signum)

    previous = {s: signal.signal(s, handler) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
