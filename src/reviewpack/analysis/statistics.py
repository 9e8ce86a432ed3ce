"""Stage 3 -- the chi-square test of independence between area and deprivation quintile.

Numbers only: the sentence that reports the test is
:func:`reviewpack.present.narrative.deprivation.chi_square_sentence`.  ``scipy`` is
imported inside :func:`chi_square_by_area`, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .joins import _area_column

__all__ = ["ChiSquareResult", "chi_square_by_area", "strength_band"]


@dataclass(frozen=True)
class ChiSquareResult:
    """Result of :func:`chi_square_by_area`.

    Attributes
    ----------
    statistic, p_value : float
        Pearson chi-square statistic (no continuity correction) and its p-value.
    dof : int
        Degrees of freedom, (rows − 1) × (columns − 1).
    n : float
        Total count tested.
    cramers_v : float
        sqrt(chi2 / (n × (min(rows, columns) − 1))).
    strength_band : int
        0, 1, 2 or 3 for a negligible, weak, moderate or strong association
        (:func:`strength_band`: Cohen's thresholds scaled by the table size).
    unit : str
        What was counted ("LSOAs" or "residents").
    observed, expected : pandas.DataFrame
        Area × quintile tables.
    small_expected : list of tuple
        ``(area, quintile, expected)`` for cells with expected count below 5.
    alpha : float
        The significance level the test was run at.
    """

    statistic: float
    p_value: float
    dof: int
    n: float
    cramers_v: float
    strength_band: int
    unit: str
    observed: pd.DataFrame
    expected: pd.DataFrame
    small_expected: list
    alpha: float = 0.05

    @property
    def significant(self) -> bool:
        """Whether ``p_value`` is below ``alpha``."""
        return self.p_value < self.alpha


def strength_band(v: float, k: int) -> int:
    """Cohen (1988) w thresholds 0.1/0.3/0.5 converted to Cramér's V for min-dimension k.

    Parameters
    ----------
    v : float
        Cramér's V.
    k : int
        The smaller dimension of the table, min(rows, columns).

    Returns
    -------
    int
        0 (negligible), 1 (weak), 2 (moderate) or 3 (strong).
    """
    scale = math.sqrt(max(k - 1, 1))
    if v < 0.1 / scale:
        return 0
    if v < 0.3 / scale:
        return 1
    if v < 0.5 / scale:
        return 2
    return 3


def _contingency(table: pd.DataFrame, value_col: str = "lsoas", area_col: str | None = None) -> tuple[pd.DataFrame, str]:
    """Areas × quintiles counts for :func:`chi_square_by_area` (all-zero rows and columns dropped), and the unit counted."""
    if "quintile" in table.columns:
        if value_col not in table.columns:
            raise ParameterError(f"the table has no count column '{value_col}'")
        known = ("imd_vintage", "quintile", value_col, "lsoas", "residents", "share_of_quintile_pct")
        area_col = _area_column(table, known, area_col, "quintile counts")
        obs = table.pivot_table(
            index=area_col, columns="quintile", values=value_col, aggfunc="sum", fill_value=0
        )
        unit = "residents" if value_col == "residents" else "LSOAs"
    else:
        obs = table.copy()
        unit = "LSOAs"
    obs = obs.apply(pd.to_numeric)
    return obs.loc[obs.sum(axis=1) > 0, obs.sum(axis=0) > 0], unit


def chi_square_by_area(
    table: pd.DataFrame,
    value_col: str = "lsoas",
    area_col: str | None = None,
    alpha: float = 0.05,
) -> ChiSquareResult:
    """Chi-square test of independence between area and deprivation quintile.

    Which unit?  The test assumes independent observations.  Residents are not
    independent: a neighbourhood's quintile is assigned to everyone who lives there,
    so counting residents multiplies the sample size by about 1,600 and turns any
    small difference "significant" (with about 280,000 residents virtually every
    table is, p < 0.001).  The quintile is a property of the neighbourhood, so the
    honest unit is the LSOA: pass
    :func:`~reviewpack.analysis.deprivation.quintile_lsoa_counts`.  Passing the
    resident table of :func:`~reviewpack.analysis.deprivation.quintile_distribution`
    with ``value_col="residents"`` is allowed but the result describes the size of
    the population rather than the strength of the evidence.  Cramér's V measures
    the strength of the association and is comparable across units.

    Parameters
    ----------
    table : pandas.DataFrame
        Either a wide contingency table (index = areas, columns = quintiles,
        numeric counts) such as ``quintile_lsoa_counts``, or a tidy frame with
        columns ``quintile``, the area column and ``value_col``.
    value_col : str, default "lsoas"
        Count column of a tidy frame (``"residents"`` for
        ``quintile_distribution``).  The unit reported is "LSOAs" unless it is
        ``"residents"``.
    area_col : str, optional
        Area column of a tidy frame; default: its one column that is not
        ``imd_vintage``, ``quintile``, ``lsoas``, ``residents``,
        ``share_of_quintile_pct`` or ``value_col``.
    alpha : float, default 0.05
        Significance level (kept in the result for the sentence).

    Returns
    -------
    ChiSquareResult
        Statistic, p-value, degrees of freedom, Cramér's V and its strength band,
        expected counts and the cells with expected counts below 5.  Rows or
        columns that are all zero are dropped before testing.

    Raises
    ------
    ParameterError
        If fewer than two areas or two quintiles have counts.
    """
    # scipy.special, not scipy.stats: the same survival function, imported in a fifth of the time
    from scipy.special import chdtrc

    obs, unit = _contingency(table, value_col, area_col)
    if obs.shape[0] < 2 or obs.shape[1] < 2:
        raise ParameterError("the chi-square test needs at least two areas and two quintiles with counts")
    observed = obs.to_numpy(float)
    # Pearson's statistic against the counts expected under independence (row total x column total / n),
    # as scipy.stats.chi2_contingency(correction=False) computes it (tests/test_deprivation.py compares the two)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    dof = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    p = float(chdtrc(dof, chi2))
    n = float(obs.to_numpy().sum())
    k = min(obs.shape)
    v = math.sqrt(chi2 / (n * (k - 1)))
    exp = pd.DataFrame(expected, index=obs.index, columns=obs.columns)
    small = [
        (idx, col, float(exp.at[idx, col]))
        for idx in exp.index
        for col in exp.columns
        if exp.at[idx, col] < 5
    ]
    return ChiSquareResult(
        statistic=float(chi2),
        p_value=float(p),
        dof=int(dof),
        n=n,
        cramers_v=float(v),
        strength_band=strength_band(v, k),
        unit=unit,
        observed=obs,
        expected=exp,
        small_expected=small,
        alpha=float(alpha),
    )
