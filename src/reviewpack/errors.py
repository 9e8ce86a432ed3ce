"""Exception hierarchy, shared by every layer (config, ingest, analysis, present, pipeline).

Exit codes:

* **2** -- a *user error*: something the user can fix (a bad parameter, a missing or changed data
  file, a malformed grant register).  Every such error derives from :class:`ReviewpackUserError`;
  the CLI prints its one-paragraph message and exits with code 2.
* **1** -- a *programming (internal) error*: anything else, including :class:`BuildError` and
  exceptions reviewpack did not raise on purpose.  ``reviewpack --debug`` shows the traceback.

A user error may carry a structured location besides its message: the ``file``, ``row`` and
``column`` of a data file, or the ``parameter`` (dotted name, e.g. ``geography.grouping``) it is
about.  The message text always names the location itself, so the attributes are for code (tests,
tools, a future machine-readable report), rendered by :meth:`ReviewpackUserError.where`.
"""

from __future__ import annotations


class ReviewpackError(Exception):
    """Base class of every exception raised on purpose by reviewpack."""


class ReviewpackUserError(ReviewpackError):
    """An error the user can fix; the message says what is wrong and how to fix it.

    Parameters
    ----------
    *args
        The message (as for any exception).
    file : str or path-like, optional
        The file the problem is in.
    row : int, optional
        1-based row (or line) number as a spreadsheet user counts it (header = row 1).
    column : str, optional
        Column name.
    parameter : str, optional
        Dotted name of the parameter at fault, e.g. ``population.pyramid_year``.
    """

    exit_code = 2

    def __init__(
        self,
        *args: object,
        file: object | None = None,
        row: int | None = None,
        column: str | None = None,
        parameter: str | None = None,
    ) -> None:
        super().__init__(*args)
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.parameter = parameter

    def where(self) -> str:
        """The structured location as text: ``file 'x.csv', row 12, column 'Amount'``,
        ``parameter 'area'``, both joined by ``; ``, or ``""`` when the error has none."""
        cell = [f"file '{self.file}'"] if self.file is not None else []
        if self.row is not None:
            cell.append(f"row {self.row}")
        if self.column is not None:
            cell.append(f"column '{self.column}'")
        parts = [", ".join(cell)] if cell else []
        if self.parameter is not None:
            parts.append(f"parameter '{self.parameter}'")
        return "; ".join(parts)


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
    """A notebook failed to execute or export while building a pack (an internal error: exit 1)."""

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
