"""Stage 3 -- deprivation by area: IoD LSOA frames -> tidy tables.

Everything here is a pure function of data frames: nothing is read, written or
printed, and there is no reader-facing prose (that is in
:mod:`reviewpack.present.narrative.deprivation`).  The typical flow is::

    imd = load_imd("data/raw/imd2025_lsoa21_walsall.csv", 2025)      # reviewpack.ingest.imd
    dist = quintile_distribution(imd, census_residents, areas, area_col="locality")
    counts = quintile_lsoa_counts(imd, areas)       # -> analysis.statistics.chi_square_by_area

``areas`` is the geography contract produced by :mod:`reviewpack.geography`: one
row per LSOA with columns ``lsoa_code, lsoa_name, ward_code, ward_name,
area_partnership, locality``.  Every function that groups takes the grouping
column as ``area_col`` so the same code serves localities, area partnerships or
wards.  Nothing specific to one local authority is hard-coded.

Conventions
-----------
* National ranks run from 1 (most deprived LSOA in England) to N (least
  deprived); N is 32,844 for IoD2015/IoD2019 (LSOA 2011) and 33,755 for IoD2025
  (LSOA 2021).  National deciles are ``ceil(rank / (N / 10))``
  (:func:`national_decile`).
* Within-borough quintiles (the 2017 Localities Delivery Model method) are
  equal-count groups of the borough's own LSOAs, 1 = most deprived
  (:func:`borough_quintiles`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..ingest.imd import DOMAIN_LABELS, DOMAINS
from .joins import _area_column, _area_levels, _as_int_if_whole, _join, _n_national, _pct, _vintage_label
from .ranks import borough_quintiles, national_decile, ntile

__all__ = [
    "national_decile",
    "ntile",
    "borough_quintiles",
    "quintile_distribution",
    "area_share_view",
    "quintile_lsoa_counts",
    "national_position",
    "national_position_summary",
    "domain_profile",
    "relative_domains",
    "most_deprived_lsoas",
]
# The named (non-area) columns of the tidy tables, to find the area column by elimination.
_DISTRIBUTION_COLUMNS = ("imd_vintage", "quintile", "residents", "share_of_quintile_pct")
_POSITION_COLUMNS = (
    "imd_vintage", "national_decile", "lsoas", "residents", "share_of_lsoas_pct", "share_of_residents_pct",
)
_PROFILE_COLUMNS = (
    "imd_vintage", "domain", "domain_label", "measure", "value", "percentile", "more_deprived_when",
    "share_lsoas_decile_1_2_pct", "share_residents_decile_1_2_pct", "lsoas", "residents",
)

# --------------------------------------------------------------------------- #
# Quintile distribution (2017 Localities Delivery Model method)
# --------------------------------------------------------------------------- #


def quintile_distribution(
    imd: pd.DataFrame,
    population: pd.Series | pd.DataFrame | None,
    areas: pd.DataFrame,
    area_col: str = "locality",
    vintage_label: str | None = None,
) -> pd.DataFrame:
    """Residents of each within-borough IMD quintile, distributed across areas.

    This is the 2017 Cabinet "Localities Delivery Model" method: the borough's
    LSOAs are ranked by national IMD rank, split into five equal-count quintiles
    (:func:`borough_quintiles`), and the residents of each quintile are shared out
    among the areas.

    Parameters
    ----------
    imd : pandas.DataFrame
        The borough's LSOAs from :func:`~reviewpack.ingest.imd.load_imd`.  A ``quintile`` column is used
        as is; otherwise quintiles are computed from ``imd_rank`` over the rows given.
    population : pandas.Series or pandas.DataFrame or None
        Residents per LSOA: a Series indexed by LSOA code, or a frame with an LSOA
        code column (``lsoa_code``/``lsoa21_code``/…) and ``residents``/``pop_total``/
        ``total_usual_residents``.  ``None`` uses the IoD's own ``pop_total``
        denominators (IoD2015 mid-2012, IoD2019 mid-2015).
    areas : pandas.DataFrame
        Geography contract: ``lsoa_code`` and ``area_col``.
    area_col : str, default "locality"
        Grouping column in ``areas``.
    vintage_label : str, optional
        Text for the ``imd_vintage`` column; default ``"IoD{vintage}"``.

    Returns
    -------
    pandas.DataFrame
        Columns exactly ``imd_vintage, quintile, <area_col>, residents,
        share_of_quintile_pct``: one row for every quintile × area (zeros included),
        sorted by quintile then area.  ``share_of_quintile_pct`` is the area's share
        of that quintile's residents (unrounded; each quintile sums to 100).

    Raises
    ------
    ReconciliationError
        If an LSOA has no population or no area.
    """
    q = imd if "quintile" in imd.columns else borough_quintiles(imd)
    df = _join(q, population, areas, area_col)
    levels = _area_levels(areas, area_col, df[area_col].unique())
    quintiles = list(range(1, int(df["quintile"].max()) + 1))
    full = pd.MultiIndex.from_product([quintiles, levels], names=["quintile", area_col])
    res = df.groupby(["quintile", area_col])["residents"].sum().reindex(full, fill_value=0)
    out = res.reset_index()
    totals = out.groupby("quintile")["residents"].transform("sum")
    out["share_of_quintile_pct"] = _pct(out["residents"], totals)
    out["residents"] = _as_int_if_whole(out["residents"])
    out.insert(0, "imd_vintage", _vintage_label(imd, vintage_label))
    out["quintile"] = out["quintile"].astype("int64")
    return out[["imd_vintage", "quintile", area_col, "residents", "share_of_quintile_pct"]]


def area_share_view(distribution: pd.DataFrame, quintile: int = 1, area_col: str | None = None) -> pd.DataFrame:
    """Each area's share of the borough's residents against its share of one quintile.

    Parameters
    ----------
    distribution : pandas.DataFrame
        Output of :func:`quintile_distribution`.
    quintile : int, default 1
        The quintile to compare with (1 = most deprived fifth of neighbourhoods).
    area_col : str, optional
        The area column of ``distribution``; default: its one column that is not
        one of :func:`quintile_distribution`'s named columns.

    Returns
    -------
    pandas.DataFrame
        One row per area: ``imd_vintage, <area_col>, residents,
        share_of_borough_pct, quintile, quintile_residents, share_of_quintile_pct,
        representation_ratio`` where ``representation_ratio`` =
        share_of_quintile_pct / share_of_borough_pct (above 1: the area holds more
        than its population share of the quintile's residents).
    """
    area_col = _area_column(distribution, _DISTRIBUTION_COLUMNS, area_col, "quintile distribution")
    totals = distribution.groupby(area_col, sort=False)["residents"].sum()
    chosen = distribution.loc[distribution["quintile"] == quintile].set_index(area_col)
    if chosen.empty:
        raise ParameterError(f"quintile {quintile} is not in the distribution")
    out = pd.DataFrame({area_col: totals.index, "residents": totals.to_numpy()})
    out["share_of_borough_pct"] = _pct(out["residents"], out["residents"].sum())
    out["quintile"] = int(quintile)
    out["quintile_residents"] = out[area_col].map(chosen["residents"]).to_numpy()
    out["share_of_quintile_pct"] = out[area_col].map(chosen["share_of_quintile_pct"]).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["representation_ratio"] = out["share_of_quintile_pct"] / out["share_of_borough_pct"]
    out.insert(0, "imd_vintage", distribution["imd_vintage"].iloc[0])
    return out


def quintile_lsoa_counts(
    imd: pd.DataFrame, areas: pd.DataFrame, area_col: str = "locality"
) -> pd.DataFrame:
    """Count LSOAs by area and within-borough quintile (the unit for the chi-square test).

    Parameters
    ----------
    imd : pandas.DataFrame
        Borough LSOAs; ``quintile`` is computed as in :func:`quintile_distribution`
        if absent.
    areas : pandas.DataFrame
        Geography contract with ``lsoa_code`` and ``area_col``.
    area_col : str, default "locality"
        Grouping column.

    Returns
    -------
    pandas.DataFrame
        Contingency table: index = areas (named ``area_col``), columns = quintiles
        1..5 (named ``quintile``), values = numbers of LSOAs (int, zeros included).
    """
    q = imd if "quintile" in imd.columns else borough_quintiles(imd)
    df = _join(q, None, areas, area_col, need_population=False)
    levels = _area_levels(areas, area_col, df[area_col].unique())
    table = pd.crosstab(df[area_col], df["quintile"])
    quintiles = range(1, int(df["quintile"].max()) + 1)
    table = table.reindex(index=levels, columns=quintiles, fill_value=0).astype("int64")
    table.index.name = area_col
    table.columns.name = "quintile"
    return table


# --------------------------------------------------------------------------- #
# National position
# --------------------------------------------------------------------------- #


def national_position(
    imd: pd.DataFrame,
    population: pd.Series | pd.DataFrame | None,
    areas: pd.DataFrame,
    area_col: str = "locality",
    total_label: str | None = None,
    vintage_label: str | None = None,
) -> pd.DataFrame:
    """Where each area's neighbourhoods and residents sit in England's deciles.

    Parameters
    ----------
    imd : pandas.DataFrame
        LSOAs from :func:`~reviewpack.ingest.imd.load_imd` (``imd_decile`` is the official national decile).
    population : pandas.Series or pandas.DataFrame or None
        Residents per LSOA (see :func:`quintile_distribution`).
    areas : pandas.DataFrame
        Geography contract with ``lsoa_code`` and ``area_col``.
    area_col : str, default "locality"
        Grouping column.
    total_label : str, optional
        If given, rows for all the LSOAs together are added under this label
        (e.g. the borough's name).
    vintage_label : str, optional
        Text for ``imd_vintage``.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per area × national decile 1..10 (zeros included):
        ``imd_vintage, <area_col>, national_decile, lsoas, residents,
        share_of_lsoas_pct, share_of_residents_pct`` (shares of the area's total;
        each area's shares sum to 100).
    """
    df = _join(imd, population, areas, area_col)
    levels = _area_levels(areas, area_col, df[area_col].unique())
    if total_label is not None:
        whole = df.copy()
        whole[area_col] = total_label
        df = pd.concat([df, whole], ignore_index=True)
        levels = [*levels, total_label]
    full = pd.MultiIndex.from_product([levels, range(1, 11)], names=[area_col, "national_decile"])
    g = df.groupby([area_col, "imd_decile"])
    out = pd.DataFrame(
        {"lsoas": g.size(), "residents": g["residents"].sum()}
    )
    out.index.names = [area_col, "national_decile"]
    out = out.reindex(full, fill_value=0).reset_index()
    out["lsoas"] = out["lsoas"].astype("int64")
    tot = out.groupby(area_col, sort=False)[["lsoas", "residents"]].transform("sum")
    out["share_of_lsoas_pct"] = _pct(out["lsoas"], tot["lsoas"])
    out["share_of_residents_pct"] = _pct(out["residents"], tot["residents"])
    out["residents"] = _as_int_if_whole(out["residents"])
    out.insert(0, "imd_vintage", _vintage_label(imd, vintage_label))
    return out


def national_position_summary(position: pd.DataFrame, area_col: str | None = None) -> pd.DataFrame:
    """Share of each area in England's most deprived 10% and 20% of neighbourhoods.

    Parameters
    ----------
    position : pandas.DataFrame
        Output of :func:`national_position`.
    area_col : str, optional
        The area column of ``position``; default: its one column that is not one
        of :func:`national_position`'s named columns.

    Returns
    -------
    pandas.DataFrame
        One row per area: ``imd_vintage, <area_col>, lsoas, residents,
        lsoas_decile_1, lsoas_decile_1_2,
        share_lsoas_decile_1_pct, share_lsoas_decile_1_2_pct,
        residents_decile_1, residents_decile_1_2,
        share_residents_decile_1_pct, share_residents_decile_1_2_pct``
        (shares in percent).  "Most deprived 10%" = national decile 1; "20%" =
        deciles 1–2.
    """
    area_col = _area_column(position, _POSITION_COLUMNS, area_col, "national position")
    g = position.groupby(area_col, sort=False)
    out = pd.DataFrame({"lsoas": g["lsoas"].sum(), "residents": g["residents"].sum()})
    for cut, label in ((1, "decile_1"), (2, "decile_1_2")):
        sub = position.loc[position["national_decile"] <= cut].groupby(area_col, sort=False)
        out[f"lsoas_{label}"] = sub["lsoas"].sum()
        out[f"residents_{label}"] = sub["residents"].sum()
    for label in ("decile_1", "decile_1_2"):
        out[f"share_lsoas_{label}_pct"] = _pct(out[f"lsoas_{label}"], out["lsoas"])
        out[f"share_residents_{label}_pct"] = _pct(out[f"residents_{label}"], out["residents"])
    out = out.reset_index()
    out.insert(0, "imd_vintage", position["imd_vintage"].iloc[0])
    cols = [
        "imd_vintage", area_col, "lsoas", "residents",
        "lsoas_decile_1", "lsoas_decile_1_2",
        "share_lsoas_decile_1_pct", "share_lsoas_decile_1_2_pct",
        "residents_decile_1", "residents_decile_1_2",
        "share_residents_decile_1_pct", "share_residents_decile_1_2_pct",
    ]
    return out[cols]


# --------------------------------------------------------------------------- #
# Domain profile
# --------------------------------------------------------------------------- #


def domain_profile(
    imd: pd.DataFrame,
    population: pd.Series | pd.DataFrame | None,
    areas: pd.DataFrame,
    area_col: str = "locality",
    measure: str = "auto",
    domains: Sequence[str] | None = None,
    total_label: str = "All areas",
    vintage_label: str | None = None,
    n_national: int | None = None,
) -> pd.DataFrame:
    """Population-weighted domain deprivation per area, using what the vintage has.

    Parameters
    ----------
    imd : pandas.DataFrame
        LSOAs from :func:`~reviewpack.ingest.imd.load_imd`.
    population : pandas.Series or pandas.DataFrame or None
        Residents per LSOA (weights).
    areas : pandas.DataFrame
        Geography contract with ``lsoa_code`` and ``area_col``.
    area_col : str, default "locality"
        Grouping column.
    measure : {"auto", "rank", "score_transformed", "score"}, default "auto"
        What to average.  ``"auto"`` takes each domain's national rank when the
        vintage has it (IoD2019, IoD2025), else its exponentially transformed score
        (IoD2015).  Ranks and transformed scores are comparable across domains;
        raw ``"score"`` values are not (rates for income/employment, z-scores
        elsewhere).  Domains without the measure are left out; list them with
        :func:`~reviewpack.present.narrative.deprivation.missing_measures`.
    domains : sequence of str, optional
        Measure prefixes; default ``("imd", *DOMAINS)``.  Sub-domains and
        ``idaci``/``idaopi`` may be added.
    total_label : str, default "All areas"
        Label of the rows for all LSOAs together (the borough), used by
        :func:`relative_domains`.
    vintage_label : str, optional
        Text for ``imd_vintage``.
    n_national : int, optional
        N, the number of LSOAs ranked in England; default from ``imd.attrs``.

    Returns
    -------
    pandas.DataFrame
        One row per area (plus ``total_label``) × domain: ``imd_vintage,
        <area_col>, domain, domain_label, measure, value, percentile,
        more_deprived_when, share_lsoas_decile_1_2_pct,
        share_residents_decile_1_2_pct, lsoas, residents``.  ``value`` is the
        population-weighted mean; for ranks (1 = most deprived) ``percentile`` =
        value / N × 100, the average position in England's ranking (lower = more
        deprived); ``more_deprived_when`` is ``"lower"`` for ranks and ``"higher"``
        for scores.  The decile 1–2 shares (national most deprived 20% on that
        domain) are NaN when the vintage has no domain deciles (IoD2015).
        ``attrs`` holds ``n_lsoas_england`` and ``total_label``.
    """
    if measure not in ("auto", "rank", "score_transformed", "score"):
        raise ParameterError(
            f"measure must be 'auto', 'rank', 'score_transformed' or 'score', not {measure!r}"
        )
    n_nat = _n_national(imd, n_national)
    df = _join(imd, population, areas, area_col)
    levels = _area_levels(areas, area_col, df[area_col].unique())
    whole = df.copy()
    whole[area_col] = total_label
    df = pd.concat([df, whole], ignore_index=True)
    levels = [*levels, total_label]
    rows = []
    for dom in domains or ("imd", *DOMAINS):
        if dom not in DOMAIN_LABELS:
            raise ParameterError(f"unknown domain {dom!r}; use one of {', '.join(DOMAIN_LABELS)}")
        if measure == "auto":
            kinds = ["rank", "score_transformed"]
        else:
            kinds = [measure]
        kind = next((k for k in kinds if f"{dom}_{k}" in df.columns), None)
        if kind is None:
            continue
        col = f"{dom}_{kind}"
        dec = f"{dom}_decile"
        for area in levels:
            sub = df.loc[df[area_col] == area]
            w = sub["residents"].to_numpy(float)
            v = sub[col].to_numpy(float)
            value = float(np.sum(v * w) / np.sum(w)) if np.sum(w) > 0 else float("nan")
            if dec in sub.columns:
                in12 = sub[dec].to_numpy() <= 2
                share_l = float(_pct(in12.sum(), len(sub)))
                share_r = float(_pct(w[in12].sum(), w.sum()))
            else:
                share_l = share_r = float("nan")
            rows.append(
                {
                    area_col: area,
                    "domain": dom,
                    "domain_label": DOMAIN_LABELS[dom],
                    "measure": kind,
                    "value": value,
                    "percentile": value / n_nat * 100 if kind == "rank" else float("nan"),
                    "more_deprived_when": "lower" if kind == "rank" else "higher",
                    "share_lsoas_decile_1_2_pct": share_l,
                    "share_residents_decile_1_2_pct": share_r,
                    "lsoas": int(len(sub)),
                    "residents": float(w.sum()),
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        raise ParameterError(f"the IMD frame has no '{measure}' measure for the domains asked for")
    out["residents"] = _as_int_if_whole(out["residents"])
    out.insert(0, "imd_vintage", _vintage_label(imd, vintage_label))
    out.attrs = {"n_lsoas_england": n_nat, "total_label": total_label}
    return out


def relative_domains(
    profile: pd.DataFrame,
    area: str,
    total_label: str | None = None,
    n: int | None = 3,
    include_imd: bool = False,
    area_col: str | None = None,
) -> pd.DataFrame:
    """The domains where an area is most deprived relative to the borough.

    Parameters
    ----------
    profile : pandas.DataFrame
        Output of :func:`domain_profile`.
    area : str
        The area to describe.
    total_label : str, optional
        Label of the borough rows; default ``profile.attrs["total_label"]`` or
        ``"All areas"``.
    n : int or None, default 3
        How many domains to return (``None`` = all), most relatively deprived first.
    include_imd : bool, default False
        Whether to keep the overall IMD among the rows.
    area_col : str, optional
        The area column of ``profile``; default: its one column that is not one of
        :func:`domain_profile`'s named columns.

    Returns
    -------
    pandas.DataFrame
        ``domain, domain_label, measure, area_value, borough_value, gap,
        more_deprived_than_borough`` sorted by ``gap`` descending.  ``gap`` > 0
        means the area is more deprived than the borough: for ranks it is the
        borough's minus the area's average position in England's ranking, in
        percentage points of the ranking; for scores it is the area's minus the
        borough's average score.  Rows are sorted within one unit (the profile uses
        one measure type per vintage with ``measure="auto"``).  The unit of ``gap``
        in words is :func:`reviewpack.present.narrative.deprivation.gap_unit` of
        ``measure``.
    """
    area_col = _area_column(profile, _PROFILE_COLUMNS, area_col, "domain profile")
    label = total_label or profile.attrs.get("total_label", "All areas")
    known = set(profile[area_col])
    for a in (area, label):
        if a not in known:
            raise ParameterError(
                f"'{a}' is not in the profile's '{area_col}' column; choose from "
                f"{', '.join(map(str, sorted(known, key=str)))}"
            )
    a = profile.loc[profile[area_col] == area].set_index("domain")
    b = profile.loc[profile[area_col] == label].set_index("domain")
    rows = []
    for dom, row in a.iterrows():
        if dom == "imd" and not include_imd:
            continue
        brow = b.loc[dom]
        if row["measure"] == "rank":
            gap = brow["percentile"] - row["percentile"]
        else:
            gap = row["value"] - brow["value"]
        rows.append(
            {
                "domain": dom,
                "domain_label": row["domain_label"],
                "measure": row["measure"],
                "area_value": row["value"],
                "borough_value": brow["value"],
                "gap": float(gap),
                "more_deprived_than_borough": bool(gap > 0),
            }
        )
    out = pd.DataFrame(rows).sort_values("gap", ascending=False, kind="stable")
    out = out.reset_index(drop=True)
    return out if n is None else out.head(n)



# --------------------------------------------------------------------------- #
# Most deprived neighbourhoods
# --------------------------------------------------------------------------- #


def most_deprived_lsoas(
    imd: pd.DataFrame,
    areas: pd.DataFrame,
    area: str,
    n: int = 10,
    area_col: str = "locality",
) -> pd.DataFrame:
    """An area's most deprived neighbourhoods, by national IMD rank.

    Parameters
    ----------
    imd : pandas.DataFrame
        LSOAs from :func:`~reviewpack.ingest.imd.load_imd` (a ``quintile`` column is carried if present).
    areas : pandas.DataFrame
        Geography contract (``lsoa_code``, ``area_col``, ``ward_code``,
        ``ward_name``).
    area : str
        The area, a value of ``areas[area_col]``.
    n : int, default 10
        How many to list (fewer if the area has fewer LSOAs).
    area_col : str, default "locality"
        Grouping column.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code, lsoa_name, ward_code, ward_name, imd_rank, imd_decile,
        imd_score`` (and ``quintile`` if in ``imd``), most deprived first; ward
        columns are included when ``areas`` has them.
    """
    df = _join(imd, None, areas, area_col, need_population=False)
    if area not in set(df[area_col]):
        raise ParameterError(
            f"'{area}' is not a value of '{area_col}'; choose from "
            f"{', '.join(map(str, sorted(set(df[area_col]), key=str)))}"
        )
    sub = df.loc[df[area_col] == area].sort_values(["imd_rank", "lsoa_code"]).head(n)
    for col in ("ward_code", "ward_name"):
        if col in areas.columns and col not in sub.columns:
            sub[col] = sub["lsoa_code"].map(areas.set_index("lsoa_code")[col])
    cols = [
        c
        for c in (
            "lsoa_code", "lsoa_name", "ward_code", "ward_name",
            "imd_rank", "imd_decile", "imd_score", "quintile",
        )
        if c in sub.columns
    ]
    return sub[cols].reset_index(drop=True)
