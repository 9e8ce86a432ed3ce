"""Stage 2 -- IoD LSOA files: raw CSV -> validated, standardised frame.

:func:`load_imd` reads an English Indices of Deprivation (IoD) LSOA file (File 7
style column names, plain or ``.csv.gz``) for one edition and returns one row per
LSOA with standardised column names (``imd_rank``, ``income_score``, ``pop_total``,
…).  :func:`measure_availability` says which measures a loaded frame has.

Conventions
-----------
* National ranks run from 1 (most deprived LSOA in England) to N (least
  deprived); N is 32,844 for IoD2015/IoD2019 (LSOA 2011) and 33,755 for IoD2025
  (LSOA 2021).
* Nothing is invented: a measure the file lacks is simply absent from the frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError, ParameterError, where
from .cache import read_once

__all__ = [
    "VINTAGES",
    "N_LSOAS_ENGLAND",
    "LSOA_GEOGRAPHY",
    "DOMAINS",
    "SUB_DOMAINS",
    "SUPPLEMENTARY",
    "DOMAIN_LABELS",
    "MEASURE_KINDS",
    "load_imd",
    "add_file7",
    "measure_availability",
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

#: LSOA geography (census year of the LSOA boundaries) of each IoD edition.
LSOA_GEOGRAPHY: dict[int, int] = {year: int(spec["geo"]) for year, spec in _VINTAGE_SPEC.items()}

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
    "pop_working_age": r"^Working age population (18-(?:59/64|66))",
}

#: The kinds of value a measure can have, as column suffixes: ``income_rank``, ….
MEASURE_KINDS: tuple[str, ...] = ("score", "score_transformed", "rank", "decile")

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


@read_once
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
          mid-2015 for IoD2019, mid-2022 for IoD2025's File 7; see :func:`add_file7`).

        ``attrs`` holds ``vintage``, ``source``, ``n_lsoas_england``,
        ``imd_score_derived``, ``population_year`` (or ``None``) and
        ``population_excludes_prisoners`` (what the denominator's header says, or ``None``) and
        ``working_age_band`` (the working-age denominator's band as its header names it, e.g.
        ``18-66``, or ``None``).  The
        plain-English notes on these are made by
        :func:`reviewpack.present.narrative.deprivation.imd_notes`.

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
    excludes_prisoners: bool | None = None
    working_age_band: str | None = None
    for std, pattern in _POPULATION_PATTERNS.items():
        for col in raw.columns:
            match = re.match(pattern, col)
            if match:
                out[std] = _numeric(raw, col, shown, integer=False)
                if std == "pop_total":
                    population_year = int(match.group(1))
                    excludes_prisoners = True if "excluding prisoners" in col.lower() else None
                elif std == "pop_working_age":
                    working_age_band = match.group(1)
                break

    derived = score_required == _IMD_SCORE_DERIVED
    out = out.sort_values("lsoa_code", kind="stable").reset_index(drop=True)
    out.attrs = {
        "vintage": year,
        "source": shown,
        "n_lsoas_england": n_national,
        "imd_score_derived": derived,
        "population_year": population_year,
        "population_excludes_prisoners": excludes_prisoners,
        "working_age_band": working_age_band,
    }
    return out


def add_file7(imd: pd.DataFrame, file7: pd.DataFrame) -> pd.DataFrame:
    """Add the columns of an edition's official File 7 rows that its IoD file lacks.

    The IoD files kept here for IoD2025 carry the ranks, scores and deciles but not the
    supplementary indices (IDACI, IDAOPI) or the mid-2022 population denominators; the official
    File 7 rows of the local authority (``imd2025_file7_walsall.csv``) carry all of them.

    Parameters
    ----------
    imd : pandas.DataFrame
        Output of :func:`load_imd` for the edition's file.
    file7 : pandas.DataFrame
        Output of :func:`load_imd` for the File 7 rows of the same edition and local authority.

    Returns
    -------
    pandas.DataFrame
        ``imd`` with every column of ``file7`` it did not have (e.g. ``idaci_rank``,
        ``pop_total``); ``attrs`` gains ``population_year`` and
        ``population_excludes_prisoners`` and ``working_age_band`` from File 7 when ``imd`` had no denominators, and
        ``file7`` (the File 7 source).

    Raises
    ------
    DataFileError
        If the two files do not hold the same LSOAs, or disagree on an LSOA's IMD rank or score
        (they are then not the same edition or not the same local authority).
    """
    src = file7.attrs.get("source", "File 7")
    a, b = set(imd["lsoa_code"]), set(file7["lsoa_code"])
    if a != b:
        only_imd, only_7 = sorted(a - b), sorted(b - a)
        example = f"'{only_imd[0]}' is only in '{imd.attrs.get('source')}'" if only_imd else f"'{only_7[0]}' is only in '{src}'"
        raise DataFileError(
            f"{where(src)} does not hold the same LSOAs as '{imd.attrs.get('source')}' ({len(only_imd)} and {len(only_7)} differ; "
            f"{example}); give the File 7 rows of the same local authority and edition (parameter deprivation.vintages[].file7)",
            file=src,
        )
    f7 = file7.set_index("lsoa_code").loc[imd["lsoa_code"]]
    for col in ("imd_rank", "imd_score"):
        if col in imd.columns and col in f7.columns:
            bad = ~np.isclose(imd[col].to_numpy(float), f7[col].to_numpy(float), rtol=0, atol=5e-4)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise DataFileError(
                    f"{where(src, column=col)}: LSOA {imd['lsoa_code'].iloc[i]} has {f7[col].iloc[i]}, but "
                    f"'{imd.attrs.get('source')}' has {imd[col].iloc[i]}; the two files are not the same IoD edition",
                    file=src,
                    column=col,
                )
    out = imd.copy()
    for col in f7.columns:
        if col not in out.columns:
            out[col] = f7[col].to_numpy()
    out.attrs = dict(imd.attrs)
    if imd.attrs.get("population_year") is None:
        out.attrs["population_year"] = file7.attrs.get("population_year")
        out.attrs["population_excludes_prisoners"] = file7.attrs.get("population_excludes_prisoners")
        out.attrs["working_age_band"] = file7.attrs.get("working_age_band")
    out.attrs["file7"] = src
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
        row: dict[str, object] = {"measure": prefix, "label": DOMAIN_LABELS[prefix]}
        for kind in MEASURE_KINDS:
            row[kind] = f"{prefix}_{kind}" in imd.columns
        rows.append(row)
    return pd.DataFrame(rows).set_index("measure")
