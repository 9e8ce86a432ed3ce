"""Checks made before anything runs, so a request that cannot succeed fails in a second with one clear line:
a Dask scheduler address of the wrong kind, and an output folder the build could not write.
(Imports nothing heavy: the CLI asks these before the no-op check.)"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from ..errors import ParameterError

__all__ = ["SCHEDULER_SCHEMES", "check_scheduler_address", "check_writable"]

#: the address schemes a Dask ``distributed.Client`` connects with
SCHEDULER_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")
_ADDRESS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<rest>\S+)")


def check_scheduler_address(address: str) -> None:
    """Refuse a ``--scheduler`` that is not a Dask address (``tcp://host:8786``; ``tls://`` with security settings).

    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    """
    m = _ADDRESS.fullmatch(address.strip())
    shown = address if len(address) <= 80 else address[:77] + "..."
    if m is None or m["scheme"].lower() not in SCHEDULER_SCHEMES:
        scheme = f"'{m['scheme']}://' is the address of a web page (the scheduler's dashboard?), not" if m and m["scheme"].lower() in ("http", "https") else "is not"
        raise ParameterError(
            f"--scheduler {shown!r} {scheme} a Dask scheduler address. Give the scheduler's own address, "
            f"e.g. tcp://HOST:8786 (schemes: {', '.join(s + '://' for s in SCHEDULER_SCHEMES)}).",
            parameter="--scheduler",
        )


def check_writable(out: Path) -> None:
    """Refuse an output folder the build could not publish into (checked before any notebook runs).

    The build writes a staging folder next to ``out`` and renames it into place, so the nearest
    existing folder at or above ``out``'s parent must accept a new folder; an existing ``out``
    must be a folder whose files can be replaced.  Tried for real (a folder is made and removed),
    so a read-only file system is found even when permissions say yes.
    """
    out = Path(os.path.abspath(out))
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    hint = "Choose a folder you can write to (--out), or fix its permissions."
    if not parent.is_dir():
        raise ParameterError(f"--out '{out}' cannot be made: '{parent}' is not a folder. {hint}", parameter="--out")
    try:
        probe = tempfile.mkdtemp(prefix=f".{out.name}.probe-", dir=parent)
        os.rmdir(probe)
    except OSError as exc:
        raise ParameterError(
            f"--out '{out}' cannot be written: the build cannot create a folder in '{parent}' ({exc.strerror or exc}). {hint}",
            parameter="--out",
        ) from None
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise ParameterError(f"--out '{out}' is read-only, so the last build in it cannot be replaced. {hint}", parameter="--out")
