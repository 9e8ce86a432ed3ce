"""The whole authority against England, its region and councils like it (IoD 2025, Census 2021).

**Council measures.**  For every English council (the 296 of File 10): the five IMD 2025 summary
measures as MHCLG publishes them (File 10), and from the national LSOA files the Census 2021
residents, the shares aged 0-15 and 65+, and the shares of residents living in England's most
deprived 10% and 20% of LSOAs (IMD 2025 deciles 1 and 1-2, LSOAs placed in councils by the IoD
file's own council code).  Every council is on the same basis (Census 2021 residents), so the
shares can differ slightly from the deprivation section's, which uses the IoD's mid-2022
denominators for the borough.

**England.**  File 10's measures describe councils; England has no single value of them, so the
benchmark is the distribution across the 296 councils (median, quartiles, range) and the
council's rank (1 = most deprived; ties share the best rank).  The shares of residents are
England's own: by definition 10% and 20% of LSOAs are in deciles 1 and 1-2; the shares of
*residents* are computed from the Census 2021 residents of every English LSOA.

**Region.**  Population-weighted (Census 2021) aggregates of the region's LSOAs: average score and
average rank (File 10's definitions -- LSOA ranks counted so that the most deprived LSOA has the
highest, as File 10 does -- weighted by Census 2021 rather than mid-2022), the proportion
of LSOAs in decile 1 and the residents' shares; extent and local concentration have no region value.

**In words.**  Shares (residents, LSOAs) use Fingertips' rule (:func:`reviewpack.analysis.demand.compare`):
the council's 95% Wilson interval against the benchmark's value.  The File 10 measures against
England: *higher* above the upper quartile of the 296 councils, *lower* below the lower quartile,
*similar* in the middle half.  Means against the region are not put in words (no interval).

**Councils like us** (:func:`nearest_neighbours`): the eight measures of :data:`FEATURES`, each
standardised as a z-score across the 296 councils (mean 0, population standard deviation 1),
equally weighted; Euclidean distance; the ``n`` nearest councils other than the council itself,
ties broken by council code.  Or a list given by the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataFileError, ParameterError
from .demand import compare, wilson_interval

__all__ = ["FEATURES", "MEASURES", "BenchmarkMeasure", "benchmark_table", "council_measures", "nearest_neighbours", "neighbour_ranks"]


@dataclass(frozen=True)
class BenchmarkMeasure:
    """One benchmark measure: its column in :func:`council_measures`, label, unit and direction."""

    key: str
    label: str
    unit: str
    more_deprived: str  # which direction is more deprived: "higher" for every File 10 measure (its ranks count up to the most deprived)
    source: str


#: The measures compared with England and the region, in reading order.
MEASURES: tuple[BenchmarkMeasure, ...] = (
    BenchmarkMeasure("average_score", "IMD 2025 average score", "score", "higher", "File 10"),
    BenchmarkMeasure("average_rank", "IMD 2025 average rank", "rank", "higher", "File 10"),
    BenchmarkMeasure("proportion_lsoas_decile_1", "Share of neighbourhoods in England's most deprived 10%", "proportion", "higher", "File 10"),
    BenchmarkMeasure("extent", "IMD 2025 extent", "proportion", "higher", "File 10"),
    BenchmarkMeasure("local_concentration", "IMD 2025 local concentration", "rank", "higher", "File 10"),
    BenchmarkMeasure("residents_decile_1_pct", "Residents in England's most deprived 10%", "percent", "higher", "IoD 2025 LSOAs, Census 2021"),
    BenchmarkMeasure("residents_decile_1_2_pct", "Residents in England's most deprived 20%", "percent", "higher", "IoD 2025 LSOAs, Census 2021"),
)

#: Extra measures shown among the neighbours (age structure and size).
PROFILE: tuple[BenchmarkMeasure, ...] = (
    BenchmarkMeasure("share_0_15_pct", "Residents aged 0-15", "percent", "higher", "Census 2021"),
    BenchmarkMeasure("share_65_plus_pct", "Residents aged 65 and over", "percent", "higher", "Census 2021"),
    BenchmarkMeasure("residents", "Residents (Census 2021)", "persons", "higher", "Census 2021"),
)

#: What the nearest neighbours are chosen on (columns of :func:`council_measures`).
FEATURES: tuple[str, ...] = (
    "average_score", "average_rank", "proportion_lsoas_decile_1", "extent", "local_concentration",
    "share_0_15_pct", "share_65_plus_pct", "log_residents",
)


def council_measures(summaries: pd.DataFrame, imd: pd.DataFrame, age: pd.DataFrame, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per council of File 10: its summary measures, Census 2021 age structure and residents' shares.

    Raises
    ------
    DataFileError
        If a File 10 council has no LSOA in the IoD file, or an English LSOA has no Census residents.
    """
    lsoas = imd.merge(age, on="lsoa_code", how="left", validate="one_to_one")
    missing = lsoas["residents"].isna()
    if missing.any():
        code = lsoas.loc[missing, "lsoa_code"].iloc[0]
        raise DataFileError(f"The Census 2021 age file has no row for LSOA {code!r} of the IoD 2025 England file ({int(missing.sum())} missing). Use the England and Wales age file.")
    lsoas["res_d1"] = lsoas["residents"].where(lsoas["imd_decile"] == 1, 0)
    lsoas["res_d12"] = lsoas["residents"].where(lsoas["imd_decile"] <= 2, 0)
    agg = lsoas.groupby("la_code").agg(
        lsoas=("lsoa_code", "size"), residents=("residents", "sum"), age_0_15=("age_0_15", "sum"),
        age_65_plus=("age_65_plus", "sum"), residents_decile_1=("res_d1", "sum"), residents_decile_1_2=("res_d12", "sum"),
        lsoas_decile_1=("imd_decile", lambda d: int((d == 1).sum())),
    )
    out = summaries.merge(agg, left_on="la_code", right_index=True, how="left")
    absent = out["lsoas"].isna()
    if absent.any():
        raise DataFileError(f"Council {out.loc[absent, 'la_code'].iloc[0]!r} of File 10 has no LSOA in the IoD 2025 England file. Use matching IoD 2025 files.")
    out["share_0_15_pct"] = 100 * out["age_0_15"] / out["residents"]
    out["share_65_plus_pct"] = 100 * out["age_65_plus"] / out["residents"]
    out["residents_decile_1_pct"] = 100 * out["residents_decile_1"] / out["residents"]
    out["residents_decile_1_2_pct"] = 100 * out["residents_decile_1_2"] / out["residents"]
    out["log_residents"] = np.log(out["residents"].astype(float))
    if regions is not None:
        out = out.merge(regions[["la_code", "region_code", "region_name"]], on="la_code", how="left")
    return out.sort_values("la_code").reset_index(drop=True)


def _rank(values: pd.Series, more: str) -> pd.Series:
    """1 = the most deprived (or highest); ties share the best rank."""
    return values.rank(method="min", ascending=(more == "lower")).astype(int)


def _region_values(lsoas: pd.DataFrame, councils: pd.DataFrame, region_code: str) -> dict[str, float]:
    codes = set(councils.loc[councils["region_code"] == region_code, "la_code"])
    r = lsoas[lsoas["la_code"].isin(codes)]
    w = r["residents"].astype(float)
    return {
        "average_score": float((r["imd_score"] * w).sum() / w.sum()),
        "average_rank": float(((len(lsoas) + 1 - r["imd_rank"]) * w).sum() / w.sum()),
        "proportion_lsoas_decile_1": float((r["imd_decile"] == 1).mean()),
        "residents_decile_1_pct": float(100 * w[r["imd_decile"] == 1].sum() / w.sum()),
        "residents_decile_1_2_pct": float(100 * w[r["imd_decile"] <= 2].sum() / w.sum()),
    }


def benchmark_table(councils: pd.DataFrame, imd: pd.DataFrame, age: pd.DataFrame, la_code: str) -> pd.DataFrame:
    """The council against England (and its region, when ``councils`` has ``region_code``), one row per measure."""
    if la_code not in set(councils["la_code"]):
        raise ParameterError(f"Council {la_code!r} is not in File 10 (IoD 2025 local authority summaries).", parameter="local_authority.code")
    me = councils.set_index("la_code").loc[la_code]
    lsoas = imd.merge(age[["lsoa_code", "residents"]], on="lsoa_code", how="inner")
    w = lsoas["residents"].astype(float)
    england = {
        "residents_decile_1_pct": float(100 * w[lsoas["imd_decile"] == 1].sum() / w.sum()),
        "residents_decile_1_2_pct": float(100 * w[lsoas["imd_decile"] <= 2].sum() / w.sum()),
    }
    has_region = "region_code" in councils.columns and isinstance(me.get("region_code"), str)
    region = _region_values(lsoas, councils, str(me["region_code"])) if has_region else {}
    counts = {
        "residents_decile_1_pct": (me["residents_decile_1"], me["residents"]),
        "residents_decile_1_2_pct": (me["residents_decile_1_2"], me["residents"]),
        "proportion_lsoas_decile_1": (me["lsoas_decile_1"], me["lsoas"]),
    }
    rows = []
    for m in MEASURES:
        values = councils[m.key].astype(float)
        value = float(me[m.key])
        q1, med, q3 = (float(values.quantile(q)) for q in (0.25, 0.5, 0.75))
        eng = england.get(m.key, np.nan)
        scale = 100 if m.unit == "percent" else 1
        if m.key in england:
            lo, up = wilson_interval(*counts[m.key])
            vs_eng = str(compare(float(lo) * scale, float(up) * scale, eng).item())
        else:
            vs_eng = "higher" if value > q3 else "lower" if value < q1 else "similar"
        reg = region.get(m.key, np.nan)
        vs_reg = ""
        if m.key in counts and not np.isnan(reg):
            lo, up = wilson_interval(*counts[m.key])
            vs_reg = str(compare(float(lo) * scale, float(up) * scale, reg).item())
        rows.append({
            "benchmark_measure": m.key, "benchmark_label": m.label, "measure_unit": m.unit, "more_deprived_is": m.more_deprived,
            "council_value": value, "council_rank": int(_rank(values, m.more_deprived)[councils["la_code"] == la_code].iloc[0]),
            "councils": len(councils), "england_value": eng, "england_median": med, "england_lower_quartile": q1,
            "england_upper_quartile": q3, "england_min": float(values.min()), "england_max": float(values.max()),
            "vs_england": vs_eng, "region_name": str(me["region_name"]) if has_region else "", "region_value": reg, "vs_region": vs_reg,
        })
    return pd.DataFrame(rows)


def nearest_neighbours(councils: pd.DataFrame, la_code: str, n: int = 15, features: Sequence[str] = FEATURES) -> pd.DataFrame:
    """The ``n`` councils nearest to ``la_code`` on the standardised ``features`` (see the module's docstring).

    Returns ``neighbour_order`` (1 = nearest), ``la_code``, ``la_name``, ``neighbour_distance`` and the features.
    """
    x = councils[list(features)].astype(float)
    z = (x - x.mean()) / x.std(ddof=0)
    me = z[councils["la_code"] == la_code]
    if me.empty:
        raise ParameterError(f"Council {la_code!r} is not in File 10 (IoD 2025 local authority summaries).", parameter="local_authority.code")
    d = np.sqrt(((z - me.iloc[0]) ** 2).sum(axis=1))
    out = councils.assign(neighbour_distance=d)
    out = out[out["la_code"] != la_code].sort_values(["neighbour_distance", "la_code"]).head(n).reset_index(drop=True)
    out.insert(0, "neighbour_order", range(1, len(out) + 1))
    return out


def chosen_neighbours(councils: pd.DataFrame, la_code: str, codes: Sequence[str]) -> pd.DataFrame:
    """The user's list of comparator councils, in the order given (distance on the same features, for reference)."""
    known = set(councils["la_code"])
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ParameterError(f"benchmarks.neighbours: {unknown[0]!r} is not an English council code of File 10. Use 2024 district codes (e.g. E08000030).", parameter="benchmarks.neighbours")
    if la_code in codes or len(set(codes)) != len(codes):
        raise ParameterError("benchmarks.neighbours must list other councils, each once (not the council itself).", parameter="benchmarks.neighbours")
    full = nearest_neighbours(councils, la_code, n=len(councils))
    out = full.set_index("la_code").loc[list(codes)].reset_index()
    out["neighbour_order"] = range(1, len(out) + 1)
    return out[full.columns]


def neighbour_ranks(councils: pd.DataFrame, neighbours: pd.DataFrame, la_code: str) -> pd.DataFrame:
    """Where the council ranks among itself and its neighbours on each measure (1 = most deprived / highest)."""
    group = councils[councils["la_code"].isin({la_code, *neighbours["la_code"]})]
    rows = []
    for m in (*MEASURES, *PROFILE):
        values = group[m.key].astype(float)
        others = values[group["la_code"] != la_code]
        rows.append({
            "benchmark_measure": m.key, "benchmark_label": m.label, "measure_unit": m.unit, "more_deprived_is": m.more_deprived,
            "council_value": float(values[group["la_code"] == la_code].iloc[0]),
            "rank_among_neighbours": int(_rank(values, m.more_deprived)[group["la_code"] == la_code].iloc[0]),
            "group_size": len(group), "neighbours_median": float(others.median()),
            "neighbours_min": float(others.min()), "neighbours_max": float(others.max()),
        })
    return pd.DataFrame(rows)
