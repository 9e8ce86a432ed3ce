"""Every sentence of the section "Demand beyond age" (Census 2021 topics): caption, findings and notes.

Each sentence names its basis (Census 2021, residents or households) and says how an area compares
in words — higher, similar or lower — never by colour alone.  Names from data or parameters are
escaped where Markdown is made.
"""

from __future__ import annotations

import pandas as pd

from ...analysis.basis import Scope
from .text import md_escape

SOURCE = "ONS Census 2021 topic summaries TS038, TS011, TS052, TS054, TS021 (LSOA 2021)"

#: How the comparison words were decided (Fingertips' rule) and why the intervals are there.
METHOD_NOTE = (
    "Shares are of all usual residents (disability, ethnic group) or of all households (household deprivation, "
    "overcrowding, tenure) in each Census table. The 95% confidence intervals are Wilson score intervals, as OHID's "
    "Fingertips uses for proportions: a Census counts everyone, and the interval stands for the chance variation in a "
    "count for an area of that size. Higher, similar or lower follow Fingertips' rule: higher when the whole interval "
    "is above the comparator's share, lower when it is below, similar when the comparator's share lies inside it "
    "(an area is part of its borough, so this describes the area against the borough's share rather than testing two "
    "independent groups)."
)

PERTURBATION_NOTE = (
    "ONS adjusted Census 2021 cells slightly to protect confidentiality (cell key perturbation), so small counts are "
    "approximate and the totals of different tables differ by a few."
)

DEFINITIONS_NOTE = (
    "Households deprived in one or more dimensions: deprived on at least one of employment, education, health and "
    "disability, or housing (Census 2021 TS011; this is not the IoD). Overcrowded: an occupancy rating for bedrooms of "
    "-1 or less. Social renting: renting from the council or another social landlord. Ethnic groups other than White: "
    "the Asian, Black, Mixed and Other high-level groups (the White group includes White minorities, such as Irish, "
    "Gypsy or Irish Traveller and Roma, which the high-level table does not separate)."
)


def caption(scope: Scope, has_england: bool) -> str:
    """Caption of the demand table."""
    against = f"{scope.la_name} and England" if has_england else scope.la_name
    return f"Census 2021 measures of demand by {scope.grouping_label.lower()}, with 95% confidence intervals, against {against}"


def note(has_england: bool) -> str:
    """Note under the demand table: the method, the definitions, perturbation, and what is missing."""
    parts = [METHOD_NOTE, DEFINITIONS_NOTE, PERTURBATION_NOTE]
    if not has_england:
        parts.append("No England file is configured (census_topics.england), so there is no England comparison.")
    return " ".join(parts)


def _compared(word: str, name: str, pct: float) -> str:
    return f"{word} than {name} ({pct:.1f}%)" if word in ("higher", "lower") else f"similar to {name} ({pct:.1f}%)"


def findings(focus: pd.DataFrame, scope: Scope) -> str:
    """Markdown list: each measure for the pack's area (or the borough), with its interval and comparisons in words.

    Parameters
    ----------
    focus : pandas.DataFrame
        :meth:`reviewpack.analysis.sections.demand.DemandSection.focus`: one row per measure.
    scope : Scope
        The pack's area and borough.
    """
    who = md_escape(scope.area_label)
    la = md_escape(scope.la_name)
    lines = []
    for r in focus.itertuples(index=False):
        of = "residents" if r.census_unit == "persons" else "households"
        comparisons = []
        if scope.is_area and r.vs_la:
            comparisons.append(_compared(r.vs_la, la, r.la_pct))
        if r.vs_england:
            comparisons.append(_compared(r.vs_england, "England", r.england_pct))
        tail = f": {' and '.join(comparisons)}" if comparisons else ""
        lines.append(
            f"- **{md_escape(r.demand_label)}**: {r.census_pct:.1f}% of {who}'s {of} "
            f"(95% CI {r.ci_lower_pct:.1f}–{r.ci_upper_pct:.1f}%){tail}."
        )
    return f"**{who} at Census 2021** (shares of all residents or households; higher, similar or lower by the 95% interval):\n\n" + "\n".join(lines)


def none_configured() -> str:
    """What the section says when no Census topics file is configured."""
    return "No Census 2021 topics file is configured (parameter census_topics), so this section is empty."
