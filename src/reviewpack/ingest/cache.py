"""Each input file parsed once per process: a reader's result kept under the file's identity.

A build starts one kernel per pack, and every pack reads the same files (the IoD editions, the
lookups, the England Census topics...).  The build's kernel template reads them once, before it
forks the kernels (:meth:`reviewpack.analysis.sections.Pack.read_inputs`); a forked kernel
inherits what was read, so it parses nothing twice.

The cache is off unless :func:`enable` is called: the template calls it, and its kernels inherit
it.  A notebook in JupyterLab, a test or a plain ``papermill`` run reads every file afresh.

A result is kept under the reader, the file's resolved path, size and modification time, and
the other arguments: a file that changes is read again.  Callers get a copy (a frame they change
does not change the next caller's).  Arguments that cannot be keyed (a frame, say) bypass the cache,
and so does a reader called by another reader: only the outer result is kept (half the memory).

With a folder given to :func:`enable` (a build passes ``.cache/reviewpack/reads/``; ``--no-cache``
passes none), a frame read from a file is also kept on disk, under the SHA-256 of the file's
bytes, the reader, the other arguments and the package's version and reader code, so the next
build loads it instead of parsing the file again.  The format holds only arrays and JSON
(``numpy.load(allow_pickle=False)``): nothing in it can run code.  A frame it cannot hold exactly
(an index other than 0..n-1, a column of mixed types, ``attrs`` that are not JSON) is kept in
memory only; an entry that cannot be read is removed and the file parsed again.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_STORE: dict[tuple[Any, ...], Any] = {}
_MISS = object()
_ENABLED = False
_DISK: Path | None = None
_DEPTH = 0  # readers running (one reader may call another)

#: Files smaller than this are parsed rather than loaded from disk (parsing them is as quick).
DISK_MIN_BYTES = 256 * 1024
#: Entries kept on disk (the oldest are removed beyond this).
DISK_MAX_ENTRIES = 48

log = logging.getLogger("reviewpack")


class _Unkeyable(Exception):
    """An argument that cannot be part of a cache key."""


def _file_key(path: str | Path) -> tuple[str, int, int]:
    p = Path(path).resolve()
    st = p.stat()
    return (str(p), st.st_size, st.st_mtime_ns)


def _freeze(value: Any) -> Any:
    """A hashable stand-in for an argument (a path names the file's identity, not only its name)."""
    if value is None or isinstance(value, str | int | float | bool | bytes):
        return value
    if isinstance(value, Path):
        return ("file", *_file_key(value)) if value.is_file() else ("path", str(value))
    if isinstance(value, list | tuple):
        return (type(value).__name__, *(_freeze(v) for v in value))
    if isinstance(value, set | frozenset):
        return ("set", frozenset(_freeze(v) for v in value))
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, type):
        return ("type", value.__module__, value.__qualname__)
    raise _Unkeyable(type(value).__name__)


def _fresh(value: Any) -> Any:
    """What a caller gets: a copy, so what it changes stays its own."""
    if hasattr(value, "copy") and callable(value.copy) and value.__class__.__module__.startswith("pandas"):
        return value.copy()  # a frame or series (pandas copies ``attrs`` too)
    return copy.deepcopy(value)


def read_once(reader: F) -> F:
    """Keep ``reader``'s result per process under its file's identity and its other arguments.

    The first positional argument is the file (a ``str`` path is taken as a file when one exists
    there).  A reader that raises is not cached: the next call raises the same error afresh.
    """
    name = (reader.__module__, reader.__qualname__)

    @functools.wraps(reader)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _DEPTH
        if not _ENABLED or _DEPTH > 0:  # off, or read by another reader: only the outer result is kept
            return reader(*args, **kwargs)
        try:
            parts = [_freeze(Path(a)) if isinstance(a, str) and i == 0 else _freeze(a) for i, a in enumerate(args)]
            key = (name, tuple(parts), _freeze(kwargs))
        except (_Unkeyable, OSError, ValueError):
            return reader(*args, **kwargs)
        found = _STORE.get(key, _MISS)
        if found is _MISS:
            disk = _disk_path(reader, args, kwargs)
            found = _load_frame(disk) if disk is not None else None
            if found is None:
                _DEPTH += 1
                try:
                    found = reader(*args, **kwargs)
                finally:
                    _DEPTH -= 1
                if disk is not None:
                    _save_frame(found, disk)
            _STORE[key] = found
        return _fresh(found)

    wrapper.uncached = reader  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def enable(on: bool = True, disk: str | Path | None = None) -> None:
    """Keep what is read from now on, also in the folder ``disk`` if given (``on=False``: read afresh
    again, and forget what was kept in memory)."""
    global _ENABLED, _DISK
    _ENABLED = on
    _DISK = Path(disk) if on and disk is not None else None
    if not on:
        _STORE.clear()


# ---------------------------------------------------------------------------
# on disk: arrays and JSON only


def _canonical(value: Any) -> Any:
    """A frozen argument as JSON-able data in an order that is the same in every process (sets sorted)."""
    if isinstance(value, frozenset):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def _disk_path(reader: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Path | None:
    """Where ``reader(*args, **kwargs)`` is kept on disk (``None``: not kept there)."""
    if _DISK is None or not args:
        return None
    try:
        source = Path(args[0])
        if not source.is_file() or source.stat().st_size < DISK_MIN_BYTES:
            return None
        from .. import __version__
        from .files import sha256_file  # here: files.py imports this module

        code = Path(reader.__code__.co_filename).read_bytes()
        rest = json.dumps(_canonical([_freeze(a) for a in args[1:]] + [_freeze(kwargs)]))
        parts = [__version__, reader.__module__, reader.__qualname__, hashlib.sha256(code).hexdigest(), sha256_file(source), rest]
    except (OSError, AttributeError, TypeError, ValueError, _Unkeyable):
        return None
    return _DISK / f"{hashlib.sha256(chr(0).join(parts).encode()).hexdigest()[:40]}.npz"


def _save_frame(value: Any, path: Path) -> None:
    """Write a frame as arrays and JSON (nothing if it cannot be written exactly); keep the newest entries."""
    import numpy as np
    import pandas as pd

    if not isinstance(value, pd.DataFrame) or not value.index.equals(pd.RangeIndex(len(value))):
        return
    arrays: dict[str, Any] = {}
    columns = []
    try:
        for i, (name, col) in enumerate(value.items()):
            if not isinstance(name, str):
                return
            if isinstance(col.dtype, pd.CategoricalDtype):
                cats = np.asarray(col.cat.categories)
                if cats.dtype == object:
                    if not all(isinstance(c, str) for c in cats):
                        return
                    cats = cats.astype(str)
                arrays[f"c{i}"], arrays[f"k{i}"] = col.cat.codes.to_numpy(), cats
                columns.append({"name": name, "kind": "category", "ordered": bool(col.cat.ordered)})
            elif col.dtype == object:
                values = col.to_numpy()
                if not all(isinstance(v, str) for v in values):
                    return
                arrays[f"c{i}"] = values.astype(str)
                columns.append({"name": name, "kind": "str"})
            elif isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf":  # plain numpy numbers (not Int64 with NA)
                arrays[f"c{i}"] = col.to_numpy()
                columns.append({"name": name, "kind": "array"})
            else:
                return
        meta = json.dumps({"columns": columns, "attrs": value.attrs, "rows": len(value)})
    except (TypeError, ValueError):
        return  # attrs that are not JSON, a column that is not one type
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, meta=np.array(meta), **arrays)
        os.replace(tmp, path)  # whole or not at all: a kernel reading it meanwhile sees the old state
        tmp = None
        entries = sorted(path.parent.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-DISK_MAX_ENTRIES]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only or full disk: the build goes on without it
        log.debug("read cache: could not write %s: %s", path, exc)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _load_frame(path: Path) -> Any:
    """The frame kept at ``path``, or ``None`` (absent, or unreadable: then removed)."""
    if not path.is_file():
        return None
    import numpy as np
    import pandas as pd

    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            data = {}
            for i, c in enumerate(meta["columns"]):
                if c["kind"] == "category":
                    data[c["name"]] = pd.Categorical.from_codes(z[f"c{i}"], z[f"k{i}"].tolist(), ordered=c["ordered"])
                elif c["kind"] == "str":
                    data[c["name"]] = z[f"c{i}"].astype(object)
                else:
                    data[c["name"]] = z[f"c{i}"]
        frame = pd.DataFrame(data, columns=[c["name"] for c in meta["columns"]])
        if len(frame) != meta["rows"]:
            raise ValueError("row count")
        frame.attrs.update(meta["attrs"])
        os.utime(path)  # recently used: kept when older entries are removed
        return frame
    except Exception as exc:  # any damage: parse the file instead
        log.debug("read cache: %s unreadable (%s); removed", path, exc)
        path.unlink(missing_ok=True)
        return None


def enabled() -> bool:
    """Whether reads are kept."""
    return _ENABLED


def clear() -> None:
    """Forget every file read (tests; a long session that wants its memory back)."""
    _STORE.clear()


def held() -> int:
    """How many results are held."""
    return len(_STORE)
