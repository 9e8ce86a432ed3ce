"""Deprivation: English Indices of Deprivation (IoD) at LSOA level, summarised by area.

Everything here is a pure function of data frames: nothing is written, nothing
is printed.  The typical flow is::

    imd = load_imd("data/raw/imd2025_lsoa21_walsall.csv", 2025)
    dist = quintile_distribution(imd, census_residents, areas, area_col="locality")
    test = chi_square_by_area(quintile_lsoa_counts(imd, areas))

``areas`` is the geography contract produced by :mod:`reviewpack.geography`: one
row per LSOA with columns ``lsoa_code, lsoa_name, ward_code, ward_name,
area_partnership, locality``.  Every function that groups takes the grouping
column as ``area_col`` so the same code serves localities, area partnerships or
wards.  Nothing specific to one local authority is hard-coded.

Conventions
-----------
* National ranks run from 1 (most deprived LSOA in England) to N (least
  deprived); N is 32,844 for IoD2015/IoD2019 (LSOA 2011) and 33,755 for IoD2025
  (LSOA 2021).  National deciles are ``ceil(rank / (N / 10))``.
* Within-borough quintiles (the 2017 Localities Delivery Model method) are
  equal-count groups of the borough's own LSOAs, 1 = most deprived.
* Ranks are relative: see :data:`RELATIVE_RANKS_CAVEAT`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .errors import DataFileError, ParameterError, ReconciliationError, where

__all__ = [
    "VINTAGES",
    "N_LSOAS_ENGLAND",
    "DOMAINS",
    "SUB_DOMAINS",
    "SUPPLEMENTARY",
    "DOMAIN_LABELS",
    "RELATIVE_RANKS_CAVEAT",
    "QUINTILE_METHOD_NOTE",
    "load_imd",
    "measure_availability",
    "missing_measures",
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
    "ChangeResult",
    "change_2015_2019",
    "change_2019_2025",
    "la_summary_measures",
    "rank_summary_measures",
    "ChiSquareResult",
    "chi_square_by_area",
    "chi_square_sentence",
    "most_deprived_lsoas",
]

# --------------------------------------------------------------------------- #
# Constants
# --------------------------------------------------------------------------- #

#: Supported IoD editions.
VINTAGES: tuple[int, ...] = (2015, 2019, 2025)

#: Number of LSOAs ranked in England in each edition (the N in rank 1..N).
N_LSOAS_ENGLAND: dict[int, int] = {2015: 32_844, 2019: 32_844, 2025: 33_755}

_VINTAGE_SPEC: dict[int, dict[str, str]] = {
    2015: {"geo": "2011", "la": "2013"},
    2019: {"geo": "2011", "la": "2019"},
    2025: {"geo": "2021", "la": "2024"},
}

#: The seven IoD domains, in the official order.
DOMAINS: tuple[str, ...] = (
    "income",
    "employment",
    "education",
    "health",
    "crime",
    "barriers",
    "living_environment",
)

#: The six sub-domains.
SUB_DOMAINS: tuple[str, ...] = (
    "children_young_people",
    "adult_skills",
    "geographical_barriers",
    "wider_barriers",
    "indoors",
    "outdoors",
)

#: Supplementary indices.
SUPPLEMENTARY: tuple[str, ...] = ("idaci", "idaopi")

#: Human labels for the standardised measure prefixes.
DOMAIN_LABELS: dict[str, str] = {
    "imd": "Index of Multiple Deprivation",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, skills and training",
    "health": "Health deprivation and disability",
    "crime": "Crime",
    "barriers": "Barriers to housing and services",
    "living_environment": "Living environment",
    "children_young_people": "Children and young people (education sub-domain)",
    "adult_skills": "Adult skills (education sub-domain)",
    "geographical_barriers": "Geographical barriers (barriers sub-domain)",
    "wider_barriers": "Wider barriers (barriers sub-domain)",
    "indoors": "Indoors living environment (sub-domain)",
    "outdoors": "Outdoors living environment (sub-domain)",
    "idaci": "Income deprivation affecting children (IDACI)",
    "idaopi": "Income deprivation affecting older people (IDAOPI)",
}

#: Plain-English caveat to print next to any comparison over time.
RELATIVE_RANKS_CAVEAT: str = (
    "The Indices of Deprivation rank every neighbourhood in England against the others, "
    "so a change in rank or decile means a neighbourhood moved relative to the rest of "
    "England, not that deprivation there rose or fell by that amount; the indicators, "
    "and for IoD2025 the neighbourhood boundaries and their number, also changed "
    "between editions."
)

#: One-line description of the within-borough quintile method.
QUINTILE_METHOD_NOTE: str = (
    "Neighbourhoods (LSOAs) are ranked by their national IMD rank and split into five "
    "equal-count groups within the borough (quintile 1 = most deprived fifth of the "
    "borough's neighbourhoods); residents are then counted by quintile and area."
)

_RANK_SUFFIX = " Rank (where 1 is most deprived)"
_DECILE_SUFFIX = " Decile (where 1 is most deprived 10% of LSOAs)"
_IMD_STEM = "Index of Multiple Deprivation (IMD)"
_IMD_SCORE_OFFICIAL = f"{_IMD_STEM} Score"
_IMD_SCORE_DERIVED = (
    "IMD Score (derived from File 9 transformed domain scores; not an official column)"
)

# prefix -> (official stem, extra stems used by File 9 transformed-score headers)
_DOMAIN_STEMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "income": ("Income", ()),
    "employment": ("Employment", ()),
    "education": ("Education, Skills and Training", ("Education",)),
    "health": ("Health Deprivation and Disability", ("Health",)),
    "crime": ("Crime", ()),
    "barriers": ("Barriers to Housing and Services", ("Barriers",)),
    "living_environment": ("Living Environment", ()),
}
_SUB_DOMAIN_STEMS: dict[str, str] = {
    "children_young_people": "Children and Young People Sub-domain",
    "adult_skills": "Adult Skills Sub-domain",
    "geographical_barriers": "Geographical Barriers Sub-domain",
    "wider_barriers": "Wider Barriers Sub-domain",
    "indoors": "Indoors Sub-domain",
    "outdoors": "Outdoors Sub-domain",
}
_SUPPLEMENTARY_STEMS: dict[str, str] = {
    "idaci": "Income Deprivation Affecting Children Index (IDACI)",
    "idaopi": "Income Deprivation Affecting Older People (IDAOPI)",
}
_POPULATION_PATTERNS: dict[str, str] = {
    "pop_total": r"^Total population: mid[ -]?(\d{4})",
    "pop_0_15": r"^Dependent Children aged 0-15: mid[ -]?(\d{4})",
    "pop_16_59": r"^Population aged 16-59: mid[ -]?(\d{4})",
    "pop_60_plus": r"^Older population aged 60 and over: mid[ -]?(\d{4})",
    "pop_working_age": r"^Working age population 18-59/64",
}
_MEASURE_KINDS: tuple[str, ...] = ("score", "score_transformed", "rank", "decile")


# --------------------------------------------------------------------------- #
# Loading
# --------------------------------------------------------------------------- #


def _parse_vintage(vintage: object) -> int:
    text = str(vintage).strip().lower().removeprefix("iod").removeprefix("imd")
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value not in VINTAGES:
        raise ParameterError(
            f"unknown IoD vintage {vintage!r}; use one of {', '.join(map(str, VINTAGES))}"
        )
    return value


def _normalise_header(name: object) -> str:
    return re.sub(r"\s+", " ", str(name)).strip()


def _first_present(columns: Iterable[str], candidates: Sequence[str]) -> str | None:
    present = set(columns)
    for cand in candidates:
        if cand in present:
            return cand
    return None


def _numeric(df: pd.DataFrame, col: str, path: object, *, integer: bool) -> pd.Series:
    """Coerce a column to numbers, raising DataFileError at the first bad cell."""
    values = df[col]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        values = pd.to_numeric(values, errors="coerce")
    bad = values.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raw = df[col].iloc[i]
        raise DataFileError(
            f"{where(path, row=int(df.index[i]) + 2, column=col)} holds {raw!r}, which is not a number; "
            "every LSOA needs a value here — re-download the official file rather than "
            "editing it"
        )
    if integer:
        if not np.allclose(values, np.round(values)):
            i = int(np.flatnonzero(~np.isclose(values, np.round(values)))[0])
            raise DataFileError(
                f"{where(path, row=int(df.index[i]) + 2, column=col)} holds {df[col].iloc[i]!r}, "
                "but ranks and deciles are whole numbers; re-download the official file"
            )
        values = values.round().astype("int64")
    return values


def load_imd(path: str | Path, vintage: int | str, la_code: str | None = None) -> pd.DataFrame:
    """Read an IoD LSOA file and return a standardised frame.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV file (plain or ``.csv.gz``) with the official File 7 style column
        names, e.g. ``data/raw/imd2025_lsoa21_walsall.csv``.  Surrounding and
        repeated whitespace in headers is ignored.
    vintage : {2015, 2019, 2025}
        IoD edition.  ``"IoD2019"`` and ``"2019"`` are accepted too.  It fixes the
        LSOA code column (``LSOA code (2011)`` for 2015/2019, ``LSOA code (2021)``
        for 2025), the local authority column (``Local Authority District code
        (2013|2019|2024)``) and N, the number of LSOAs ranked in England.
    la_code : str, optional
        Keep only the LSOAs of this local authority district (in the vintage's LA
        coding).  ``None`` keeps every row.

    Returns
    -------
    pandas.DataFrame
        One row per LSOA, sorted by ``lsoa_code``, with columns

        * ``lsoa_code, lsoa_name, la_code`` (and ``la_name`` when the file has it);
        * ``imd_rank, imd_decile`` (int) and ``imd_score`` (float, no missing
          values).  For IoD2019 the official score is not published in our source,
          so ``imd_score`` is the *derived* column (weighted sum of the File 9
          transformed domain scores) unless the file carries the official one;
          ``attrs["imd_score_derived"]`` records which;
        * for each domain in :data:`DOMAINS`, sub-domain in :data:`SUB_DOMAINS` and
          supplementary index in :data:`SUPPLEMENTARY`, whichever of
          ``{prefix}_score``, ``{prefix}_score_transformed`` (File 9 exponentially
          transformed score), ``{prefix}_rank``, ``{prefix}_decile`` the file has —
          nothing is invented (IoD2015 has only transformed domain scores, IoD2019
          domain ranks/deciles and transformed scores, IoD2025 scores/ranks/deciles);
        * the IoD population denominators where present: ``pop_total, pop_0_15,
          pop_16_59, pop_60_plus, pop_working_age`` (mid-2012 for IoD2015,
          mid-2015 for IoD2019; IoD2025's are not in our source).

        ``attrs`` holds ``vintage``, ``source``, ``n_lsoas_england``,
        ``imd_score_derived``, ``population_year`` (or ``None``) and ``notes``
        (a list of plain-English strings).

    Raises
    ------
    DataFileError
        If the file is missing or unreadable, lacks a required column (the message
        names the file and the column), has non-numeric ranks/deciles/scores,
        ranks outside 1..N, repeated LSOA codes, or no rows for ``la_code``.
    ParameterError
        If ``vintage`` is not one of :data:`VINTAGES`.
    """
    year = _parse_vintage(vintage)
    spec = _VINTAGE_SPEC[year]
    n_national = N_LSOAS_ENGLAND[year]
    shown = str(path)
    try:
        raw = pd.read_csv(path)
    except FileNotFoundError:
        raise DataFileError(
            f"{where(shown)} was not found; check the path, or restore the file from "
            "data/raw (see data/raw/SOURCES.md for where it came from)"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise DataFileError(
            f"{where(shown)} could not be read as CSV ({exc}); re-download it"
        ) from None
    raw.columns = [_normalise_header(c) for c in raw.columns]

    code_col = f"LSOA code ({spec['geo']})"
    name_col = f"LSOA name ({spec['geo']})"
    la_col = f"Local Authority District code ({spec['la']})"
    la_name_col = f"Local Authority District name ({spec['la']})"
    rank_col = f"{_IMD_STEM}{_RANK_SUFFIX}"
    decile_col = f"{_IMD_STEM}{_DECILE_SUFFIX}"
    score_col = _first_present(raw.columns, [_IMD_SCORE_OFFICIAL, _IMD_SCORE_DERIVED])
    required = [code_col, name_col, la_col, rank_col, decile_col]
    if year == 2019:
        score_required = score_col or _IMD_SCORE_DERIVED
    else:
        score_required = _IMD_SCORE_OFFICIAL
    required.append(score_required)
    for col in required:
        if col not in raw.columns:
            hint = ""
            if col.startswith("LSOA code") or col.startswith("Local Authority"):
                hint = (
                    f" (IoD{year} uses LSOA {spec['geo']} codes and {spec['la']} local "
                    "authority codes — is this the right edition?)"
                )
            raise DataFileError(
                f"{where(shown)} is missing column '{col}'{hint}; the IoD{year} LSOA file "
                "must keep the official File 7 column names — re-download it or restore "
                "the header row (see data/raw/SOURCES.md)"
            )

    if la_code is not None:
        raw = raw.loc[raw[la_col].astype(str).str.strip() == str(la_code).strip()]
        if raw.empty:
            raise DataFileError(
                f"{where(shown, column=la_col)} has no LSOAs for local authority "
                f"'{la_code}'; check the code (IoD{year} uses {spec['la']} local "
                "authority codes)"
            )

    for col in (code_col, name_col, la_col, la_name_col):
        if col in raw.columns:
            raw[col] = raw[col].astype(str).str.strip()
    codes = raw[code_col].astype(str)
    dupes = codes[codes.duplicated()]
    if not dupes.empty:
        raise DataFileError(
            f"{where(shown, column=code_col)} repeats LSOA {dupes.iloc[0]!r}; each LSOA "
            "must appear once — re-download the file"
        )

    out = pd.DataFrame(
        {
            "lsoa_code": codes,
            "lsoa_name": raw[name_col].astype(str),
            "la_code": raw[la_col].astype(str),
        }
    )
    if la_name_col in raw.columns:
        out["la_name"] = raw[la_name_col].astype(str)
    out["imd_rank"] = _numeric(raw, rank_col, shown, integer=True)
    out["imd_decile"] = _numeric(raw, decile_col, shown, integer=True)
    out["imd_score"] = _numeric(raw, score_required, shown, integer=False)

    bad_rank = (out["imd_rank"] < 1) | (out["imd_rank"] > n_national)
    if bad_rank.any():
        i = int(np.flatnonzero(bad_rank.to_numpy())[0])
        raise DataFileError(
            f"{where(shown, row=int(out.index[i]) + 2, column=rank_col)} holds {out['imd_rank'].iloc[i]}, "
            f"but IoD{year} ranks run from 1 to {n_national:,}; is this the right edition?"
        )
    bad_dec = ~out["imd_decile"].between(1, 10)
    if bad_dec.any():
        i = int(np.flatnonzero(bad_dec.to_numpy())[0])
        raise DataFileError(
            f"{where(shown, row=int(out.index[i]) + 2, column=decile_col)} holds "
            f"{out['imd_decile'].iloc[i]}, but deciles run from 1 to 10"
        )

    def add(prefix: str, kind: str, candidates: Sequence[str]) -> None:
        col = _first_present(raw.columns, candidates)
        if col is not None:
            out[f"{prefix}_{kind}"] = _numeric(
                raw, col, shown, integer=kind in ("rank", "decile")
            )

    for prefix, (stem, alts) in _DOMAIN_STEMS.items():
        add(prefix, "score", [f"{stem} Score", f"{stem} Score (rate)"])
        add(
            prefix,
            "score_transformed",
            [f"{s} Score - exponentially transformed" for s in (stem, *alts)],
        )
        add(prefix, "rank", [f"{stem}{_RANK_SUFFIX}"])
        add(prefix, "decile", [f"{stem}{_DECILE_SUFFIX}"])
    for prefix, stem in {**_SUB_DOMAIN_STEMS, **_SUPPLEMENTARY_STEMS}.items():
        add(prefix, "score", [f"{stem} Score", f"{stem} Score (rate)"])
        add(prefix, "rank", [f"{stem}{_RANK_SUFFIX}"])
        add(prefix, "decile", [f"{stem}{_DECILE_SUFFIX}"])

    population_year: int | None = None
    for std, pattern in _POPULATION_PATTERNS.items():
        for col in raw.columns:
            match = re.match(pattern, col)
            if match:
                out[std] = _numeric(raw, col, shown, integer=False)
                if std == "pop_total":
                    population_year = int(match.group(1))
                break

    derived = score_required == _IMD_SCORE_DERIVED
    notes = [
        f"IoD{year}: national ranks run from 1 (most deprived) to {n_national:,} LSOAs "
        f"in England (LSOA {spec['geo']} geography)."
    ]
    if derived:
        notes.append(
            "imd_score is derived (weighted sum of the File 9 transformed domain scores, "
            "3 dp), not the official IoD2019 score; use imd_rank/imd_decile for ranking."
        )
    if population_year is not None:
        notes.append(f"Population denominators are the IoD's mid-{population_year} estimates.")

    out = out.sort_values("lsoa_code", kind="stable").reset_index(drop=True)
    out.attrs = {
        "vintage": year,
        "source": shown,
        "n_lsoas_england": n_national,
        "imd_score_derived": derived,
        "population_year": population_year,
        "notes": notes,
    }
    return out


def measure_availability(imd: pd.DataFrame) -> pd.DataFrame:
    """Say which measures a loaded IoD frame has.

    Parameters
    ----------
    imd : pandas.DataFrame
        Output of :func:`load_imd`.

    Returns
    -------
    pandas.DataFrame
        Index ``measure`` (``imd``, the domains, sub-domains and supplementary
        indices), a ``label`` column and boolean columns ``score,
        score_transformed, rank, decile``.  ``imd``'s ``score`` is ``True`` even when
        it is derived; see ``attrs["imd_score_derived"]``.
    """
    rows = []
    for prefix in ("imd", *DOMAINS, *SUB_DOMAINS, *SUPPLEMENTARY):
        row = {"measure": prefix, "label": DOMAIN_LABELS[prefix]}
        for kind in _MEASURE_KINDS:
            row[kind] = f"{prefix}_{kind}" in imd.columns
        rows.append(row)
    return pd.DataFrame(rows).set_index("measure")


def missing_measures(imd: pd.DataFrame) -> list[str]:
    """List, in plain English, the measures this IoD vintage lacks.

    Parameters
    ----------
    imd : pandas.DataFrame
        Output of :func:`load_imd`.

    Returns
    -------
    list of str
        One sentence per gap, e.g. ``"No domain ranks for: Income, Employment, …"``.
        Empty when nothing is missing.  Use it to "say what is missing" next to
        any table built from the frame.
    """
    avail = measure_availability(imd)
    vintage = imd.attrs.get("vintage")
    tag = f"IoD{vintage}" if vintage else "This IoD file"
    out: list[str] = []
    if imd.attrs.get("imd_score_derived"):
        out.append(
            f"{tag} has no official IMD score in our source: the score shown is derived "
            "from the transformed domain scores; rankings use the official ranks."
        )
    kind_words = {
        "score": "scores",
        "score_transformed": "exponentially transformed scores",
        "rank": "ranks",
        "decile": "deciles",
    }
    groups = {
        "domain": DOMAINS,
        "sub-domain": SUB_DOMAINS,
    }
    for group, prefixes in groups.items():
        for kind in _MEASURE_KINDS:
            if kind == "score_transformed" and group == "sub-domain":
                continue  # never published for sub-domains
            lacking = [DOMAIN_LABELS[p] for p in prefixes if not avail.loc[p, kind]]
            if lacking:
                if len(lacking) == len(prefixes):
                    out.append(f"{tag} has no {group} {kind_words[kind]}.")
                else:
                    out.append(
                        f"{tag} has no {group} {kind_words[kind]} for: {', '.join(lacking)}."
                    )
    lacking_sup = [DOMAIN_LABELS[p] for p in SUPPLEMENTARY if not avail.loc[p, "rank"]]
    if lacking_sup:
        out.append(f"{tag} has no {' or '.join(lacking_sup)} ranks.")
    if "pop_total" not in imd.columns:
        out.append(
            f"{tag} has no population denominators; population weights come from another "
            "source (e.g. Census 2021)."
        )
    return out


# --------------------------------------------------------------------------- #
# Ranking helpers
# --------------------------------------------------------------------------- #


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
    is_series = isinstance(values, pd.Series)
    arr = np.asarray(values.to_numpy() if is_series else values, dtype=float)
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
    if is_series:
        out = pd.Series(groups, index=values.index, name="ntile")
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
        The borough's LSOAs (e.g. :func:`load_imd` with ``la_code``).  Quintiles are
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
    out["quintile"] = ntile(out[rank_col].astype(float), n).astype("int64").to_numpy()
    return out


# --------------------------------------------------------------------------- #
# Joining deprivation, population and geography
# --------------------------------------------------------------------------- #

_CODE_COLUMNS = ("lsoa_code", "lsoa21_code", "lsoa11_code", "LSOA21CD", "LSOA11CD")
_POP_COLUMNS = ("residents", "pop_total", "total_usual_residents", "population")


def _population_series(population: object, imd: pd.DataFrame | None = None) -> pd.Series:
    """Normalise a population argument to a float Series indexed by LSOA code."""
    if population is None:
        if imd is not None and "pop_total" in imd.columns:
            s = imd.set_index("lsoa_code")["pop_total"]
        else:
            raise ParameterError(
                "no population was given and the IMD frame has no 'pop_total' column; pass "
                "residents per LSOA as a Series indexed by LSOA code (for IoD2025 use "
                "Census 2021 total_usual_residents)"
            )
    elif isinstance(population, pd.Series):
        s = population
    elif isinstance(population, pd.DataFrame):
        df = population
        code = _first_present(df.columns, _CODE_COLUMNS)
        if code is not None:
            df = df.set_index(code)
        col = _first_present(df.columns, _POP_COLUMNS)
        if col is None:
            numeric = df.select_dtypes("number").columns
            if len(numeric) != 1:
                raise ParameterError(
                    "population frame must have an LSOA code column and one of the columns "
                    f"{', '.join(_POP_COLUMNS)} (or a single numeric column)"
                )
            col = numeric[0]
        s = df[col]
    else:
        raise ParameterError(
            f"population must be a pandas Series or DataFrame, not {type(population).__name__}"
        )
    s = pd.to_numeric(s, errors="coerce").astype(float)
    s.index = s.index.astype(str)
    if s.index.duplicated().any():
        dup = s.index[s.index.duplicated()][0]
        raise ReconciliationError(f"population lists LSOA {dup!r} more than once")
    return s.rename("residents")


def _area_series(areas: pd.DataFrame, area_col: str) -> pd.Series:
    for col in ("lsoa_code", area_col):
        if col not in areas.columns:
            raise ParameterError(
                f"the areas table has no column '{col}'; it needs 'lsoa_code' and the "
                f"grouping column (area_col='{area_col}')"
            )
    s = areas.set_index("lsoa_code")[area_col]
    s.index = s.index.astype(str)
    if s.index.duplicated().any():
        raise ReconciliationError(
            f"the areas table lists LSOA {s.index[s.index.duplicated()][0]!r} more than once; "
            "each LSOA must belong to exactly one area"
        )
    return s


def _area_levels(areas: pd.DataFrame, area_col: str, present: Iterable[object]) -> list:
    col = areas[area_col]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [c for c in col.cat.categories]
    return sorted(set(col.dropna()) | set(present), key=str)


def _examples(codes: Iterable[str], k: int = 5) -> str:
    codes = list(codes)
    shown = ", ".join(codes[:k])
    return shown + (f" and {len(codes) - k} more" if len(codes) > k else "")


def _join(
    imd: pd.DataFrame,
    population: object,
    areas: pd.DataFrame | None,
    area_col: str,
    *,
    need_population: bool = True,
) -> pd.DataFrame:
    """LSOA-level frame: the IMD columns plus ``residents`` and the area column."""
    if "lsoa_code" not in imd.columns:
        raise ParameterError("the IMD frame has no 'lsoa_code' column; load it with load_imd")
    df = imd.copy()
    df["lsoa_code"] = df["lsoa_code"].astype(str)
    if need_population:
        pop = _population_series(population, imd)
        missing = sorted(set(df["lsoa_code"]) - set(pop.index))
        if missing:
            raise ReconciliationError(
                f"{len(missing)} LSOA(s) in the deprivation data have no population "
                f"({_examples(missing)}); check that the population uses the same LSOA "
                "vintage (2011 for IoD2015/2019, 2021 for IoD2025)"
            )
        df["residents"] = df["lsoa_code"].map(pop)
        bad = df["residents"].isna() | (df["residents"] < 0)
        if bad.any():
            raise ReconciliationError(
                "population is missing or negative for LSOA(s) "
                f"{_examples(df.loc[bad, 'lsoa_code'])}"
            )
    if areas is not None:
        amap = _area_series(areas, area_col)
        missing = sorted(set(df["lsoa_code"]) - set(amap.index))
        if missing:
            raise ReconciliationError(
                f"{len(missing)} LSOA(s) in the deprivation data are not in the areas "
                f"lookup ({_examples(missing)}); check that the lookup uses the same LSOA "
                "vintage (2011 for IoD2015/2019, 2021 for IoD2025)"
            )
        if area_col in df.columns:
            df = df.drop(columns=area_col)
        df[area_col] = df["lsoa_code"].map(amap)
        if df[area_col].isna().any():
            raise ReconciliationError(
                f"the areas lookup has no '{area_col}' for LSOA(s) "
                f"{_examples(df.loc[df[area_col].isna(), 'lsoa_code'])}"
            )
    return df


def _vintage_label(imd: pd.DataFrame, label: str | None) -> str:
    if label:
        return label
    vintage = imd.attrs.get("vintage")
    return f"IoD{vintage}" if vintage else "IMD"


def _n_national(imd: pd.DataFrame, n_national: int | None) -> int:
    if n_national is not None:
        return int(n_national)
    if imd.attrs.get("n_lsoas_england"):
        return int(imd.attrs["n_lsoas_england"])
    if imd.attrs.get("vintage") in N_LSOAS_ENGLAND:
        return N_LSOAS_ENGLAND[imd.attrs["vintage"]]
    raise ParameterError(
        "cannot tell how many LSOAs England has for this IMD frame; pass n_national "
        "(32844 for IoD2015/2019, 33755 for IoD2025)"
    )


def _as_int_if_whole(s: pd.Series) -> pd.Series:
    if len(s) and np.allclose(s, np.round(s)):
        return s.round().astype("int64")
    return s


def _pct(part: pd.Series | np.ndarray | float, whole: pd.Series | np.ndarray | float):
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100.0 * np.asarray(part, dtype=float) / np.asarray(whole, dtype=float)


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
        The borough's LSOAs from :func:`load_imd`.  A ``quintile`` column is used
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


def area_share_view(distribution: pd.DataFrame, quintile: int = 1) -> pd.DataFrame:
    """Each area's share of the borough's residents against its share of one quintile.

    Parameters
    ----------
    distribution : pandas.DataFrame
        Output of :func:`quintile_distribution` (the third column is the area).
    quintile : int, default 1
        The quintile to compare with (1 = most deprived fifth of neighbourhoods).

    Returns
    -------
    pandas.DataFrame
        One row per area: ``imd_vintage, <area_col>, residents,
        share_of_borough_pct, quintile, quintile_residents, share_of_quintile_pct,
        representation_ratio`` where ``representation_ratio`` =
        share_of_quintile_pct / share_of_borough_pct (above 1: the area holds more
        than its population share of the quintile's residents).
    """
    area_col = distribution.columns[2]
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
        LSOAs from :func:`load_imd` (``imd_decile`` is the official national decile).
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


def national_position_summary(position: pd.DataFrame) -> pd.DataFrame:
    """Share of each area in England's most deprived 10% and 20% of neighbourhoods.

    Parameters
    ----------
    position : pandas.DataFrame
        Output of :func:`national_position`.

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
    area_col = position.columns[1]
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
        LSOAs from :func:`load_imd`.
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
        :func:`missing_measures`.
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
) -> pd.DataFrame:
    """The domains where an area is most deprived relative to the borough.

    Parameters
    ----------
    profile : pandas.DataFrame
        Output of :func:`domain_profile` (the second column is the area).
    area : str
        The area to describe.
    total_label : str, optional
        Label of the borough rows; default ``profile.attrs["total_label"]`` or
        ``"All areas"``.
    n : int or None, default 3
        How many domains to return (``None`` = all), most relatively deprived first.
    include_imd : bool, default False
        Whether to keep the overall IMD among the rows.

    Returns
    -------
    pandas.DataFrame
        ``domain, domain_label, measure, area_value, borough_value, gap, gap_unit,
        more_deprived_than_borough`` sorted by ``gap`` descending.  ``gap`` > 0
        means the area is more deprived than the borough: for ranks it is the
        borough's minus the area's average position in England's ranking, in
        percentage points of the ranking; for scores it is the area's minus the
        borough's average score.  Rows are sorted within one unit (the profile uses
        one measure type per vintage with ``measure="auto"``).
    """
    area_col = profile.columns[1]
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
            unit = "percentage points of England's ranking"
        else:
            gap = row["value"] - brow["value"]
            unit = f"{row['measure'].replace('_', ' ')} points"
        rows.append(
            {
                "domain": dom,
                "domain_label": row["domain_label"],
                "measure": row["measure"],
                "area_value": row["value"],
                "borough_value": brow["value"],
                "gap": float(gap),
                "gap_unit": unit,
                "more_deprived_than_borough": bool(gap > 0),
            }
        )
    out = pd.DataFrame(rows).sort_values("gap", ascending=False, kind="stable")
    out = out.reset_index(drop=True)
    return out if n is None else out.head(n)


# --------------------------------------------------------------------------- #
# Change over time
# --------------------------------------------------------------------------- #


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
        mean_rank_change, lsoas_decile_1_from, lsoas_decile_1_to``.
    labels : tuple of str
        (earlier, later) edition labels.
    caveat : str
        :data:`RELATIVE_RANKS_CAVEAT`.
    """

    per_lsoa: pd.DataFrame
    decile_moves: pd.DataFrame
    by_area: pd.DataFrame
    labels: tuple[str, str] = ("from", "to")
    caveat: str = field(default=RELATIVE_RANKS_CAVEAT)


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
                "lsoas_decile_1_from": int((c["decile_from"] == 1).sum()),
                "lsoas_decile_1_to": int((c["decile_to"] == 1).sum()),
            }
        )
    by_area = pd.DataFrame(rows)
    return ChangeResult(per, moves, by_area, labels=labels)


def change_2015_2019(
    imd15: pd.DataFrame,
    imd19: pd.DataFrame,
    areas: pd.DataFrame,
    area_col: str = "locality",
    total_label: str | None = None,
) -> ChangeResult:
    """Compare IoD2015 with IoD2019 on the same (2011) LSOAs.

    Parameters
    ----------
    imd15, imd19 : pandas.DataFrame
        The same LSOAs from :func:`load_imd` for 2015 and 2019.
    areas : pandas.DataFrame
        Geography contract for LSOA 2011 (``lsoa_code``, ``area_col``, optionally
        ``ward_name``).
    area_col : str, default "locality"
        Grouping column.
    total_label : str, optional
        If given, ``by_area`` gets a row for all LSOAs under this label.

    Returns
    -------
    ChangeResult
        ``per_lsoa`` (``parent_lsoa_code`` = ``lsoa_code``, ``change_type`` =
        ``"unchanged"``), ``decile_moves`` and ``by_area``; N is 32,844 in both
        editions so ``rank_change`` is directly comparable.  See
        :data:`RELATIVE_RANKS_CAVEAT`.

    Raises
    ------
    ReconciliationError
        If the two frames do not hold the same LSOAs.
    """
    a = set(imd15["lsoa_code"])
    b = set(imd19["lsoa_code"])
    if a != b:
        raise ReconciliationError(
            "IoD2015 and IoD2019 frames hold different LSOAs "
            f"(only in 2015: {_examples(sorted(a - b)) or 'none'}; only in 2019: "
            f"{_examples(sorted(b - a)) or 'none'}); filter both to the same local authority"
        )
    left = imd15[["lsoa_code", "imd_rank", "imd_decile"]].rename(
        columns={"imd_rank": "rank_from", "imd_decile": "decile_from"}
    )
    right = imd19[["lsoa_code", "lsoa_name", "imd_rank", "imd_decile"]].rename(
        columns={"imd_rank": "rank_to", "imd_decile": "decile_to"}
    )
    pairs = right.merge(left, on="lsoa_code", how="left")
    pairs["parent_lsoa_code"] = pairs["lsoa_code"]
    pairs["change_type"] = "unchanged"
    return _change(
        pairs,
        areas,
        area_col,
        _n_national(imd15, None),
        _n_national(imd19, None),
        (_vintage_label(imd15, None), _vintage_label(imd19, None)),
        total_label,
    )


_CHGIND = {"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"}


def change_2019_2025(
    imd19: pd.DataFrame,
    imd25: pd.DataFrame,
    lsoa11_lsoa21_lookup: pd.DataFrame,
    areas21: pd.DataFrame,
    area_col: str = "locality",
    total_label: str | None = None,
) -> ChangeResult:
    """Compare IoD2019 (LSOA 2011) with IoD2025 (LSOA 2021) through the ONS lookup.

    Each 2021 LSOA is compared with its single 2011 parent: unchanged LSOAs with
    themselves, the halves of a split with the whole parent.  A 2021 LSOA made by
    merging several 2011 LSOAs (or an irregular change with several parents) has
    no single parent: it is kept with missing comparison values.

    Parameters
    ----------
    imd19 : pandas.DataFrame
        IoD2019 LSOAs (2011 codes) from :func:`load_imd`.
    imd25 : pandas.DataFrame
        IoD2025 LSOAs (2021 codes) from :func:`load_imd`.
    lsoa11_lsoa21_lookup : pandas.DataFrame
        ONS "LSOA (2011) to LSOA (2021)" lookup with ``LSOA11CD`` and ``LSOA21CD``
        (``lsoa11_code``/``lsoa21_code`` also accepted) and optionally ``CHGIND``
        (U/S/M/X), e.g. ``data/raw/lsoa11_lsoa21_lookup_walsall.csv``.
    areas21 : pandas.DataFrame
        Geography contract for LSOA 2021.
    area_col : str, default "locality"
        Grouping column.
    total_label : str, optional
        If given, ``by_area`` gets a row for all LSOAs under this label.

    Returns
    -------
    ChangeResult
        As :func:`change_2015_2019`.  N differs (32,844 → 33,755), so compare
        ``percentile_change`` (position in England's ranking), not ``rank_change``.
    """
    lk = lsoa11_lsoa21_lookup.rename(
        columns={"lsoa11_code": "LSOA11CD", "lsoa21_code": "LSOA21CD", "chgind": "CHGIND"}
    )
    for col in ("LSOA11CD", "LSOA21CD"):
        if col not in lk.columns:
            raise ParameterError(
                f"the LSOA 2011 → 2021 lookup has no column '{col}'; use the ONS lookup "
                "(data/raw/lsoa11_lsoa21_lookup_walsall.csv)"
            )
    lk = lk.loc[lk["LSOA21CD"].isin(imd25["lsoa_code"])]
    missing = sorted(set(imd25["lsoa_code"]) - set(lk["LSOA21CD"]))
    if missing:
        raise ReconciliationError(
            f"{len(missing)} IoD2025 LSOA(s) are not in the 2011 → 2021 lookup "
            f"({_examples(missing)}); use a lookup covering the same local authority"
        )
    parents = lk.groupby("LSOA21CD")["LSOA11CD"].agg(list)
    ind = (
        lk.groupby("LSOA21CD")["CHGIND"].first().map(_CHGIND)
        if "CHGIND" in lk.columns
        else None
    )
    children = lk.groupby("LSOA11CD")["LSOA21CD"].nunique()
    r19 = imd19.set_index("lsoa_code")
    rows = []
    for _, row in imd25.iterrows():
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
        single = len(ps) == 1 and ps[0] in r19.index
        rows.append(
            {
                "lsoa_code": code,
                "lsoa_name": row["lsoa_name"],
                "parent_lsoa_code": ps[0] if len(ps) == 1 else ";".join(sorted(ps)),
                "change_type": kind,
                "rank_from": float(r19.at[ps[0], "imd_rank"]) if single else np.nan,
                "decile_from": float(r19.at[ps[0], "imd_decile"]) if single else np.nan,
                "rank_to": float(row["imd_rank"]),
                "decile_to": float(row["imd_decile"]),
            }
        )
    return _change(
        pd.DataFrame(rows),
        areas21,
        area_col,
        _n_national(imd19, None),
        _n_national(imd25, None),
        (_vintage_label(imd19, None), _vintage_label(imd25, None)),
        total_label,
    )


# --------------------------------------------------------------------------- #
# MHCLG local authority summary measures
# --------------------------------------------------------------------------- #


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
    IoD2025), which are not in our sources.  With Census 2021 usual residents
    instead, Walsall's IoD2025 values differ from File 10 by: average score
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
        LSOAs from :func:`load_imd` (``imd_rank``, and ``imd_score`` for the
        average score).  For IoD2019 the score is derived; see ``attrs``.
    population : pandas.Series or pandas.DataFrame or None
        Weights per LSOA (see :func:`quintile_distribution`); ``None`` uses the
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


# --------------------------------------------------------------------------- #
# Chi-square test of independence
# --------------------------------------------------------------------------- #


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
    strength : str
        "negligible", "weak", "moderate" or "strong" (Cohen's thresholds scaled
        by the table size).
    unit : str
        What was counted ("LSOAs" or "residents").
    observed, expected : pandas.DataFrame
        Area × quintile tables.
    small_expected : list of tuple
        ``(area, quintile, expected)`` for cells with expected count below 5.
    interpretation : str
        One plain-English sentence.
    """

    statistic: float
    p_value: float
    dof: int
    n: float
    cramers_v: float
    strength: str
    unit: str
    observed: pd.DataFrame
    expected: pd.DataFrame
    small_expected: list
    interpretation: str

    def as_table(self) -> pd.DataFrame:
        """One-row summary frame (for a CSV download)."""
        return pd.DataFrame(
            [
                {
                    "unit": self.unit,
                    "n": self.n,
                    "chi_square": self.statistic,
                    "degrees_of_freedom": self.dof,
                    "p_value": self.p_value,
                    "cramers_v": self.cramers_v,
                    "strength": self.strength,
                    "cells_expected_below_5": len(self.small_expected),
                    "interpretation": self.interpretation,
                }
            ]
        )


def _strength(v: float, k: int) -> str:
    """Cohen (1988) w thresholds 0.1/0.3/0.5 converted to Cramér's V for min-dimension k."""
    scale = math.sqrt(max(k - 1, 1))
    if v < 0.1 / scale:
        return "negligible"
    if v < 0.3 / scale:
        return "weak"
    if v < 0.5 / scale:
        return "moderate"
    return "strong"


def _format_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def chi_square_sentence(table: pd.DataFrame, area_label: str = "area") -> str:
    """The pack's sentence on whether the areas differ more than chance would explain.

    Runs :func:`chi_square_by_area` on an LSOA contingency table (areas × quintiles)
    and adds a caution when expected counts are small.  When there are too few
    areas or quintiles with neighbourhoods for a test (e.g. the Isles of Scilly,
    with one ward), says so instead of failing.

    Parameters
    ----------
    table : pandas.DataFrame
        Contingency table as :func:`quintile_lsoa_counts` returns it.
    area_label : str
        What an area is called, for the sentence (e.g. ``"Locality"``, ``"ward"``).

    Returns
    -------
    str
        Markdown, starting with the question in bold.
    """
    head = "**Is the difference between areas more than chance?** "
    obs, _ = _contingency(table)
    if obs.shape[0] < 2 or obs.shape[1] < 2:
        return head + (
            f"Not tested: a test needs at least two {area_label.lower()}s and two deprivation quintiles with "
            f"neighbourhoods, and there are {obs.shape[0]} and {obs.shape[1]}."
        )
    chi = chi_square_by_area(obs)
    caution = (
        f" Caution: {len(chi.small_expected)} cell(s) have an expected count below 5, so the test is approximate."
        if len(chi.small_expected) else ""
    )
    return head + chi.interpretation + caution


def _contingency(table: pd.DataFrame, value_col: str = "lsoas", area_col: str | None = None) -> tuple[pd.DataFrame, str]:
    """Areas × quintiles counts for :func:`chi_square_by_area` (all-zero rows and columns dropped), and the unit counted."""
    if "quintile" in table.columns:
        if area_col is None:
            others = [c for c in table.columns if c not in ("imd_vintage", "quintile")]
            area_col = others[0]
        if value_col not in table.columns:
            raise ParameterError(f"the table has no count column '{value_col}'")
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
    honest unit is the LSOA: pass :func:`quintile_lsoa_counts`.  Passing the
    resident table of :func:`quintile_distribution` with ``value_col="residents"``
    is allowed but the result describes the size of the population rather than
    the strength of the evidence.  Cramér's V measures the strength of the
    association and is comparable across units.

    Parameters
    ----------
    table : pandas.DataFrame
        Either a wide contingency table (index = areas, columns = quintiles,
        numeric counts) such as :func:`quintile_lsoa_counts`, or a tidy frame with
        columns ``quintile``, the area column and ``value_col``.
    value_col : str, default "lsoas"
        Count column of a tidy frame (``"residents"`` for
        :func:`quintile_distribution`).  The unit reported is "LSOAs" unless it is
        ``"residents"``.
    area_col : str, optional
        Area column of a tidy frame; default: the column after ``quintile`` that
        is not ``imd_vintage``.
    alpha : float, default 0.05
        Significance level for the sentence.

    Returns
    -------
    ChiSquareResult
        Statistic, p-value, degrees of freedom, Cramér's V, expected counts,
        cells with expected counts below 5 and a one-sentence interpretation.
        Rows or columns that are all zero are dropped before testing.
    """
    obs, unit = _contingency(table, value_col, area_col)
    if obs.shape[0] < 2 or obs.shape[1] < 2:
        raise ParameterError("the chi-square test needs at least two areas and two quintiles with counts")
    chi2, p, dof, expected = stats.chi2_contingency(obs.to_numpy(float), correction=False)
    n = float(obs.to_numpy().sum())
    k = min(obs.shape)
    v = math.sqrt(chi2 / (n * (k - 1)))
    strength = _strength(v, k)
    exp = pd.DataFrame(expected, index=obs.index, columns=obs.columns)
    small = [
        (idx, col, float(exp.at[idx, col]))
        for idx in exp.index
        for col in exp.columns
        if exp.at[idx, col] < 5
    ]
    groups = f"{obs.shape[0]} areas" + (f" ({obs.index.name})" if obs.index.name else "")
    if p < alpha:
        verdict = (
            "the spread of neighbourhoods across the borough's deprivation quintiles differs "
            f"between the {groups} more than chance alone would explain"
        )
    else:
        verdict = (
            f"the differences between the {groups} in the spread of neighbourhoods across "
            "the borough's deprivation quintiles could be due to chance"
        )
    if unit == "residents":
        verdict = verdict.replace("neighbourhoods", "residents")
    caveat = ""
    if small:
        caveat = (
            f"; {len(small)} of {exp.size} cells expect fewer than 5 {unit}, "
            "so treat the p-value as approximate"
        )
    interpretation = (
        f"Counting {unit} ({n:,.0f}), {verdict} (chi-square = {chi2:.1f}, {dof} degrees of "
        f"freedom, {_format_p(p)}), and the association is {strength} "
        f"(Cramér's V = {v:.2f}){caveat}."
    )
    return ChiSquareResult(
        statistic=float(chi2),
        p_value=float(p),
        dof=int(dof),
        n=n,
        cramers_v=float(v),
        strength=strength,
        unit=unit,
        observed=obs,
        expected=exp,
        small_expected=small,
        interpretation=interpretation,
    )


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
        LSOAs from :func:`load_imd` (a ``quintile`` column is carried if present).
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
