"""National deciles and percentiles from ranks, NTILE groups and within-borough quintiles.

Pure numpy/pandas.  National ranks run from 1 (most deprived LSOA in England) to N;
national deciles are ``ceil(rank / (N / 10))``.  Within-borough quintiles (the 2017
Localities Delivery Model method) are equal-count groups of the borough's own LSOAs,
1 = most deprived.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["national_decile", "ntile", "borough_quintiles"]

def national_decile(rank: pd.Series | np.ndarray | Sequence[int], n_national: int) -> np.ndarray:
    """National decile from national rank: ``ceil(rank / (N / 10))``, in exact integers.

    Parameters
    ----------
    rank : array-like of int
        National ranks, 1 = most deprived.
    n_national : int
        N, the number of LSOAs ranked (32,844 for IoD2015/2019; 33,755 for IoD2025).

    Returns
    -------
    numpy.ndarray of int
        Deciles 1..10 (1 = most deprived 10% of LSOAs in England).
    """
    r = np.asarray(rank, dtype="int64")
    return (r * 10 + n_national - 1) // n_national


def _national_percentile(rank: np.ndarray, n_national: int) -> np.ndarray:
    """Percentile 1..100 of the national ranking: ``ceil(rank / (N / 100))``."""
    r = np.asarray(rank, dtype="int64")
    return (r * 100 + n_national - 1) // n_national


def ntile(values: pd.Series | np.ndarray | Sequence[float], n: int = 5) -> pd.Series | np.ndarray:
    """Split values into ``n`` ordered groups of (almost) equal size: SQL/dplyr NTILE.

    Values are ordered ascending; ties keep their input order (a stable sort, like
    ``dplyr::ntile`` which uses ``row_number``).  When ``len(values)`` is not a
    multiple of ``n``, the first ``len % n`` groups get one extra member, so 167
    values in 5 groups give sizes 34, 34, 33, 33, 33 and 169 give 34, 34, 34, 34, 33.

    Parameters
    ----------
    values : pandas.Series or array-like of numbers
        Values to group; the smallest go into group 1.  Missing values (NaN) get a
        missing group and do not count towards the sizes.
    n : int, default 5
        Number of groups (>= 1).

    Returns
    -------
    pandas.Series or numpy.ndarray
        Group numbers 1..n.  A Series comes back for a Series input, with the same
        index (dtype ``Int64`` if there were missing values, else ``int64``);
        otherwise a NumPy integer array (NaN then raises ``ValueError``).
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    series = values if isinstance(values, pd.Series) else None
    arr = np.asarray(series.to_numpy() if series is not None else values, dtype=float)
    if arr.ndim != 1:
        raise ValueError("values must be one-dimensional")
    ok = ~np.isnan(arr)
    m = int(ok.sum())
    groups = np.zeros(arr.shape[0], dtype="int64")
    if m:
        order = np.argsort(arr[ok], kind="stable")
        pos = np.empty(m, dtype="int64")
        pos[order] = np.arange(m)
        base, extra = divmod(m, int(n))
        big = base + 1
        cut = extra * big
        tail = extra + (pos - cut) // max(base, 1)
        groups[ok] = np.where(pos < cut, pos // big, tail) + 1
    if series is not None:
        out = pd.Series(groups, index=series.index, name="ntile")
        if not ok.all():
            out = out.astype("Int64")
            out[~ok] = pd.NA
        return out
    if not ok.all():
        raise ValueError("values contain NaN; pass a pandas Series to keep missing groups")
    return groups


def borough_quintiles(imd: pd.DataFrame, n: int = 5, rank_col: str = "imd_rank") -> pd.DataFrame:
    """Add within-borough quintiles: equal-count groups of LSOAs, 1 = most deprived.

    Parameters
    ----------
    imd : pandas.DataFrame
        The borough's LSOAs (e.g. :func:`reviewpack.ingest.imd.load_imd` with ``la_code``).  Quintiles are
        relative to exactly the rows passed.
    n : int, default 5
        Number of groups (5 = quintiles).
    rank_col : str, default "imd_rank"
        National rank column (1 = most deprived).

    Returns
    -------
    pandas.DataFrame
        A copy of ``imd`` with an int column ``quintile`` (1..n, 1 = the most
        deprived fifth, i.e. the lowest national ranks; ties keep row order).
    """
    if rank_col not in imd.columns:
        raise ParameterError(f"borough_quintiles needs column '{rank_col}' in the IMD frame")
    out = imd.copy()
    groups = cast(pd.Series, ntile(out[rank_col].astype(float), n))
    out["quintile"] = groups.astype("int64").to_numpy()
    return out

