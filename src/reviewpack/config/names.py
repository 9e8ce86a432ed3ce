"""Safe names: a pack's name becomes file and folder names (``<pack>.html``, ``tables/<pack>/``,
``params/<pack>.yaml``, cache entries), so it must be a plain slug that cannot leave its folder or
replace a file the build publishes itself.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ParameterError

__all__ = ["PACK_NAME", "RESERVED_NAMES", "WINDOWS_NAMES", "check_pack_name", "inside"]

#: lower-case letters, digits, ``-`` and ``_``, starting with a letter or digit, at most 100 characters
PACK_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")

#: names a pack cannot take: the build's own files and folders in the output folder, and names
#: Windows refuses as file names (a published folder is often copied to a council laptop)
WINDOWS_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})
RESERVED_NAMES = frozenset({"index", "manifest", "changes", "tables", "build-timings", "datapackage"}) | WINDOWS_NAMES


def check_pack_name(name: object, where: str = "") -> str:
    """``name`` if it is a safe pack name; else a :class:`ParameterError` saying why and what to use.

    Parameters
    ----------
    name : object
        A pack name as read from ``packs:``, ``--pack`` or made from an area's name.
    where : str, optional
        Where it came from, for the message (e.g. ``"in 'packs' of 'params/defaults.yaml'"``).

    >>> check_pack_name("north")
    'north'
    """
    at = f" ({where})" if where else ""
    text = str(name)
    shown = text if len(text) <= 40 else text[:40] + "..."
    if not isinstance(name, str) or not PACK_NAME.fullmatch(name):
        raise ParameterError(
            f"Pack name {shown!r}{at} is not a safe name: use 1 to 100 lower-case letters, digits, '-' and '_', "
            "starting with a letter or digit (e.g. 'north'); no '/', '.', '..' or spaces.",
            parameter="packs",
        )
    if name in RESERVED_NAMES:
        why = (
            f"'{name}.html' cannot be saved on Windows" if name in WINDOWS_NAMES
            else f"it would replace or sit beside a file the build publishes itself ('{name}.html', '{name}.json' or '{name}/')"
        )
        raise ParameterError(f"Pack name '{name}'{at} is reserved: {why}. Choose another name.", parameter="packs")
    return name


def inside(folder: Path, path: Path) -> Path:
    """``path`` if it resolves inside ``folder``; a :class:`ValueError` otherwise (a write that would escape)."""
    resolved, base = Path(path).resolve(), Path(folder).resolve()
    if resolved != base and base not in resolved.parents:
        raise ValueError(f"refusing to write '{path}': it is outside '{folder}'")
    return path
