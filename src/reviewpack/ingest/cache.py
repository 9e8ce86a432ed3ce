"""Each input file parsed once per process: a reader's result kept under the file's identity.

A build starts one kernel per pack, and every pack reads the same files (the IoD editions, the
lookups, the England Census topics...).  The build's kernel template reads them once, before it
forks the kernels (:meth:`reviewpack.analysis.sections.Pack.read_inputs`); a forked kernel
inherits what was read, so it parses nothing twice.

The cache is off unless :func:`enable` is called: the template calls it, and its kernels inherit
it.  A notebook in JupyterLab, a test or a plain ``papermill`` run reads every file afresh.

A result is kept under the reader, the file's resolved path, size and modification time, and
the other arguments: a file that changes is read again.  Callers get a copy (a frame they change
does not change the next caller's).  Arguments that cannot be keyed (a frame, say) bypass the cache.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_STORE: dict[tuple[Any, ...], Any] = {}
_MISS = object()
_ENABLED = False


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
        if not _ENABLED:
            return reader(*args, **kwargs)
        try:
            parts = [_freeze(Path(a)) if isinstance(a, str) and i == 0 else _freeze(a) for i, a in enumerate(args)]
            key = (name, tuple(parts), _freeze(kwargs))
        except (_Unkeyable, OSError, ValueError):
            return reader(*args, **kwargs)
        found = _STORE.get(key, _MISS)
        if found is _MISS:
            found = reader(*args, **kwargs)
            _STORE[key] = found
        return _fresh(found)

    wrapper.uncached = reader  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def enable(on: bool = True) -> None:
    """Keep what is read from now on (``on=False``: read afresh again, and forget what was kept)."""
    global _ENABLED
    _ENABLED = on
    if not on:
        _STORE.clear()


def enabled() -> bool:
    """Whether reads are kept."""
    return _ENABLED


def clear() -> None:
    """Forget every file read (tests; a long session that wants its memory back)."""
    _STORE.clear()


def held() -> int:
    """How many results are held."""
    return len(_STORE)
