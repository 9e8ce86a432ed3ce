"""Stage 2 -- raw data files: checksum verification and checked CSV reading.

Raw files under ``data/raw/`` are immutable.  ``data/checksums.sha256`` (the
format written by ``sha256sum``) records each file's SHA-256; every build
verifies them first and stops, naming the file, if one is missing or changed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ChecksumError, DataFileError
from .cache import read_once

if TYPE_CHECKING:  # pandas is imported where a CSV is read: the build's no-op path hashes files without it
    import pandas as pd

CHECKSUM_FILE = "checksums.sha256"

log = logging.getLogger("reviewpack")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def read_checksums(data_dir: Path) -> dict[str, str]:
    """Read ``<data_dir>/checksums.sha256`` into ``{relative path: sha256}``.

    Paths in the manifest are relative to ``data_dir/raw``.
    """
    manifest = Path(data_dir) / CHECKSUM_FILE
    if not manifest.is_file():
        raise ChecksumError(
            f"Checksum manifest '{manifest.name}' is missing from '{data_dir}'. "
            "Restore it from git (git checkout -- data/checksums.sha256).",
            file=manifest,
        )
    out: dict[str, str] = {}
    for lineno, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise ChecksumError(
                f"file '{manifest}', line {lineno}: expected '<sha256>  <file name>', got {line!r}. "
                "Restore it from git (git checkout -- data/checksums.sha256), or fix that line.",
                file=manifest,
                row=lineno,
            )
        out[parts[1].strip().lstrip("*")] = parts[0].lower()
    return out


def verify_checksums(data_dir: Path, only: Iterable[str] | None = None) -> dict[str, str]:
    """Verify raw files against the checksum manifest.

    Parameters
    ----------
    data_dir : Path
        The data folder (holds ``checksums.sha256`` and ``raw/``).
    only : iterable of str, optional
        Verify only these file names (relative to ``raw/``); default all.

    Returns
    -------
    dict
        ``{file name: sha256}`` of the verified files (recorded in the manifest of a build).

    Raises
    ------
    ChecksumError
        Naming the first file that is missing or whose contents changed.
    """
    expected = read_checksums(data_dir)
    names = sorted(expected) if only is None else sorted(set(only))
    verified: dict[str, str] = {}
    for name in names:
        if name not in expected:
            raise ChecksumError(
                f"Data file 'raw/{name}' has no checksum in '{CHECKSUM_FILE}'. Raw files must be registered: "
                f"add its line with 'sha256sum {name} >> ../{CHECKSUM_FILE}' run in data/raw, and document it in data/raw/SOURCES.md.",
                file=Path(data_dir) / "raw" / name,
            )
        path = Path(data_dir) / "raw" / name
        if not path.is_file():
            raise ChecksumError(
                f"Data file '{path}' is missing. Restore it with 'git checkout -- data/raw/{name}'.", file=path
            )
        actual = sha256_file(path)
        if actual != expected[name]:
            raise ChecksumError(
                f"Data file '{path}' has changed: its SHA-256 is {actual[:12]}…, expected {expected[name][:12]}… "
                f"from '{CHECKSUM_FILE}'. Raw files are immutable: restore it with 'git checkout -- data/raw/{name}', "
                "or, for a new data release, add it under a new name with its own checksum and source note.",
                file=path,
            )
        verified[name] = actual
    return verified


@read_once
def read_csv_checked(
    path: Path,
    required: Iterable[str],
    *,
    dtype: type | dict | None = None,
    label: str | None = None,
    min_rows: int = 1,
) -> pd.DataFrame:
    """Read a CSV and check it has the required columns and at least ``min_rows`` rows.

    Parameters
    ----------
    path : Path
        CSV file (``.csv`` or ``.csv.gz``).
    required : iterable of str
        Columns that must be present.
    dtype : type or dict, optional
        Passed to :func:`pandas.read_csv`.
    label : str, optional
        What the file is, for messages (e.g. "population panel").
    min_rows : int
        Fewer data rows than this is an error (a truncated file).

    Raises
    ------
    DataFileError
        If the file is missing, unreadable, truncated, or lacks a required column.
    """
    import pandas as pd

    path = Path(path)
    what = f"{label} file" if label else "Data file"
    if not path.is_file():
        raise DataFileError(f"{what} '{path}' does not exist. Check the parameter that names it.", file=path)
    try:
        try:
            frame = pd.read_csv(path, dtype=dtype, encoding="utf-8-sig")
        except UnicodeDecodeError:
            with open(path, "rb") as fh:
                head = fh.read(4096)
            if b"\x00" in head or path.suffix.lower() != ".csv":
                raise
            # saved by Excel as plain "CSV": Windows-1252 (refused below if it is not that either)
            frame = pd.read_csv(path, dtype=dtype, encoding="cp1252")
            log.warning("%s '%s' is not UTF-8: read as Windows-1252 (save it as 'CSV UTF-8' to silence this warning)", what, path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, EOFError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataFileError(f"{what} '{path}' cannot be read as CSV: {first}. Restore the original file.", file=path) from None
    _check_not_truncated(path, what, frame.shape[1])
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFileError(
            f"{what} '{path}' is missing column(s) {', '.join(repr(c) for c in missing)}. "
            f"It has: {', '.join(repr(c) for c in list(frame.columns)[:12])}{' …' if frame.shape[1] > 12 else ''}. "
            "Restore the original file, or check the parameter that names it.",
            file=path,
            column=missing[0] if len(missing) == 1 else None,
        )
    if len(frame) < min_rows:
        raise DataFileError(f"{what} '{path}' has {len(frame)} data rows; expected at least {min_rows}. It may be truncated.", file=path)
    return frame


def _check_not_truncated(path: Path, what: str, ncol: int) -> None:
    """Refuse a plain-text CSV whose last line is cut short (a partial download or copy).

    A truncated file usually ends mid-row: without a line break, and with fewer values than the
    header (a complete last row without a final line break is accepted).  pandas would read such a row silently, padding it with blanks, so the totals would
    simply be smaller.  (Truncation exactly at a line break is caught by the coverage checks.)
    """
    if path.suffix.lower() in (".gz", ".bz2", ".xz", ".zip", ".zst"):
        return  # a truncated compressed file fails to decompress instead
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb") as fh:
        fh.seek(max(0, size - 65536))
        tail = fh.read()
    if tail.endswith(b"\n"):
        return
    import csv

    with open(path, "rb") as fh:
        lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b"")) + 1
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
    values = next(csv.reader([last]), [])
    if len(values) >= ncol:
        return  # complete, just without a final line break
    raise DataFileError(
        f"{what} '{path}', row {lines} (the last line) is cut short: it has {len(values)} of the header's {ncol} "
        "values and no line break, so the file is probably truncated (an interrupted download or copy). "
        "Restore the original file.",
        file=path,
        row=lines,
    )
