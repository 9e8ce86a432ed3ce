"""The boundary options section's verdicts: which grouping is more balanced on which measure."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ...analysis.basis import OptionsBasis
from .text import md_escape


def _verdict(s: pd.DataFrame, col: str, name: Callable[[str], str], what: str, unit_text: str) -> str:
    """One measure's verdict: the grouping(s) with the lowest rounded value, against the others."""
    values = s[col].round(0)
    best = values.min()
    winners = [g for g in s.index if values[g] == best]
    others = [g for g in s.index if g not in winners]
    if not others:
        return f"{what.capitalize()} is equally balanced under every grouping ({unit_text.format(v=best)})."
    lead = " and ".join(name(g) for g in winners)
    return (
        f"{what.capitalize()} is most evenly spread across the {lead} areas ({unit_text.format(v=best)}, against "
        + ", ".join(f"{values[g]:.0f}% for {name(g)}" for g in others) + ")."
    )


def balance_sentences(summary: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    """Plain-English verdicts: which grouping is more balanced on which measure.

    Ties (equal when rounded to whole percentages) are reported as ties.

    Parameters
    ----------
    summary : DataFrame
        From :func:`reviewpack.analysis.groupings.balance`.
    labels : dict
        Human label per grouping name.
    """
    if len(summary) < 2:
        return []
    s = summary.set_index("grouping")

    def name(g: str) -> str:
        return md_escape(labels.get(g, g))  # labels come from the parameters: never markup

    out = [
        _verdict(s, "population_cv_pct", name, "population", "coefficient of variation {v:.0f}%"),
        _verdict(s, "demand_cv_pct", name, "weighted demand", "coefficient of variation {v:.0f}%"),
    ]
    dis = s["deprivation_dissimilarity"].round(0)
    if dis.nunique() == 1:
        out.append(
            f"The most deprived residents are equally concentrated under every grouping: {dis.iloc[0]:.0f}% of them would have to "
            "live in another area for every area to hold its population share of them."
        )
    else:
        low = dis.idxmin()
        out.append(
            f"The most deprived residents are least concentrated, relative to population, under the {name(low)} grouping: "
            f"{dis[low]:.0f}% of them would have to live in another area for every area to hold its population share (against "
            + ", ".join(f"{dis[g]:.0f}% for {name(g)}" for g in s.index if g != low) + ")."
        )
    out.append("A finer grouping (more, smaller areas) can only show as much concentration as a coarser one it refines, or more.")
    return out


# -- captions and notes of the boundary options section ---------------------------------------------

BALANCE_CAPTION = "How balanced each grouping's areas are"
BALANCE_NOTE = "CV: coefficient of variation (standard deviation / mean) across the grouping's areas; lower is more even."
COMPARISON_CAPTION = "Each grouping's areas side by side"


def balance_list(sentences: list[str]) -> str:
    """Markdown bullet list of the balance verdicts."""
    return "\n".join(f"- {t}" for t in sentences)


def demand_note(dependant_weight: float, quintile_weights: dict[int, float], basis: OptionsBasis) -> str:
    """How the demand index is made, and the edition it uses."""
    weights = ", ".join(f"Q{k} ×{v:g}" for k, v in sorted(quintile_weights.items()))
    return (
        f"Demand index: residents weighted {dependant_weight:g}× for children (0-15) and people 65+, and by within-borough IMD quintile "
        f"({weights}), as each area's share of the borough (%). Latest IoD edition ({basis.edition.label}) and its population base."
    )
