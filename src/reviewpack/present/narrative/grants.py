"""Sentences about grants for the reader: the concentration index and the register's reconciliation.

The text is exactly what the packs have always shown; numbers come from the result objects
passed in.  Names from data (the register's file name) are not escaped here: the pack escapes
the whole sentence where it is shown (``report.md_escape``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from ...analysis.basis import GrantsBasis, Scope
from .messages import deprivation_basis
from .text import md_escape, possessive, year_label

if TYPE_CHECKING:
    from ...analysis.equity import ConcentrationResult
    from ...ingest.threesixtygiving import Reconciliation

def concentration_sentence(result: ConcentrationResult) -> str:
    """The concentration index in plain English.

    Parameters
    ----------
    result : ConcentrationResult
        From :func:`reviewpack.analysis.equity.concentration_index`.

    Returns
    -------
    str
        E.g. ``"Spend per head is concentrated in the more deprived areas (concentration index
        -0.33; negative = pro-poor)."``; an index within 0.005 of zero reads as "about the same",
        and a NaN index (no spend) says the index is undefined.
    """
    ci = result.index
    if not math.isfinite(ci):
        return "There is no spend, so the concentration index is undefined."
    if abs(ci) < 0.005:
        return f"Spend per head is about the same in more and less deprived areas (concentration index {ci:+.2f})."
    if ci < 0:
        return f"Spend per head is concentrated in the more deprived areas (concentration index {ci:+.2f}; negative = pro-poor)."
    return f"Spend per head is concentrated in the less deprived areas (concentration index {ci:+.2f}; positive = favours the less deprived)."


def reconciliation_sentence(reconciliation: Reconciliation) -> str:
    """One line proving rows in = placed + unplaced + rejected, in grants and in pounds.

    Parameters
    ----------
    reconciliation : Reconciliation
        ``Register.reconciliation`` from :func:`reviewpack.ingest.threesixtygiving.read_register`.

    Returns
    -------
    str
        E.g. ``"grants.csv: 31 grants (£818,228.00) in 31 rows = 2 placed in a locality (£5,000.00)
        + 29 not placed (£813,228.00) + 0 rejected (£0.00)."``, with a note on rejected rows
        counted as £0 when there are any.
    """
    return reconciliation.summary()


# -- titles, captions, notes and alt text of the grants section (each names its period and basis) ----

SOURCE = "360Giving publishers via GrantNav; ONS; MHCLG IoD"
CURVE_SOURCE = "360Giving publishers via GrantNav; MHCLG IoD; ONS"
MODEL_SOURCE = "Model; ONS; MHCLG IoD"
#: Legend labels of the fair-share chart.
FAIR_SHARE_SERIES = {"amount": "Grant £", "population": "Residents", "deprived": "Most deprived fifth's residents"}
FAIR_SHARE_CAPTION = "What each area would have received had the same total followed residents, or need"
CURVE_CAPTION = "Concentration curve points (the chart's numbers), most deprived ward first"
BUDGET_CAPTION = "Area partnership budget against spend, by financial year"
SENSITIVITY_CAPTION = "Allocation by weight on deprivation (the chart's numbers)"
NO_RECIPIENTS = "This register is aggregated (grants counted by ward, year and funder), so it names no recipients to list."
NO_BUDGETS = (
    "The register is not the council's own area partnership programme (grants.area_partnership_programme), "
    "so there are no area partnership budgets to compare with spend."
)
NO_ALLOCATION_BUDGET = (
    "No budget was given to split (grants.allocation.budget_gbp), and the register is not an area partnership programme "
    "with a budget per partnership, so no needs-based allocation is shown. Set grants.allocation.budget_gbp to the yearly "
    "budget to model."
)
EXCLUDED = {"unplaced": ("not placed in an area", "grants_unplaced"), "rejected": ("rejected as invalid", "grants_rejected")}


def _pre(basis: GrantsBasis) -> str:
    return "ILLUSTRATIVE: " if basis.illustrative else ""


def banner() -> str:
    """The warning shown first in a pack built from a made-up register."""
    return (
        "ILLUSTRATIVE — not real grants. This pack is built from a made-up grant register to show how the "
        "analysis works. Do not quote its grant figures."
    )


def about(description: str, placement_note: str, reconciliation: str, notes: tuple[str, ...] | list[str] = ()) -> str:
    """Markdown: what the register is, how grants are placed, whether it reconciles, and how the file was read
    (the register's notes, e.g. which sheet of a workbook; all escaped)."""
    read = f"\n\n**Reading the file.** {md_escape(' '.join(notes))}" if notes else ""
    return (
        f"**What this data is.** {md_escape(description)}\n\n"
        f"**How grants are placed.** {md_escape(placement_note)}\n\n"
        f"**Reconciliation.** {md_escape(reconciliation)}{read}"
    )


def excluded_caption(kind: str) -> str:
    """Caption of the unplaced / rejected rows table."""
    return f"Grants {EXCLUDED[kind][0]}, with the reason"


def fair_share_title(fair: pd.DataFrame, scope: Scope, basis: GrantsBasis) -> str:
    """The area that received the largest share of grant £."""
    f = fair.set_index(scope.grouping)
    top = f["share_of_amount_pct"].idxmax()
    return f"{_pre(basis)}{top} received {f.loc[top, 'share_of_amount_pct']:.0f}% of grant £"


def fair_share_subtitle(scope: Scope, basis: GrantsBasis) -> str:
    """The three measures and their bases."""
    return (
        f"Share of {scope.la_name} total (%): grant £, residents ({year_label(basis.population_year)}), "
        f"most deprived fifth ({deprivation_basis(basis.edition)})"
    )


def by_area_caption(scope: Scope) -> str:
    """Caption of the contract table of grants by area."""
    return f"Grants by {scope.grouping}: count, £, £ per resident and shares"


def period_note(basis: GrantsBasis, award_years: tuple[int, int] | None, placement_note: str) -> str:
    """The award years counted (those chosen, or every year in the register), the residents' year, and how grants are placed."""
    found = "no grant placed" if award_years is None else (
        str(award_years[0]) if award_years[0] == award_years[1] else f"{award_years[0]}–{award_years[1]}"
    )
    chosen = f"{basis.period[0]}–{basis.period[1]} chosen" if basis.period else "every award year in the register"
    return f"Awards: {found} ({chosen}). £ per resident uses {year_label(basis.population_year)} residents. {placement_note}"


def by_year_caption(scope: Scope) -> str:
    """Caption of grants by award year."""
    return f"Grants to {scope.area_label} by award year"


def by_funder_caption(scope: Scope) -> str:
    """Caption of grants by funder."""
    return f"Grants to {scope.area_label} by funder"


def curve_title(index: float, basis: GrantsBasis) -> str:
    """Whether more grant £ per head went to the more deprived wards."""
    if index < 0:
        return _pre(basis) + "More grant £ per head went to the more deprived wards"
    return _pre(basis) + "Grant £ per head did not favour the more deprived wards"


def curve_subtitle(basis: GrantsBasis) -> str:
    """What the curve plots, and the edition that ranks the wards."""
    return f"Cumulative share of grant £ against residents, wards ranked by {basis.edition.label} score"


def curve_alt(scope: Scope, sentence: str) -> str:
    """Alt text of the concentration curve."""
    return f"Concentration curve of grant £ across {possessive(scope.la_name)} wards ranked from most to least deprived. {sentence}"


def curve_text(sentence: str, placement: str) -> str:
    """Markdown under the curve: the index in words, and how the grants were placed (what was actually used)."""
    from .messages import PLACEMENT

    what = {
        "recipient": " This measures where funded organisations are based, not where their work happens.",
        "recipient_postcode": " This measures where funded organisations are based, not where their work happens.",
        "beneficiary": " This measures where the funded work happens.",
        "beneficiary_postcode": " This measures where the funded work happens.",
    }.get(placement, "")
    return f"{sentence} {PLACEMENT[placement].capitalize()}.{what}"


def placement_counts_sentence(counts: dict[str, int]) -> str:
    """How the register's rows were placed, counted per row (the counts come from the reconciliation).

    E.g. ``"Rows placed by ward code: 0; by LSOA code: 0; by postcode: 28; not placed (or rejected): 3."``
    """
    return (
        f"Rows placed by ward code: {counts['ward code']:,}; by LSOA code: {counts['LSOA code']:,}; "
        f"by postcode: {counts['postcode']:,}; not placed (or rejected): {counts['not placed']:,}."
    )


def nothing_placed(scope: Scope, rows: int, placed_outside_period: int = 0) -> str:
    """Said instead of the charts and tables that compare areas when no grant could be placed
    (or none of those placed was awarded in ``grants.period``)."""
    label = md_escape(scope.grouping_label.lower())
    if placed_outside_period:
        return (
            f"None of the {placed_outside_period:,} grant row(s) placed in {md_escape(scope.la_name)} was awarded in the period "
            f"chosen (grants.period), so there is nothing to compare between areas ({label}) here."
        )
    return (
        f"No grant in the register could be placed in a ward of {md_escape(scope.la_name)}, so there is nothing to compare "
        f"between areas ({label}) here: none of its {rows:,} row(s) has a ward or LSOA code of {md_escape(scope.la_name)}, or a "
        "postcode that the postcode lookup (grants.postcode_lookup) places there. The reason for each row is in the table of "
        "grants not placed above."
    )


def recipients_caption(scope: Scope) -> str:
    """Caption of the largest recipients."""
    return f"Largest grant recipients in {scope.area_label}"


def allocation_caption(budget: float, base_share: float, weight_population: float, weight_deprivation: float) -> str:
    """Caption of the allocation model table: the budget and the weights."""
    return (
        f"Model split of a £{budget:,.0f} yearly budget (base {base_share:.0%}; rest {weight_population:.0%} by residents, "
        f"{weight_deprivation:.0%} by need) against actual grant shares"
    )


def sensitivity_title(sens: pd.DataFrame, scope: Scope) -> str:
    """The area whose share grows most as the weight on need rises."""
    top = sens[sens["weight_deprivation"] == sens["weight_deprivation"].max()].set_index(scope.grouping)["allocation_share_pct"].idxmax()
    return f"The more weight on need, the larger {possessive(top)} share"


def sensitivity_subtitle(budget: float, base_share: float) -> str:
    """What the sensitivity chart plots."""
    return f"Share of a £{budget:,.0f} budget (%) as the weight on deprivation rises (base share {base_share:.0%})"


def sensitivity_alt(sens: pd.DataFrame, scope: Scope) -> str:
    """Alt text: each area's share at weight 0 and at weight 1."""
    ends = sens[sens["weight_deprivation"].isin([0.0, 1.0])].sort_values("weight_deprivation")
    parts = "; ".join(
        f"{a} from {g.iloc[0]['allocation_share_pct']:.0f}% to {g.iloc[-1]['allocation_share_pct']:.0f}%" for a, g in ends.groupby(scope.grouping)
    )
    return f"Line chart of each area's share of the budget as the weight on deprivation rises from 0 to 1: {parts}."


BUDGET_GROUPING_LABEL = "Area partnership"


NO_REGISTER = "## Grant funding\n\nNo grant register is configured for this pack (parameter `grants`), so there is no grant analysis."
