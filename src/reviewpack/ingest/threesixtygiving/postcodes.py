"""Postcodes: normalising them, and reading a postcode -> LSOA 2021 lookup.

A grant register often gives only the recipient organisation's postcode.  Such a grant is placed
through a postcode -> LSOA 2021 lookup, then the LSOA -> ward lookup.  Two kinds of lookup are
read, told apart by their header:

* the ONS Postcode Directory (ONSPD) or the National Statistics Postcode Lookup (NSPL), as ONS
  publishes them (the CSV inside the zip, or that CSV gzipped): a postcode column (``pcds``,
  ``pcd`` or ``pcd2``) and an LSOA 2021 column (``lsoa21``, or ``lsoa21cd``).  The full file is
  over a gigabyte, so only those two columns are read, in chunks, and only the rows for the
  postcodes the register holds are kept;
* a small two-column file such as the derived ``postcode_lsoa21_walsall_derived.csv``
  (``postcode, lsoa21_code``).

Postcodes are compared after :func:`normalise`: upper case, no inner spaces but one before the
inward code (``ws11tp`` and ``WS1  1TP`` are both ``WS1 1TP``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ...errors import DataFileError

#: an outward code (``A9``, ``A99``, ``AA9``, ``AA99``, ``A9A``, ``AA9A``) then an inward code (``9AA``), spaces removed
POSTCODE_RE = r"(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)"
#: postcode columns of a lookup, in order of preference (matched ignoring case)
POSTCODE_COLUMNS = ("pcds", "pcd", "pcd2", "postcode", "pcd7", "pcd8")
#: LSOA 2021 columns of a lookup (matched ignoring case)
LSOA21_COLUMNS = ("lsoa21", "lsoa21cd", "lsoa21_code", "lsoa2021")
#: rows of a large lookup read at a time
CHUNK_ROWS = 200_000
PARAMETER = "grants.postcode_lookup"


def normalise(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Postcodes in one form, and which cells are not postcodes.

    Parameters
    ----------
    raw : Series of str
        Postcodes as written ('' for blank).

    Returns
    -------
    (Series, Series)
        The postcodes upper case with one space before the inward code ('' where blank or
        malformed), and a boolean Series true where a non-blank cell is not a UK postcode.
    """
    squeezed = raw.fillna("").astype(str).str.upper().str.replace(r"\s+", "", regex=True)
    blank = squeezed == ""
    ok = squeezed.str.fullmatch(POSTCODE_RE).fillna(False).astype(bool)
    spaced = squeezed.str.slice(0, -3) + " " + squeezed.str.slice(-3)
    return spaced.where(ok, ""), ~blank & ~ok


def _pick(columns: Iterable[str], wanted: tuple[str, ...]) -> str | None:
    by_lower = {str(c).strip().lower(): str(c) for c in columns}
    return next((by_lower[w] for w in wanted if w in by_lower), None)


def lookup_postcodes(path: str | Path, postcodes: Iterable[str], label: str | None = None) -> dict[str, str]:
    """The LSOA 2021 of each of ``postcodes`` found in a postcode lookup.

    Parameters
    ----------
    path : str or Path
        ONSPD/NSPL CSV (optionally ``.gz`` or a ``.zip`` holding one CSV) or a ``postcode,
        lsoa21_code`` CSV.
    postcodes : iterable of str
        Normalised postcodes (see :func:`normalise`) to look up; only their rows are kept.
    label : str, optional
        How the file is named in messages (default: its name).

    Returns
    -------
    dict
        ``{postcode: LSOA 2021 code}`` for the postcodes found (a postcode with no LSOA in the
        file, e.g. a large user's postcode outside the LSOA geography, is left out).

    Raises
    ------
    DataFileError
        The file is missing, unreadable, or has no postcode or no LSOA 2021 column.
    """
    path = Path(path)
    name = label or path.name
    wanted = {p for p in postcodes if p}
    if not path.is_file():
        raise DataFileError(
            f"Postcode lookup '{name}' (parameter {PARAMETER}) does not exist. Check the path, or set {PARAMETER}: null.",
            file=name, parameter=PARAMETER,
        )
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataFileError(
            f"Postcode lookup '{name}' (parameter {PARAMETER}) cannot be read as CSV ({exc}). Give the CSV of the ONS Postcode "
            "Directory or NSPL (unzipped, or gzipped), or a CSV with columns postcode and lsoa21_code.",
            file=name, parameter=PARAMETER,
        ) from None
    pc_col, lsoa_col = _pick(header, POSTCODE_COLUMNS), _pick(header, LSOA21_COLUMNS)
    if pc_col is None or lsoa_col is None:
        lacking = " and ".join(
            what for what, col in (("a postcode column (pcds, pcd or postcode)", pc_col), ("an LSOA 2021 column (lsoa21)", lsoa_col)) if col is None
        )
        older = " It has LSOA 2011 codes only: use an ONSPD or NSPL release from 2022 or later." if _pick(header, ("lsoa11", "lsoa11cd")) else ""
        raise DataFileError(
            f"Postcode lookup '{name}' (parameter {PARAMETER}) has no {lacking}; its columns start "
            f"{', '.join(map(str, list(header)[:8]))}.{older}",
            file=name, parameter=PARAMETER,
        )
    found: dict[str, str] = {}
    if not wanted:
        return found
    reader = pd.read_csv(
        path, usecols=[pc_col, lsoa_col], dtype=str, keep_default_na=False, encoding="utf-8-sig", chunksize=CHUNK_ROWS
    )
    with reader:
        for chunk in reader:
            pcs, _ = normalise(chunk[pc_col])
            keep = pcs.isin(wanted)
            if keep.any():
                lsoa = chunk.loc[keep, lsoa_col].str.strip().str.upper()
                found.update((p, c) for p, c in zip(pcs[keep], lsoa) if c)
    return found
