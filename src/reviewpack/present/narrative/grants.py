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
from .text import md_escape

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
EXCLUDED = {"unplaced": ("not placed in an area", "grants_unplaced"), "rejected": ("rejected as invalid", "grants_rejected")}


def _pre(basis: GrantsBasis) -> str:
    return "ILLUSTRATIVE: " if basis.illustrative else ""


def banner() -> str:
    """The warning shown first in a pack built from a made-up register."""
    return (
        "ILLUSTRATIVE — not real grants. This pack is built from a made-up grant register to show how the "
        "analysis works. Do not quote its grant figures."
    )


def about(description: str, placement_note: str, reconciliation: str) -> str:
    """Markdown: what the register is, how grants are placed, and whether it reconciles (all escaped)."""
    return (
        f"**What this data is.** {md_escape(description)}\n\n"
        f"**How grants are placed.** {md_escape(placement_note)}\n\n"
        f"**Reconciliation.** {md_escape(reconciliation)}"
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
        f"Share of {scope.la_name} total (%): grant £, residents (mid-{basis.population_year}), "
        f"most deprived fifth ({basis.edition.label})"
    )


def by_area_caption(scope: Scope) -> str:
    """Caption of the contract table of grants by area."""
    return f"Grants by {scope.grouping}: count, £, £ per resident and shares"


def period_note(basis: GrantsBasis, placement_note: str) -> str:
    """The period covered and how grants are placed."""
    period = f"{basis.period[0]}–{basis.period[1]}" if basis.period else "all award years in the register"
    return f"Period: {period}. {placement_note}"


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
    return f"Concentration curve of grant £ across {scope.la_name}'s wards ranked from most to least deprived. {sentence}"


def curve_text(sentence: str) -> str:
    """Markdown under the curve: the index in words, and what placement by address means."""
    return f"{sentence} Placement is by the recipient's address, so this measures where funded organisations are based."


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
    return f"The more weight on need, the larger {top}'s share"


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
