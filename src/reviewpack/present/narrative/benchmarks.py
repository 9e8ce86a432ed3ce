"""Every sentence of the section "Compared with England, the region and councils like us".

Each sentence names its basis (IoD 2025 File 10, Census 2021) and says how the council compares in
words -- higher, similar or lower.  Names from data or parameters are escaped where Markdown is made.
"""

from __future__ import annotations

import pandas as pd

from ...analysis.basis import Scope
from .text import md_escape

SOURCE = "MHCLG English Indices of Deprivation 2025 (File 10 and LSOA 2021 file); ONS Census 2021 usual residents by age (LSOA 2021)"

ENGLAND_NOTE = (
    "The five IMD 2025 summary measures are MHCLG's published values (File 10), for which higher means more deprived "
    "(File 10 counts ranks up to the most deprived). England has no single value of them: the England columns are the "
    "median, quartiles and range of the 296 English councils, and the rank is among those councils (1 = most deprived; "
    "ties share the best rank). Against England these measures are higher when above the councils' upper quartile, lower "
    "when below the lower quartile, similar in the middle half. The shares of residents in England's most deprived 10% and "
    "20% are of Census 2021 usual residents in every council alike (so they can differ slightly from the deprivation "
    "section, which weights IoD 2025 by its mid-2022 denominators). By definition 10% and 20% of England's neighbourhoods "
    "are in those deciles; England's value is the share of its residents living in them (Census 2021). Shares are higher, "
    "similar or lower by Fingertips' rule: the council's 95% Wilson interval against the comparator's share."
)

REGION_NOTE = (
    "The region's values aggregate its councils' neighbourhoods, weighted by Census 2021 residents (File 10's definitions "
    "of the average score and rank, with Census 2021 in place of the mid-2022 denominators); extent and local "
    "concentration have no regional value, and a mean is not put in words (it has no interval)."
)

NEIGHBOURS_NEAREST = (
    "How the councils like us were chosen: each of the 296 English councils is described by eight measures -- the five "
    "IMD 2025 summary measures of File 10, the Census 2021 shares of residents aged 0-15 and 65 and over, and the "
    "logarithm of its Census 2021 residents. Each measure is standardised across the 296 councils (z-score: minus the "
    "mean, divided by the standard deviation), all weigh the same, and the councils nearest in straight-line (Euclidean) "
    "distance are listed, ties broken by council code. This is not CIPFA's licensed nearest-neighbour model; a council "
    "can give its own list (parameter benchmarks.neighbours)."
)

NEIGHBOURS_CHOSEN = (
    "The councils like us are the list given in the parameters (benchmarks.neighbours), in the order given; the distance "
    "shown is on the measures of the nearest-neighbour method (IMD 2025 File 10 summary measures, Census 2021 age "
    "structure and size, standardised), for reference."
)


def england_caption(scope: Scope, has_region: bool) -> str:
    """Caption of the England (and region) table."""
    against = "England and the region" if has_region else "England"
    return f"{scope.la_name} against {against}: IMD 2025 summary measures and residents in England's most deprived neighbourhoods"


def england_note(has_region: bool) -> str:
    """Note under the England table."""
    return ENGLAND_NOTE + (" " + REGION_NOTE if has_region else " No region lookup is configured (benchmarks.regions), so there is no region comparison.")


def _fmt(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "proportion":
        return f"{100 * value:.1f}%"
    if unit == "persons":
        return f"{value:,.0f}"
    return f"{value:,.2f}" if unit == "score" else f"{value:,.0f}"


def england_findings(table: pd.DataFrame, scope: Scope) -> str:
    """Markdown list: each measure for the council against England (and the region), in words."""
    la = md_escape(scope.la_name)
    lines = []
    for r in table.itertuples(index=False):
        value = _fmt(r.council_value, r.measure_unit)
        if pd.notna(r.england_value):
            eng = f"{r.vs_england} than England ({_fmt(r.england_value, r.measure_unit)})" if r.vs_england != "similar" else f"similar to England ({_fmt(r.england_value, r.measure_unit)})"
        else:
            word = "similar to" if r.vs_england == "similar" else f"{r.vs_england} than"
            eng = f"{word} most English councils (median {_fmt(r.england_median, r.measure_unit)})"
        parts = [eng]
        region = getattr(r, "region_value", float("nan"))
        if pd.notna(region):
            name = md_escape(r.region_name)
            if r.vs_region:
                word = "similar to" if r.vs_region == "similar" else f"{r.vs_region} than"
                parts.append(f"{word} the {name} region ({_fmt(region, r.measure_unit)})")
            else:
                parts.append(f"the {name} region's is {_fmt(region, r.measure_unit)}")
        lines.append(f"- **{md_escape(r.benchmark_label)}**: {value}, {r.council_rank} of {r.councils} councils; {'; '.join(parts)}.")
    return f"**{la} against England** (IMD 2025, Census 2021; rank 1 = most deprived):\n\n" + "\n".join(lines)


def neighbours_caption(scope: Scope, chosen: bool, n: int) -> str:
    """Caption of the neighbours list."""
    how = "chosen in the parameters" if chosen else "nearest on deprivation, age structure and size"
    return f"{scope.la_name}'s {n} comparator councils ({how})"


def neighbours_note(chosen: bool) -> str:
    """Note under the neighbours list: how they were chosen."""
    return NEIGHBOURS_CHOSEN if chosen else NEIGHBOURS_NEAREST


def ranks_caption(scope: Scope, group: int) -> str:
    """Caption of the ranks-among-neighbours table."""
    return f"Where {scope.la_name} ranks among the {group} councils (itself and its comparators), 1 = most deprived or highest"


def ranks_findings(ranks: pd.DataFrame, scope: Scope) -> str:
    """One sentence per deprivation measure: the council's place among its comparators."""
    la = md_escape(scope.la_name)
    lines = [
        f"- **{md_escape(r.benchmark_label)}**: {r.rank_among_neighbours} of {r.group_size} "
        f"({_fmt(r.council_value, r.measure_unit)}; comparators' median {_fmt(r.neighbours_median, r.measure_unit)})."
        for r in ranks.itertuples(index=False)
    ]
    return f"**{la} among councils like it** (1 = most deprived, or the highest share):\n\n" + "\n".join(lines)


def none_configured() -> str:
    """What the section says when it is not configured."""
    return "No national files are configured (parameter benchmarks), so there is no comparison with England or other councils."
