"""Exception hierarchy.

Every error a user can fix (a bad parameter, a missing or changed data file, a
malformed grant register) derives from :class:`ReviewpackUserError`; the CLI
turns those into a one-paragraph message and exit code 2.  Anything else is an
internal error (exit code 1).
"""

from __future__ import annotations


class ReviewpackError(Exception):
    """Base class of every exception raised on purpose by reviewpack."""


class ReviewpackUserError(ReviewpackError):
    """An error the user can fix; the message says what is wrong and how to fix it."""

    exit_code = 2


class ParameterError(ReviewpackUserError):
    """A parameter file or value is invalid (unknown key, wrong type, unknown choice)."""


class DataFileError(ReviewpackUserError):
    """A data file is missing, unreadable, or lacks required columns or rows."""


class ChecksumError(DataFileError):
    """A raw data file does not match the checksum recorded in ``data/checksums.sha256``."""


class GrantsError(DataFileError):
    """A grant register cannot be read as a whole (wrong format, missing columns, empty)."""


class ReconciliationError(ReviewpackUserError):
    """A reconciliation check failed: totals or assignments do not add up."""


class BuildError(ReviewpackError):
    """A notebook failed to execute or export while building a pack."""

    exit_code = 1


def where(path: object, row: int | None = None, column: str | None = None) -> str:
    """Format a location for an error message: ``file 'x.csv', row 12, column 'Amount'``.

    Parameters
    ----------
    path : path-like or str
        The file the problem is in.
    row : int, optional
        1-based row number as a spreadsheet user would count it (header = row 1).
    column : str, optional
        Column name.
    """
    parts = [f"file '{path}'"]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column '{column}'")
    return ", ".join(parts)
