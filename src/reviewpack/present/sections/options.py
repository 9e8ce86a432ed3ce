"""Boundary options, as shown: how balanced each grouping is, and its areas side by side."""

from __future__ import annotations

from ...analysis.sections import OptionsSection
from ..display import show_markdown
from ..narrative import options as words
from ..narrative.context import context_markdown
from ._table import show_table


def context(opt: OptionsSection, text: str | None) -> None:
    """The council's own context for the section (Markdown from ``context.options``), if any."""
    if text:
        show_markdown(context_markdown(text))


def compare(opt: OptionsSection) -> None:
    """The balance verdicts, the balance table and every grouping's areas."""
    balance = opt.balance()
    show_markdown(words.balance_list(words.balance_sentences(balance, opt.labels)))
    show_table(balance, "grouping_balance", words.BALANCE_CAPTION, opt.scope, note=words.BALANCE_NOTE)
    d = opt.params.demand
    show_table(
        opt.comparison(), "grouping_comparison", words.COMPARISON_CAPTION, opt.scope,
        note=words.demand_note(d.dependant_weight, d.quintile_weights, opt.basis),
    )
