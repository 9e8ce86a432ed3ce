"""Stage 3 -- MHCLG's local authority summary measures of the IoD (File 10 definitions).

Average score, average rank, extent, local concentration and the proportion of LSOAs
in England's most deprived 10%, for a borough, its areas (indicatively) or every
local authority in England, and their ranks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError, ReconciliationError
from .joins import _as_int_if_whole, _examples, _n_national, _population_series
from .ranks import _national_percentile, national_decile

__all__ = ["FILE10_DECIMALS", "agrees_with_published", "la_summary_measures", "rank_summary_measures"]

#: Decimal places MHCLG publish each summary measure to in File 10 (IoD2025).
FILE10_DECIMALS: dict[str, int] = {
    "average_score": 3,
    "average_rank": 2,
    "extent": 4,
    "local_concentration": 2,
    "proportion_lsoas_decile_1": 4,
}


def _extent_weight(rank: np.ndarray, n_national: int) -> np.ndarray:
    """Appendix N sliding scale: 1 in percentiles 1–10, 0.95 … 0.05 in 11–30, else 0."""
    pct = _national_percentile(rank, n_national)
    sliding = 0.95 - (0.90 / 19.0) * (pct - 11)
    return np.where(pct <= 10, 1.0, np.where(pct <= 30, sliding, 0.0))


def _local_concentration(rank: np.ndarray, w: np.ndarray, n_national: int) -> float:
    order = np.argsort(rank, kind="stable")
    r = rank[order]
    pop = w[order]
    target = 0.10 * pop.sum()
    before = np.cumsum(pop) - pop
    used = np.clip(target - before, 0.0, pop)
    if used.sum() <= 0:
        return float("nan")
    return float(np.sum((n_national + 1 - r) * used) / used.sum())


def la_summary_measures(
    imd: pd.DataFrame,
    population: pd.Series | pd.DataFrame | None,
    by: str | pd.Series | None = None,
    n_national: int | None = None,
) -> pd.DataFrame:
    """MHCLG's local authority summary measures, for a borough or (indicatively) its areas.

    Definitions (IoD technical report, LA summaries; File 10):

    * **average score** – population-weighted mean of the LSOA IMD scores;
    * **average rank** – population-weighted mean of the LSOA ranks after
      reversing them so that the most deprived LSOA in England has rank N
      (``N + 1 - rank``); higher = more deprived;
    * **extent** – population-weighted share living in the most deprived 30% of
      LSOAs: weight 1 in the most deprived 10% (national percentiles 1–10), then a
      sliding weight from 0.95 (percentile 11) falling by 0.90/19 per percentile to
      0.05 (percentile 30), 0 beyond; percentile = ``ceil(rank / (N / 100))``;
    * **local concentration** – population-weighted mean reversed rank of the
      area's most deprived LSOAs that together hold exactly 10% of its population
      (the LSOA that crosses 10% counts with only the part needed);
    * **proportion of LSOAs in the most deprived 10% nationally** – unweighted
      share of the area's LSOAs in national decile 1.

    Accuracy: MHCLG weight by their own mid-year denominators (mid-2022 for
    IoD2025, in File 7).  With those (``population=None`` on a frame that has
    File 7's ``pop_total``), Walsall's five IoD2025 values equal File 10 at its
    published precision (:func:`agrees_with_published`).  With Census 2021 usual
    residents instead (the national builds, which have no File 7 rows),
    Walsall's IoD2025 values differ from File 10 by: average score
    31.691 vs 31.732 (−0.041), average rank 22,483.6 vs 22,512.0 (−28.4),
    extent 0.4813 vs 0.4822 (−0.0009), local concentration 32,552.5 vs 32,556.4
    (−4.0); the proportion in decile 1 (0.2485) needs no weights and matches
    exactly.  Across all 296 English LTLAs the largest absolute differences are
    0.34 (average score, City of London), 374 (average rank), 0.0071 (extent)
    and 170 (local concentration, a small district where 10% of residents live in
    one or two LSOAs); the decile-1 proportion matches File 10 to 4 dp for 295 of 296
    (West Northamptonshire: 5/237 = 0.0211 vs File 10's 0.0210), and the rank of
    Walsall's average score is 29 instead of 28.  Per-area values (localities,
    wards) are an indicative application of the same formulas — MHCLG publish them
    only for local authorities and higher geographies.

    Parameters
    ----------
    imd : pandas.DataFrame
        LSOAs from :func:`~reviewpack.ingest.imd.load_imd` (``imd_rank``, and ``imd_score`` for the
        average score).  For IoD2019 the score is derived; see ``attrs``.
    population : pandas.Series or pandas.DataFrame or None
        Weights per LSOA (see :func:`reviewpack.analysis.deprivation.quintile_distribution`); ``None`` uses the
        IoD's ``pop_total``.
    by : str or pandas.Series, optional
        ``None``: all rows form one group, labelled by the single ``la_code`` (or
        ``"all"``).  A column name of ``imd`` (e.g. ``"la_code"`` for every LA in
        England), or a Series mapping LSOA code → group (e.g.
        ``areas.set_index("lsoa_code")["locality"]``).
    n_national : int, optional
        N, the number of LSOAs ranked in England; default from ``imd.attrs``.

    Returns
    -------
    pandas.DataFrame
        Indexed by group (index name ``"group"`` or the column name), columns
        ``lsoas, residents, average_score, average_rank, extent,
        local_concentration, proportion_lsoas_decile_1`` (proportions
        as fractions 0–1, like File 10).  Use :func:`rank_summary_measures` to rank
        many groups.
    """
    n_nat = _n_national(imd, n_national)
    pop = _population_series(population, imd)
    df = imd.copy()
    df["lsoa_code"] = df["lsoa_code"].astype(str)
    missing = sorted(set(df["lsoa_code"]) - set(pop.index))
    if missing:
        raise ReconciliationError(
            f"{len(missing)} LSOA(s) have no population ({_examples(missing)}); use "
            "population for the same LSOA vintage"
        )
    df["_w"] = df["lsoa_code"].map(pop)
    if by is None:
        las = df["la_code"].unique() if "la_code" in df.columns else []
        df["_g"] = las[0] if len(las) == 1 else "all"
        name = "group"
    elif isinstance(by, str):
        if by not in df.columns:
            raise ParameterError(f"the IMD frame has no column '{by}' to group by")
        df["_g"] = df[by]
        name = by
    else:
        mapping = by.copy()
        mapping.index = mapping.index.astype(str)
        df["_g"] = df["lsoa_code"].map(mapping)
        if df["_g"].isna().any():
            raise ReconciliationError(
                "the grouping has no group for LSOA(s) "
                f"{_examples(df.loc[df['_g'].isna(), 'lsoa_code'])}"
            )
        name = by.name or "group"
    has_score = "imd_score" in df.columns
    rows = {}
    for key, sub in df.groupby("_g", sort=True):
        w = sub["_w"].to_numpy(float)
        rank = sub["imd_rank"].to_numpy("int64")
        tw = w.sum()
        rows[key] = {
            "lsoas": int(len(sub)),
            "residents": float(tw),
            "average_score": float(np.sum(sub["imd_score"].to_numpy(float) * w) / tw)
            if has_score else float("nan"),
            "average_rank": float(np.sum((n_nat + 1 - rank) * w) / tw),
            "extent": float(np.sum(_extent_weight(rank, n_nat) * w) / tw),
            "local_concentration": _local_concentration(rank, w, n_nat),
            "proportion_lsoas_decile_1": float(
                np.mean(national_decile(rank, n_nat) == 1)
            ),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = name
    out["residents"] = _as_int_if_whole(out["residents"])
    out.attrs = {
        "n_lsoas_england": n_nat,
        "imd_score_derived": bool(imd.attrs.get("imd_score_derived", False)),
    }
    return out


def rank_summary_measures(summary: pd.DataFrame) -> pd.DataFrame:
    """Rank groups on each summary measure, 1 = most deprived (as in File 10).

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`la_summary_measures` with many groups (e.g. every LA).

    Returns
    -------
    pandas.DataFrame
        A copy with ``rank_of_<measure>`` columns (ties share the lowest rank).
        Every measure is "higher = more deprived", so ranks are descending.
    """
    out = summary.copy()
    for col in (
        "average_score",
        "average_rank",
        "extent",
        "local_concentration",
        "proportion_lsoas_decile_1",
    ):
        out[f"rank_of_{col}"] = out[col].rank(ascending=False, method="min").astype("Int64")
    return out


def agrees_with_published(ours: dict[str, float] | pd.Series, published: dict[str, float]) -> dict[str, bool]:
    """Whether each of our summary measures equals the published File 10 value at its precision.

    Parameters
    ----------
    ours : dict or pandas.Series
        Our values (e.g. a row of :func:`la_summary_measures`), keyed by measure.
    published : dict
        File 10's values, keyed by the same names (``average_score``, …).

    Returns
    -------
    dict
        ``{measure: True/False}`` for every measure in both and in :data:`FILE10_DECIMALS`:
        ``True`` when ours, rounded half away from zero to File 10's decimal places, equals the
        published value (that is, ``|ours - published| <= half a unit of the last place``).
    """
    out = {}
    for k, dp in FILE10_DECIMALS.items():
        if k in published and k in ours:
            out[k] = bool(abs(float(ours[k]) - float(published[k])) <= 0.5 * 10.0**-dp + 1e-12)
    return out
