"""Compute a section's table once per pack: the notebook, the key messages and "At a glance" ask again.

A section's inputs do not change once the pack is open, so a method's result depends only on its
arguments.  :func:`memo` keeps it on the instance; frames are handed out as copies, so a caller
that adds a column to what it got cannot change what the next caller gets.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

F = TypeVar("F", bound=Callable[..., Any])


def _fresh(value: Any) -> Any:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy()
    if isinstance(value, list | tuple | dict):
        return copy.deepcopy(value)
    return value


def memo(method: F) -> F:
    """Cache ``method``'s result per instance and arguments (hashable arguments only)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        store = self.__dict__.setdefault("_memo", {})
        key = (method.__name__, args)
        if key not in store:
            store[key] = method(self, *args)
        return _fresh(store[key])

    return wrapper  # type: ignore[return-value]
