"""Seconds per pack, kept out of the published folder so two builds of the same inputs publish identical bytes.

Each build writes ``.cache/reviewpack/timings/<out name>-<8 hex>.json`` (the hex part tells apart
output folders that share a name, e.g. ``reports/latest`` and ``reports/trial/latest``), replaced
by the next build into the same folder (the :data:`KEEP` most recent folders' are kept);
``reviewpack build`` prints where.  ``--no-cache`` builds
write it too (it is a log, not part of the build cache); ``make clean`` removes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from .store import CACHE_DIR, write_atomic

__all__ = ["read_timings", "timings_path", "write_timings"]

log = logging.getLogger("reviewpack")

#: timings files kept (one per output folder; the oldest beyond this are removed, e.g. test runs' folders)
KEEP = 32


def timings_path(root: Path, out: Path) -> Path:
    """Where the timings of the last build into ``out`` are kept (under the project's build cache)."""
    absolute = os.path.abspath(out)
    tag = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return Path(root) / CACHE_DIR / "timings" / f"{Path(absolute).name}-{tag}.json"


def write_timings(root: Path, out: Path, timings: dict[str, Any]) -> Path | None:
    """Write the timings of the build just published into ``out``; a failure is only logged (the build is published)."""
    path = timings_path(root, out)
    try:
        write_atomic(path, json.dumps({"out": os.path.abspath(out), **timings}, indent=2, sort_keys=True) + "\n")
    except OSError as exc:
        log.warning("could not write the build timings to '%s': %s", path, exc)
        return None
    older = sorted(path.parent.glob("*.json"), key=_mtime, reverse=True)
    for old in older[KEEP:]:
        old.unlink(missing_ok=True)
    return path


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # removed meanwhile by another build
        return 0


def read_timings(root: Path, out: Path) -> dict[str, Any]:
    """The timings of the last build into ``out`` (for benchmarks and tests).

    Raises
    ------
    FileNotFoundError
        If no build into ``out`` has recorded any.
    """
    data: dict[str, Any] = json.loads(timings_path(root, out).read_text(encoding="utf-8"))
    return data
