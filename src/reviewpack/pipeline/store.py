"""The build's own files under ``.cache/reviewpack/`` (deleting them only costs time), written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: Where the build keeps its cache, relative to the project root (see :mod:`reviewpack.pipeline.cache`).
CACHE_DIR = Path(".cache") / "reviewpack"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so a reader never sees half of it.

    Parameters
    ----------
    path : Path
        The file to write (its folder is created if needed).
    text : str
        UTF-8 text.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
