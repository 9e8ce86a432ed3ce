"""Stage 3 -- change between two IoD editions, per LSOA and per area.

:func:`compare_editions` compares any two editions: on the same LSOA geography
directly, or across the LSOA 2011 -> 2021 boundary change through the ONS lookup.
Ranks are relative (each edition ranks every LSOA in England against the others);
the plain-English caveat to show with any comparison is
:data:`reviewpack.present.narrative.deprivation.RELATIVE_RANKS_CAVEAT`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError, ReconciliationError
from .joins import _area_levels, _area_series, _examples, _n_national, _vintage_label

__all__ = ["ChangeResult", "compare_editions"]


@dataclass(frozen=True)
class ChangeResult:
    """Comparison of two IoD editions.

    Attributes
    ----------
    per_lsoa : pandas.DataFrame
        One row per LSOA of the later edition: ``lsoa_code, lsoa_name,
        parent_lsoa_code, change_type, ward_name (if in areas), <area_col>,
        rank_from, rank_to, rank_change, percentile_from, percentile_to,
        percentile_change, decile_from, decile_to, decile_change``.  Positive
        changes mean *relatively less deprived*.
    decile_moves : pandas.DataFrame
        10 × 10 counts of compared LSOAs, index ``decile_from`` (earlier edition),
        columns ``decile_to``.
    by_area : pandas.DataFrame
        Per area: ``<area_col>, lsoas, lsoas_compared, moved_to_more_deprived_decile,
        same_decile, moved_to_less_deprived_decile, median_percentile_change,
        mean_rank_change, lsoas_decile_1_from, lsoas_decile_1_to``.  ``lsoas_decile_1_from``
        counts the earlier edition's neighbourhoods (a 2011 LSOA split in two counts once), so it
        equals that edition's own count; the other counts are of the later edition's LSOAs.
    labels : tuple of str
        (earlier, later) edition labels.

    Ranks are relative: show
    :data:`reviewpack.present.narrative.deprivation.RELATIVE_RANKS_CAVEAT` with
    any of these tables.
    """

    per_lsoa: pd.DataFrame
    decile_moves: pd.DataFrame
    by_area: pd.DataFrame
    labels: tuple[str, str] = ("from", "to")


def _change(
    pairs: pd.DataFrame,
    areas: pd.DataFrame,
    area_col: str,
    n_from: int,
    n_to: int,
    labels: tuple[str, str],
    total_label: str | None,
) -> ChangeResult:
    df = pairs.copy()
    amap = _area_series(areas, area_col)
    missing = sorted(set(df["lsoa_code"]) - set(amap.index))
    if missing:
        raise ReconciliationError(
            f"{len(missing)} LSOA(s) are not in the areas lookup ({_examples(missing)}); "
            "use the lookup for the later edition's LSOA vintage"
        )
    if "ward_name" in areas.columns:
        df["ward_name"] = df["lsoa_code"].map(areas.set_index("lsoa_code")["ward_name"])
    df[area_col] = df["lsoa_code"].map(amap)
    df["rank_change"] = df["rank_to"] - df["rank_from"]
    df["percentile_from"] = df["rank_from"] / n_from * 100
    df["percentile_to"] = df["rank_to"] / n_to * 100
    df["percentile_change"] = df["percentile_to"] - df["percentile_from"]
    df["decile_change"] = df["decile_to"] - df["decile_from"]
    cols = [
        "lsoa_code", "lsoa_name", "parent_lsoa_code", "change_type",
        *(["ward_name"] if "ward_name" in df.columns else []), area_col,
        "rank_from", "rank_to", "rank_change",
        "percentile_from", "percentile_to", "percentile_change",
        "decile_from", "decile_to", "decile_change",
    ]
    per = df[cols].sort_values("lsoa_code", kind="stable").reset_index(drop=True)

    comp = per.dropna(subset=["decile_from", "decile_to"])
    moves = pd.crosstab(comp["decile_from"].astype(int), comp["decile_to"].astype(int))
    moves = moves.reindex(index=range(1, 11), columns=range(1, 11), fill_value=0).astype("int64")
    moves.index.name = "decile_from"
    moves.columns.name = "decile_to"

    levels = _area_levels(areas, area_col, per[area_col].unique())
    frames = [per]
    if total_label is not None:
        whole = per.copy()
        whole[area_col] = total_label
        frames.append(whole)
        levels = [*levels, total_label]
    both = pd.concat(frames, ignore_index=True)
    rows = []
    for area in levels:
        sub = both.loc[both[area_col] == area]
        c = sub.dropna(subset=["decile_change"])
        rows.append(
            {
                area_col: area,
                "lsoas": int(len(sub)),
                "lsoas_compared": int(len(c)),
                "moved_to_more_deprived_decile": int((c["decile_change"] < 0).sum()),
                "same_decile": int((c["decile_change"] == 0).sum()),
                "moved_to_less_deprived_decile": int((c["decile_change"] > 0).sum()),
                "median_percentile_change": float(c["percentile_change"].median())
                if len(c) else float("nan"),
                "mean_rank_change": float(c["rank_change"].mean()) if len(c) else float("nan"),
                # earlier-edition neighbourhoods: the halves of a split 2011 LSOA share one parent, counted once
                "lsoas_decile_1_from": int(c.loc[c["decile_from"] == 1, "parent_lsoa_code"].nunique()),
                "lsoas_decile_1_to": int((c["decile_to"] == 1).sum()),
            }
        )
    by_area = pd.DataFrame(rows)
    return ChangeResult(per, moves, by_area, labels=labels)


_CHGIND = {"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"}



def _pairs_same_geography(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Each LSOA of ``after`` with its own rank and decile in ``before`` (same LSOA codes)."""
    a = set(before["lsoa_code"])
    b = set(after["lsoa_code"])
    if a != b:
        la, lb = _vintage_label(before, None), _vintage_label(after, None)
        raise ReconciliationError(
            f"{la} and {lb} frames hold different LSOAs "
            f"(only in {la}: {_examples(sorted(a - b)) or 'none'}; only in {lb}: "
            f"{_examples(sorted(b - a)) or 'none'}); filter both to the same local authority"
        )
    left = before[["lsoa_code", "imd_rank", "imd_decile"]].rename(
        columns={"imd_rank": "rank_from", "imd_decile": "decile_from"}
    )
    right = after[["lsoa_code", "lsoa_name", "imd_rank", "imd_decile"]].rename(
        columns={"imd_rank": "rank_to", "imd_decile": "decile_to"}
    )
    pairs = right.merge(left, on="lsoa_code", how="left")
    pairs["parent_lsoa_code"] = pairs["lsoa_code"]
    pairs["change_type"] = "unchanged"
    return pairs


def _pairs_via_lookup(before: pd.DataFrame, after: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """Each LSOA 2021 of ``after`` with the rank and decile of its single LSOA 2011 parent in ``before``."""
    lk = lookup.rename(
        columns={"lsoa11_code": "LSOA11CD", "lsoa21_code": "LSOA21CD", "chgind": "CHGIND"}
    )
    for col in ("LSOA11CD", "LSOA21CD"):
        if col not in lk.columns:
            raise ParameterError(
                f"the LSOA 2011 → 2021 lookup has no column '{col}'; use the ONS LSOA (2011) to LSOA (2021) lookup "
                "(columns LSOA11CD, LSOA21CD, CHGIND)"
            )
    lk = lk.loc[lk["LSOA21CD"].isin(after["lsoa_code"])]
    missing = sorted(set(after["lsoa_code"]) - set(lk["LSOA21CD"]))
    if missing:
        raise ReconciliationError(
            f"{len(missing)} {_vintage_label(after, None)} LSOA(s) are not in the 2011 → 2021 lookup "
            f"({_examples(missing)}); use a lookup covering the same local authority"
        )
    parents = lk.groupby("LSOA21CD")["LSOA11CD"].agg(list)
    ind = (
        lk.groupby("LSOA21CD")["CHGIND"].first().map(_CHGIND)
        if "CHGIND" in lk.columns
        else None
    )
    children = lk.groupby("LSOA11CD")["LSOA21CD"].nunique()
    r_before = before.set_index("lsoa_code")
    rows = []
    for _, row in after.iterrows():
        code = row["lsoa_code"]
        ps = parents[code]
        if ind is not None and isinstance(ind.get(code), str):
            kind = ind[code]
        elif len(ps) > 1:
            kind = "merged"
        elif children.get(ps[0], 1) > 1:
            kind = "split"
        else:
            kind = "unchanged"
        single = len(ps) == 1 and ps[0] in r_before.index
        rows.append(
            {
                "lsoa_code": code,
                "lsoa_name": row["lsoa_name"],
                "parent_lsoa_code": ps[0] if len(ps) == 1 else ";".join(sorted(ps)),
                "change_type": kind,
                "rank_from": float(r_before.at[ps[0], "imd_rank"]) if single else np.nan,
                "decile_from": float(r_before.at[ps[0], "imd_decile"]) if single else np.nan,
                "rank_to": float(row["imd_rank"]),
                "decile_to": float(row["imd_decile"]),
            }
        )
    return pd.DataFrame(rows)


def compare_editions(
    before: pd.DataFrame,
    after: pd.DataFrame,
    areas: pd.DataFrame,
    area_col: str = "locality",
    total_label: str | None = None,
    lookup: pd.DataFrame | None = None,
) -> ChangeResult:
    """Compare two IoD editions, LSOA by LSOA and area by area.

    On the same LSOA geography (``lookup=None``, e.g. IoD2015 and IoD2019 on LSOA
    2011) each LSOA is compared with itself.  Across the LSOA 2011 -> 2021 change
    (``lookup`` given, e.g. IoD2019 and IoD2025) each 2021 LSOA is compared with its
    single 2011 parent: unchanged LSOAs with themselves, the halves of a split with
    the whole parent.  A 2021 LSOA made by merging several 2011 LSOAs (or an
    irregular change with several parents) has no single parent: it is kept with
    missing comparison values.

    Parameters
    ----------
    before, after : pandas.DataFrame
        The earlier and the later edition's LSOAs from
        :func:`~reviewpack.ingest.imd.load_imd` (the same local authority).
    areas : pandas.DataFrame
        Geography contract for the later edition's LSOA geography (``lsoa_code``,
        ``area_col``, optionally ``ward_name``).
    area_col : str, default "locality"
        Grouping column.
    total_label : str, optional
        If given, ``by_area`` gets a row for all LSOAs under this label.
    lookup : pandas.DataFrame, optional
        Only when the editions are on different LSOA geographies: the ONS "LSOA
        (2011) to LSOA (2021)" lookup with ``LSOA11CD`` and ``LSOA21CD``
        (``lsoa11_code``/``lsoa21_code`` also accepted) and optionally ``CHGIND``
        (U/S/M/X), e.g. ``data/raw/lsoa11_lsoa21_lookup_walsall.csv``.

    Returns
    -------
    ChangeResult
        ``per_lsoa``, ``decile_moves`` and ``by_area``; ``labels`` are the two
        editions' labels (``"IoD2015"``, …).  On the same geography
        ``parent_lsoa_code`` = ``lsoa_code``, ``change_type`` = ``"unchanged"`` and
        the rank and decile columns are integers; through the lookup they are
        floats (missing where there is no single parent).  When N differs between
        the editions (32,844 -> 33,755) compare ``percentile_change`` (position in
        England's ranking), not ``rank_change``.

    Raises
    ------
    ReconciliationError
        If, on the same geography, the two frames do not hold the same LSOAs; if an
        LSOA of ``after`` is not in ``lookup``; or if an LSOA is not in ``areas``.
    ParameterError
        If ``lookup`` lacks the LSOA code columns.
    """
    if lookup is None:
        pairs = _pairs_same_geography(before, after)
    else:
        pairs = _pairs_via_lookup(before, after, lookup)
    return _change(
        pairs,
        areas,
        area_col,
        _n_national(before, None),
        _n_national(after, None),
        (_vintage_label(before, None), _vintage_label(after, None)),
        total_label,
    )
