"""One build at a time per output folder: an advisory lock on ``.<name>.lock`` next to the folder.

Two builds publishing into one folder would each stage from the same last build and the second
swap would silently undo the first (a ``--pack north`` build dropping a concurrent ``--pack east``).
:func:`output_lock` holds ``fcntl.flock`` on a file beside the output folder (not inside it: the
folder is replaced whole) for the whole build; a second build waits up to ``wait`` seconds
(``REVIEWPACK_LOCK_WAIT``, default 10) and then stops with exit 2 naming the folder and the
process holding it.  The kernel drops the lock when its holder dies, even by ``kill -9``, so a
crashed build never blocks the next one.  The file is removed when the build ends, leaving
nothing beside the output folder.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import ReviewpackUserError

__all__ = ["OutputBusy", "lock_path", "output_lock"]

DEFAULT_WAIT = 10.0


class OutputBusy(ReviewpackUserError):
    """Another build is publishing into the same output folder."""


def lock_path(out: Path) -> Path:
    """``<parent>/.<name>.lock`` for the output folder ``<parent>/<name>``."""
    out = Path(os.path.abspath(out))
    return out.parent / f".{out.name}.lock"


def _wait_default() -> float:
    try:
        return max(0.0, float(os.environ.get("REVIEWPACK_LOCK_WAIT", DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


@contextlib.contextmanager
def output_lock(out: Path, wait: float | None = None) -> Iterator[Path]:
    """Hold the output folder's lock for the ``with`` block (see the module docstring).

    Raises
    ------
    OutputBusy
        If another build still holds it after ``wait`` seconds.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks here; builds are not guarded
        yield lock_path(out)
        return
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + (_wait_default() if wait is None else wait)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            if time.monotonic() >= deadline:
                who = f" (process {holder})" if holder else ""
                raise OutputBusy(
                    f"Another reviewpack build{who} is publishing into '{Path(os.path.abspath(out))}'. "
                    f"Wait for it to finish and run this build again, or build into another folder with --out.",
                    parameter="--out",
                ) from None
            time.sleep(0.1)
            continue
        # the holder before us may have removed the file after we opened it: lock the file that is there now
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still holding it: a waiter that opened this file sees it gone and retries
        os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""
