"""Every reader-facing sentence and note about deprivation (the IoD).

The method note and the relative-ranks caveat shown under the tables, the notes on
what an IoD edition has and lacks, the chi-square sentence and the words for the
unit of a domain gap.  The numbers come from :mod:`reviewpack.ingest.imd` and
:mod:`reviewpack.analysis` (``deprivation``, ``statistics``); nothing is computed
here beyond wording.
"""

from __future__ import annotations

import pandas as pd

from ...analysis.basis import EditionBasis, Scope
from ...analysis.statistics import ChiSquareResult, _contingency, chi_square_by_area, strength_band
from ...ingest.imd import (
    DOMAIN_LABELS,
    DOMAINS,
    LSOA_GEOGRAPHY,
    MEASURE_KINDS,
    SUB_DOMAINS,
    SUPPLEMENTARY,
    measure_availability,
)
from .text import md_escape, possessive

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

#: Words for :func:`reviewpack.analysis.statistics.strength_band` 0..3.
STRENGTH_WORDS: tuple[str, ...] = ("negligible", "weak", "moderate", "strong")


# --------------------------------------------------------------------------- #
# What an IoD edition has and lacks
# --------------------------------------------------------------------------- #


def imd_notes(imd: pd.DataFrame) -> list[str]:
    """Plain-English notes on a loaded IoD frame: rank range, derived score, population year.

    Parameters
    ----------
    imd : pandas.DataFrame
        Output of :func:`reviewpack.ingest.imd.load_imd` (reads its ``attrs``).

    Returns
    -------
    list of str
        The range of the national ranks and the LSOA geography; whether
        ``imd_score`` is derived; the year of the IoD's population denominators.
    """
    year = imd.attrs["vintage"]
    n_national = imd.attrs["n_lsoas_england"]
    notes = [
        f"IoD{year}: national ranks run from 1 (most deprived) to {n_national:,} LSOAs "
        f"in England (LSOA {LSOA_GEOGRAPHY[year]} geography)."
    ]
    if imd.attrs.get("imd_score_derived"):
        notes.append(
            "imd_score is derived (weighted sum of the File 9 transformed domain scores, "
            "3 dp), not the official IoD2019 score; use imd_rank/imd_decile for ranking."
        )
    population_year = imd.attrs.get("population_year")
    if population_year is not None:
        notes.append(f"Population denominators are the IoD's mid-{population_year} estimates.")
    return notes


def missing_measures(imd: pd.DataFrame) -> list[str]:
    """List, in plain English, the measures this IoD vintage lacks.

    Parameters
    ----------
    imd : pandas.DataFrame
        Output of :func:`reviewpack.ingest.imd.load_imd`.

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
        for kind in MEASURE_KINDS:
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
# Domain gaps
# --------------------------------------------------------------------------- #


def gap_unit(measure: str) -> str:
    """The unit of a :func:`~reviewpack.analysis.deprivation.relative_domains` gap, in words.

    Parameters
    ----------
    measure : str
        The row's ``measure``: ``"rank"``, ``"score_transformed"`` or ``"score"``.

    Returns
    -------
    str
        ``"percentage points of England's ranking"`` for ranks, else e.g.
        ``"score transformed points"``.
    """
    if measure == "rank":
        return "percentage points of England's ranking"
    return f"{measure.replace('_', ' ')} points"


def with_gap_units(relative: pd.DataFrame) -> pd.DataFrame:
    """Add the ``gap_unit`` words after the ``gap`` column of a ``relative_domains`` table.

    Parameters
    ----------
    relative : pandas.DataFrame
        Output of :func:`reviewpack.analysis.deprivation.relative_domains`.

    Returns
    -------
    pandas.DataFrame
        A copy with ``gap_unit`` (:func:`gap_unit` of each row's ``measure``).
    """
    out = relative.copy()
    out.insert(out.columns.get_loc("gap") + 1, "gap_unit", [gap_unit(m) for m in out["measure"]])
    return out


# --------------------------------------------------------------------------- #
# Chi-square
# --------------------------------------------------------------------------- #


def _strength(v: float, k: int) -> str:
    """The word for Cramér's V ``v`` in a table whose smaller dimension is ``k``."""
    return STRENGTH_WORDS[strength_band(v, k)]


def _format_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def chi_square_interpretation(result: ChiSquareResult) -> str:
    """One plain-English sentence reporting a chi-square test.

    Parameters
    ----------
    result : reviewpack.analysis.statistics.ChiSquareResult
        Output of :func:`reviewpack.analysis.statistics.chi_square_by_area`.

    Returns
    -------
    str
        What was counted, the verdict at ``result.alpha``, the statistic, degrees
        of freedom, p-value, Cramér's V and its strength, and a caution when cells
        expect fewer than 5.
    """
    obs, exp, unit, small = result.observed, result.expected, result.unit, result.small_expected
    groups = f"{obs.shape[0]} areas" + (f" ({md_escape(obs.index.name)})" if obs.index.name else "")
    if result.p_value < result.alpha:
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
    return (
        f"Counting {unit} ({result.n:,.0f}), {verdict} (chi-square = {result.statistic:.1f}, {result.dof} degrees of "
        f"freedom, {_format_p(result.p_value)}), and the association is {STRENGTH_WORDS[result.strength_band]} "
        f"(Cramér's V = {result.cramers_v:.2f}){caveat}."
    )


def chi_square_table(result: ChiSquareResult) -> pd.DataFrame:
    """One-row summary frame of a chi-square test, with its strength and sentence (for a CSV download).

    Parameters
    ----------
    result : reviewpack.analysis.statistics.ChiSquareResult
        Output of :func:`reviewpack.analysis.statistics.chi_square_by_area`.

    Returns
    -------
    pandas.DataFrame
        ``unit, n, chi_square, degrees_of_freedom, p_value, cramers_v, strength,
        cells_expected_below_5, interpretation``.
    """
    return pd.DataFrame(
        [
            {
                "unit": result.unit,
                "n": result.n,
                "chi_square": result.statistic,
                "degrees_of_freedom": result.dof,
                "p_value": result.p_value,
                "cramers_v": result.cramers_v,
                "strength": STRENGTH_WORDS[result.strength_band],
                "cells_expected_below_5": len(result.small_expected),
                "interpretation": chi_square_interpretation(result),
            }
        ]
    )


def chi_square_sentence(table: pd.DataFrame | ChiSquareResult, area_label: str = "area", edition: str | None = None) -> str:
    """The pack's sentence on whether the areas differ more than chance would explain.

    Runs :func:`reviewpack.analysis.statistics.chi_square_by_area` on an LSOA
    contingency table (areas × quintiles), or takes its result, and adds a caution
    when expected counts are small.  When there are too few areas or quintiles with
    neighbourhoods for a test (e.g. the Isles of Scilly, with one ward), says so
    instead of failing.

    Parameters
    ----------
    table : pandas.DataFrame or reviewpack.analysis.statistics.ChiSquareResult
        Contingency table as
        :func:`reviewpack.analysis.deprivation.quintile_lsoa_counts` returns it, or
        the result of the test on it.
    area_label : str
        What an area is called, for the sentence (e.g. ``"Locality"``, ``"ward"``).
    edition : str, optional
        The IoD edition whose quintiles were counted (``"IoD2025"``), named in the sentence.

    Returns
    -------
    str
        Markdown, starting with the question in bold.  The caution about small expected counts is
        part of :func:`chi_square_interpretation` and is given once.
    """
    head = "**Is the difference between areas more than chance?** " + (f"On {possessive(md_escape(edition))} quintiles: " if edition else "")
    if isinstance(table, ChiSquareResult):
        chi = table
    else:
        obs, _ = _contingency(table)
        if obs.shape[0] < 2 or obs.shape[1] < 2:
            return head + (
                f"Not tested: a test needs at least two {md_escape(area_label.lower())}s and two deprivation quintiles with "
                f"neighbourhoods, and there are {obs.shape[0]} and {obs.shape[1]}."
            )
        chi = chi_square_by_area(obs)
    return head + chi_square_interpretation(chi)


# -- titles, captions, notes and alt text of the deprivation section (each names its edition) --------

SOURCE = "MHCLG English Indices of Deprivation 2015, 2019, 2025; ONS / Census 2021 population"
#: Legend labels of the quintile chart and of the national position chart.
QUINTILE_SERIES = {"all": "All residents", "quintile": "Residents of the most deprived fifth"}
NATIONAL_SERIES = {"decile_1": "Most deprived 10% in England", "decile_1_2": "Most deprived 20% in England"}
NO_MAP = (
    "No boundary files are configured (geography.lsoa21_boundaries / ward_boundaries), so the map is not drawn; "
    "the table below has the same numbers."
)
ONE_EDITION = "Only one IoD edition is configured, so there is no change over time to show."
NATIONAL_CAPTION = "Neighbourhoods and residents in England's most deprived 10% and 20%, by IoD edition"
CHANGE_CAPTION = "Neighbourhoods moving between national deciles from one IoD edition to the next"
SUMMARY_CAPTION = "IoD local authority summary measures"
BOUNDARY_CHANGE = " Across the 2021 boundary change, each new neighbourhood is compared with its 2011 parent."


def population_base(basis: EditionBasis) -> str:
    """Plain-English population base of one edition (stated under its tables)."""
    if basis.population == "iod_denominator":
        year = f"mid-{basis.population_year}" if basis.population_year else "year not stated"
        prisoners = ", prisoners excluded" if basis.excludes_prisoners else ""
        return f"{basis.label}: residents from the IoD's own population denominators ({year}{prisoners})"
    if basis.population == "census2021":
        return f"{basis.label}: residents from Census 2021 usual residents"
    return f"{basis.label}: residents from the ONS mid-{basis.population_year} estimates"


def quintile_subtitle(scope: Scope, basis: EditionBasis) -> str:
    """Subtitle of the quintile chart: the measure and the edition."""
    from .messages import deprivation_basis

    return f"Share of {possessive(scope.la_name)} residents (%), within-borough IMD quintiles, {deprivation_basis(basis)}"


def quintile_caption(scope: Scope) -> str:
    """Caption of the quintile distribution table."""
    return f"Residents of each within-borough deprivation quintile by {scope.grouping} (each quintile = 100%)"


def quintile_note(editions: list[EditionBasis]) -> str:
    """The population base of every edition and the quintile method."""
    return "Population base — " + "; ".join(population_base(b) for b in editions) + ". " + QUINTILE_METHOD_NOTE


def national_title(summary: pd.DataFrame, scope: Scope) -> str:
    """The area with the largest share of residents in England's most deprived 10%."""
    top = summary.set_index(scope.grouping)["share_residents_decile_1_pct"].drop(scope.la_name)
    return f"{top.idxmax()} has the largest share of residents in England's most deprived neighbourhoods"


def national_subtitle(basis: EditionBasis) -> str:
    """Subtitle of the national position chart."""
    from .messages import deprivation_basis

    return f"Residents living in England's most deprived 10% and 20% of neighbourhoods (%), {deprivation_basis(basis)}"


def national_alt(summary: pd.DataFrame, scope: Scope, basis: EditionBasis) -> str:
    """Alt text: every area's shares in England's most deprived 10% and 20%."""
    parts = "; ".join(
        f"{r[scope.grouping]} {r['share_residents_decile_1_pct']:.0f}% and {r['share_residents_decile_1_2_pct']:.0f}%"
        for _, r in summary.iterrows()
    )
    return f"Bar chart of the share of residents living in England's most deprived 10% and 20% of neighbourhoods, {basis.label}: {parts}."


def map_title(basis: EditionBasis) -> str:
    """Title of the decile map."""
    return f"Neighbourhoods by national deprivation decile, {basis.label}"


def neighbourhoods_caption(scope: Scope, basis: EditionBasis) -> str:
    """Caption of the table behind the map."""
    return f"Neighbourhoods of {scope.area_label} by national IMD rank, {basis.label} (the map's numbers)"


def domain_caption(basis: EditionBasis) -> str:
    """Caption of the domain table."""
    return f"Residents in England's most deprived 20% on each domain (%), {basis.label}"


def domain_note(missing: list[str], editions: list[EditionBasis] | None = None, supplementary: bool = False) -> str:
    """Note under the domain table: who is counted, IDACI and IDAOPI, the CSV holds every edition, and what an edition lacks."""
    parts = []
    if editions:
        parts.append("Population base — " + "; ".join(population_base(b) for b in editions) + ".")
    if supplementary:
        parts.append(SUPPLEMENTARY_NOTE)
    parts.append("The CSV holds every edition.")
    return " ".join([*parts, *missing])


SUPPLEMENTARY_NOTE = (
    "IDACI (income deprivation affecting children) and IDAOPI (income deprivation affecting older people) are the "
    "IoD's supplementary indices, parts of the Income domain (IoD2025's from its File 7). They are shown on the same "
    "basis as the domains: the share of all residents living in neighbourhoods in England's most deprived 20% on that "
    "index, not the share of children or of older people."
)


def national_note(editions: list[EditionBasis]) -> str:
    """Note under the national position table: the residents that weight each edition."""
    return "Population base — " + "; ".join(population_base(b) for b in editions) + "."


def relative_domains(rel: pd.DataFrame, scope: Scope, basis: EditionBasis) -> str:
    """Markdown: the domains where the area is most deprived relative to the borough.

    Only domains where the area is *more* deprived than the borough are listed as such; an area
    less deprived on every domain is said to be, with the domains where it is closest.
    """
    rel = with_gap_units(rel)
    area, la = md_escape(scope.area), md_escape(scope.la_name)

    def listed(rows: pd.DataFrame) -> str:
        return "; ".join(f"{md_escape(r.domain_label)} ({r.gap:+.1f} {r.gap_unit})" for r in rows.itertuples())

    worse = rel[rel["gap"] > 0]
    if len(worse):
        return f"**Where {area} is more deprived than {la} ({basis.label}):** {listed(worse)}."
    return (
        f"**{area} is less deprived than {la} on every domain ({basis.label}).** Closest to {possessive(la)} level: "
        f"{listed(rel)} (a negative gap means less deprived)."
    )


def change_note() -> str:
    """Note under the change table."""
    return RELATIVE_RANKS_CAVEAT + BOUNDARY_CHANGE


def summary_note(
    scope: Scope, basis: EditionBasis, official: dict[str, float] | None, agreement: dict[str, bool] | None = None
) -> str | None:
    """Note under the summary measures: the residents that weight ours, MHCLG's published File 10 values, and whether ours equal them."""
    from .messages import residents_basis

    base = f"Weighted by {residents_basis(basis)} ({basis.label}); the other editions by their own population base (see the quintile table)."
    if not official:
        return base
    published = (
        f"Published MHCLG File 10 values for {scope.la_name}, {basis.label}: average score {official['average_score']:.3f}, "
        f"average rank {official['average_rank']:,.2f}, extent {official['extent']:.4f}, local concentration "
        f"{official['local_concentration']:,.2f}, proportion in most deprived 10% {official['proportion_lsoas_decile_1']:.4f}."
    )
    if agreement and all(agreement.values()):
        return f"{published} Ours, weighted by {residents_basis(basis)} as MHCLG's are, equal all {len(agreement)} at the precision File 10 publishes."
    differ = [SUMMARY_MEASURE_WORDS.get(k, k) for k, ok in (agreement or {}).items() if not ok]
    which = f" ({', '.join(differ)})" if differ else ""
    if basis.population == "iod_denominator":
        why = "MHCLG's File 10 was computed from its own files, so small differences can remain"
    else:
        why = "MHCLG weight by the IoD's own mid-year denominators, hence small differences"
    return f"{published} Ours weight by {residents_basis(basis)}; {why}{which}."


#: Plain names of the summary measures (in notes).
SUMMARY_MEASURE_WORDS = {
    "average_score": "average score",
    "average_rank": "average rank",
    "extent": "extent",
    "local_concentration": "local concentration",
    "proportion_lsoas_decile_1": "proportion in the most deprived 10%",
}


def most_deprived_caption(scope: Scope, n: int, basis: EditionBasis) -> str:
    """Caption of the area's most deprived neighbourhoods."""
    return f"The {n} most deprived neighbourhoods in {scope.area}, {basis.label}"


AREA_ONLY = "This part is shown in an area's pack: open the notebook with an area's parameters (e.g. `pack = \"north\"`)."
