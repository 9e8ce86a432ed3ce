"""Putting a staged build in place of the output folder in one atomic step, and tidying what a killed build left.

A build is written into a staging folder next to the output folder (``.<name>.staging-XXXXXXXX``)
and then exchanged with it:

* **Linux** -- ``renameat2(RENAME_EXCHANGE)``: one system call swaps the two folders, so at every
  instant ``<name>`` is either the whole old build or the whole new one (never missing, never
  half-written); the staging name then holds the old build, which is removed.
* **macOS** -- ``renamex_np(RENAME_SWAP)``, the same exchange.
* **Elsewhere** (or a file system that cannot exchange, e.g. some network mounts) -- two renames:
  ``<name>`` -> ``.<name>.old-PID``, then staging -> ``<name>``.  A crash between them leaves
  ``<name>`` missing and the last good build complete under ``.old-PID``: :func:`clean_stale` puts it
  back at the start of the next build.

The output folder stays a real folder (not a symlink), so ``reports/latest/index.html`` works as a
path and a ``file://`` URL, and ``cp -r``/``diff -r``/``rsync`` see plain files.

:func:`clean_stale` runs under the output-folder lock (:mod:`reviewpack.pipeline.lock`), so every
staging, old or probe folder of that output it finds belongs to a build that is no longer running.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from ..errors import BuildError, ReviewpackError, ReviewpackUserError

__all__ = ["PublishError", "clean_stale", "exchange", "publish_failed", "replace_dir", "stale_paths"]

log = logging.getLogger("reviewpack")

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # linux/fs.h
_RENAME_SWAP = 2  # macOS sys/stdio.h (renamex_np)

#: how the build names its temporary siblings of ``<name>`` (the random parts as tempfile makes them)
_STALE = {
    "staging": r"staging-[a-z0-9_]{8}",  # tempfile.mkdtemp(prefix=".<name>.staging-") in publish()
    "probe": r"probe-[a-z0-9_]{8}",  # guards.check_writable
    "trash": r"trash-[a-z0-9_]{8}",  # an old build being removed (clean_stale)
    "old": r"old-[0-9]+",  # the two-rename fallback's backup of the last good build
}


class PublishError(ReviewpackUserError):
    """The finished build could not be written next to the output folder (a full disk, a quota, permissions)."""


#: write failures a user can fix (exit 2); any other is an internal error (exit 1), still with one line
_USER_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG, errno.EMFILE, errno.ENFILE}


def publish_failed(exc: OSError, out: Path) -> ReviewpackError:
    """The one-line error for a write that failed while publishing; the output folder is unchanged."""
    reason = exc.strerror or str(exc)
    if exc.errno not in _USER_ERRNOS:
        return BuildError(f"Publishing into '{out}' failed ({exc}); nothing was published and '{out}' is unchanged.")
    fix = {
        errno.ENOSPC: "Free some space on that disk",
        errno.EDQUOT: "Free some of your disk quota",
        errno.EROFS: "Choose a folder on a writable disk (--out)",
    }.get(exc.errno or 0, "Fix the cause")
    return PublishError(
        f"Could not write the build next to '{out}' ({reason}), so nothing was published and '{out}' is unchanged. "
        f"{fix}, then run the build again (packs already built come from the cache).",
        file=out,
    )


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to load
        return None


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing folders in one atomic step; ``False`` if this platform or file system cannot.

    Raises
    ------
    OSError
        If the exchange was possible but failed (e.g. permission denied).
    """
    libc = _libc()
    if libc is None:
        return False
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        fn = libc.renameat2
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):  # pragma: no cover - macOS
        fn = libc.renamex_np
        fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        rc = fn(os.fsencode(a), os.fsencode(b), _RENAME_SWAP)
    else:  # pragma: no cover - other systems
        return False
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        log.debug("atomic folder exchange unavailable here (%s); publishing with two renames", os.strerror(err))
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_dir(stage: Path, out: Path) -> None:
    """Put the folder ``stage`` in place of ``out`` (which may not exist yet); remove the old build.

    With an exchange (or when ``out`` does not exist) this is one atomic step: a reader, or a
    crash, sees the old build or the new one, never neither.
    """
    if not out.exists():
        os.rename(stage, out)  # atomic; the lock means nobody else is creating `out`
        return
    if exchange(stage, out):
        _discard(stage, out.name)  # now the old build
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, old)
    os.rename(stage, out)  # a crash before this line: clean_stale() restores `old` on the next build
    _discard(old, out.name)


def _discard(folder: Path, name: str) -> None:
    """Remove an old build of output ``name``: first renamed to ``.<name>.trash-*``, so a folder named
    ``.<name>.old-*`` is always a complete build (a kill mid-removal leaves trash, tidied next time)."""
    try:
        trash = Path(tempfile.mkdtemp(prefix=f".{name}.trash-", dir=folder.parent))
        os.rename(folder, trash / "old")
    except OSError:
        trash = folder
    shutil.rmtree(trash, ignore_errors=True)


def stale_paths(out: Path) -> dict[str, list[Path]]:
    """The leftovers of earlier builds into ``out``, by kind (``staging``, ``probe``, ``trash``, ``old``)."""
    found: dict[str, list[Path]] = {kind: [] for kind in _STALE}
    if not out.parent.is_dir():
        return found
    prefix = f".{out.name}."
    for p in out.parent.iterdir():
        if not p.name.startswith(prefix):
            continue
        rest = p.name[len(prefix) :]
        for kind, pattern in _STALE.items():
            if re.fullmatch(pattern, rest) and p.is_dir() and not p.is_symlink():
                found[kind].append(p)
    return found


def clean_stale(out: Path) -> list[str]:
    """Tidy what a killed build into ``out`` left next to it; call with the output lock held.

    If ``out`` is missing and the two-rename fallback's backup of the last good build is there,
    the backup is put back first.  Returns the names removed or restored (for the log).
    """
    done: list[str] = []
    stale = stale_paths(out)
    olds = sorted(stale["old"], key=lambda p: p.stat().st_mtime)
    if olds and not out.exists():
        restore = olds.pop()
        os.rename(restore, out)
        log.warning("'%s' was missing after an interrupted build; restored the last good build from '%s'", out, restore.name)
        done.append(f"restored {restore.name}")
    for p in olds:
        _discard(p, out.name)
        done.append(f"removed {p.name}")
    for p in stale["staging"] + stale["probe"] + stale["trash"]:
        shutil.rmtree(p, ignore_errors=True)
        done.append(f"removed {p.name}")
    if done:
        log.info("tidied after an earlier build into '%s': %s", out, "; ".join(done))
    return done
