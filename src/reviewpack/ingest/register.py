"""Stage 2 -- the source register ``data/sources.yaml``: who published each raw file, and under
which licence.

:func:`used_sources` gives the register's entry for every raw file a pack's parameters use (the
data of the "Data sources" table; its headings are chosen in
:mod:`reviewpack.present.narrative.methodology`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import DataFileError
from .files import read_checksums

if TYPE_CHECKING:  # pandas only where the table is made
    import pandas as pd

SOURCES_REGISTER = "sources.yaml"

#: The fields of a register entry, in table order, then the file and its SHA-256.
SOURCE_FIELDS = ("title", "publisher", "release", "licence")


def load_register(data_dir: Path) -> dict[str, Any]:
    """Read ``data/sources.yaml`` (the machine-readable source register).

    Parameters
    ----------
    data_dir : Path
        The data folder.

    Returns
    -------
    dict
        The register: ``sources`` (one mapping per raw file) and ``attribution`` (lines to show).

    Raises
    ------
    DataFileError
        If the register is missing, not valid YAML or not a mapping.
    """
    path = Path(data_dir) / SOURCES_REGISTER
    if not path.is_file():
        raise DataFileError(f"Source register '{path}' is missing; restore it from git.", file=path)
    try:
        register = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DataFileError(
            f"Source register '{path}' is not valid YAML{at}: {problem}. Restore it from git, or fix the syntax.",
            file=path,
            row=mark.line + 1 if mark is not None else None,
        ) from None
    if not isinstance(register, dict):
        raise DataFileError(
            f"Source register '{path}' must be a mapping with 'sources' and 'attribution'. Restore it from git.", file=path
        )
    return register


def attribution_lines(register: dict[str, Any], files: list[str] | None = None) -> list[str]:
    """The ``attribution`` lines that apply to the files used.

    A line is a string (always shown) or ``{text: ..., files: [patterns]}``, shown only when one of
    ``files`` (raw file names) matches a pattern (``fnmatch``), e.g. the Ordnance Survey credit only
    when a boundary file is used.  ``files=None`` shows every line.
    """
    from fnmatch import fnmatch

    out = []
    for line in register.get("attribution", []) or []:
        if isinstance(line, dict):
            patterns = [str(p) for p in line.get("files", []) or []]
            if files is not None and not any(fnmatch(f, p) for f in files for p in patterns):
                continue
            out.append(str(line.get("text", "")))
        else:
            out.append(str(line))
    return [t for t in out if t]


def files_used(params_dict: dict[str, Any]) -> list[str]:
    """Names of the raw files a pack's parameters point at (``raw/...`` values, any depth)."""
    from ..config import param_strings  # pydantic stays unimported on the build's no-op path

    return sorted({v[len("raw/"):] for v in param_strings(params_dict) if v.startswith("raw/")})


def used_sources(data_dir: Path, params_dict: dict[str, Any]) -> pd.DataFrame:
    """One row per raw file the pack uses: its register entry, file name and SHA-256.

    Parameters
    ----------
    data_dir : Path
        The data folder (holds ``sources.yaml`` and ``checksums.sha256``).
    params_dict : dict
        The pack's resolved parameters (the files are the ``raw/...`` values in it).

    Returns
    -------
    DataFrame
        ``title, publisher, release, licence, file, sha256`` (``sha256`` is ``unregistered`` for a
        file without a checksum); no columns at all when the parameters use no raw file.

    Raises
    ------
    DataFileError
        If a file the parameters use is not described in ``sources.yaml`` (every source must be attributed).
    """
    import pandas as pd

    register = load_register(data_dir)
    checksums = read_checksums(data_dir)
    by_file = {s["file"]: s for s in register.get("sources", [])}
    rows = []
    for name in files_used(params_dict):
        if name not in by_file:
            raise DataFileError(
                f"Data file 'raw/{name}' is used by the parameters but not described in 'data/{SOURCES_REGISTER}'. "
                "Add its title, publisher, release and licence there so the pack can attribute it.",
                file=Path(data_dir) / SOURCES_REGISTER,
            )
        s = by_file[name]
        # every field is text: a release written as a bare year (2024) must not be read, or shown, as a count
        rows.append({**{k: str(s[k]) for k in SOURCE_FIELDS}, "file": name, "sha256": checksums.get(name, "unregistered")})
    return pd.DataFrame(rows)
