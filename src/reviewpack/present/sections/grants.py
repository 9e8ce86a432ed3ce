"""Grant funding, as shown: the register, fair shares, by year and funder, concentration, allocation."""

from __future__ import annotations

from ...analysis.sections import GrantsSection
from .. import charts
from ..display import show_banner, show_figure, show_markdown
from ..narrative import figures
from ..narrative import grants as words
from ..narrative.context import context_markdown
from ..narrative.text import year_label
from ._table import show_table


def banner(gr: GrantsSection | None) -> None:
    """A prominent warning when the register is made up (shown before everything else)."""
    if gr is not None and gr.params.illustrative:
        show_banner(words.banner())


def context(gr: GrantsSection, text: str | None) -> None:
    """The council's own context for the section (Markdown from ``context.grants``), if any."""
    if text:
        show_markdown(context_markdown(text))


def about(gr: GrantsSection) -> None:
    """What the register is, how grants are placed, the reconciliation, and the rows left out."""
    reg = gr.register
    checked = f"{words.reconciliation_sentence(reg.reconciliation)} {words.placement_counts_sentence(gr.placement_counts())}"
    show_markdown(words.about(gr.params.description, gr.params.placement_note, checked, reg.notes))
    for kind, frame in (("unplaced", reg.unplaced), ("rejected", reg.rejected)):
        if len(frame):
            cols = [c for c in ("source_row", "identifier", "recipient", "award_date", "amount_gbp", "reason") if c in frame.columns]
            show_table(frame[cols], words.EXCLUDED[kind][1], words.excluded_caption(kind), gr.scope)


def fair_share(gr: GrantsSection) -> None:
    """Share of grant £ against share of residents and of need: chart, grants by area, fair shares."""
    if not gr.any_placed():
        rec = gr.register.reconciliation
        show_markdown(words.nothing_placed(gr.scope, rec.rows_in, rec.placed_rows))
        return
    scope, basis, fair = gr.scope, gr.basis, gr.fair_share()
    bars = gr.fair_share_long()
    bars["measure"] = bars["measure"].map(words.FAIR_SHARE_SERIES)
    fig = charts.grouped_bars(
        bars, scope.grouping, "measure", "pct",
        title=words.fair_share_title(fair, scope, basis), subtitle=words.fair_share_subtitle(scope, basis),
        source=words.SOURCE, value_fmt="{:.0f}%", ylabel="% of borough total",
    )
    show_figure(fig, figures.fair_share_alt(fair, scope.grouping), name="fair_share")
    show_table(
        gr.by_area(), f"grants_by_{scope.grouping}", words.by_area_caption(scope), scope,
        note=words.period_note(basis, gr.award_years(), gr.params.placement_note), population_year=year_label(basis.population_year),
    )
    show_table(fair, "grants_fair_share", words.FAIR_SHARE_CAPTION, scope)


def by_year_and_funder(gr: GrantsSection) -> None:
    """Grants to the pack's area by award year and by funder."""
    show_table(gr.by_year(), "grants_by_year", words.by_year_caption(gr.scope), gr.scope)
    show_table(gr.by_funder(), "grants_by_funder", words.by_funder_caption(gr.scope), gr.scope)


def concentration(gr: GrantsSection) -> None:
    """Concentration curve of grant £ across wards ranked by deprivation, its index in words, its points."""
    if not gr.any_placed():
        rec = gr.register.reconciliation
        show_markdown(words.nothing_placed(gr.scope, rec.rows_in, rec.placed_rows))
        return
    scope, basis = gr.scope, gr.basis
    conc = gr.concentration()
    sentence = words.concentration_sentence(conc)
    fig = charts.concentration_curve(
        conc.curve, conc.index, title=words.curve_title(conc.index, basis), subtitle=words.curve_subtitle(basis), source=words.CURVE_SOURCE
    )
    show_figure(fig, words.curve_alt(scope, sentence), name="concentration_curve")
    show_markdown(words.curve_text(sentence, gr.placement_basis()))
    show_table(gr.concentration_points(), "concentration_curve", words.CURVE_CAPTION, scope, edition=basis.edition.label)


def largest_recipients(gr: GrantsSection) -> None:
    """The largest recipients (a grant-level register only)."""
    if not gr.has_recipients():
        show_markdown(words.NO_RECIPIENTS)
        return
    show_table(gr.top_recipients(), "top_recipients", words.recipients_caption(gr.scope), gr.scope)


def budgets(gr: GrantsSection) -> None:
    """Area partnership budgets against spend, by financial year (the council's own programme only)."""
    if not gr.has_budgets():
        show_markdown(words.NO_BUDGETS)
        return
    show_table(
        gr.budget_vs_spend(), "area_partnership_budget", words.BUDGET_CAPTION, gr.scope,
        labels={gr.params.budget_grouping or "": words.BUDGET_GROUPING_LABEL},
    )


def allocation(gr: GrantsSection) -> None:
    """The needs-based split of a devolved budget, and how it moves with the weight on need."""
    if not gr.has_allocation_budget():
        show_markdown(words.NO_ALLOCATION_BUDGET)
        return
    scope, a = gr.scope, gr.params.allocation
    budget = gr.allocation_budget()
    show_table(
        gr.allocation(), "allocation_model", words.allocation_caption(budget, a.base_share, a.weight_population, a.weight_deprivation), scope
    )
    sens = gr.allocation_sensitivity()
    fig = charts.lines_by_series(
        sens, "weight_deprivation", scope.grouping, "allocation_share_pct",
        title=words.sensitivity_title(sens, scope), subtitle=words.sensitivity_subtitle(budget, a.base_share),
        source=words.MODEL_SOURCE, xlabel="Weight on deprivation (the rest on residents)", ylabel="Share of budget (%)",
        highlight=scope.area, marker_x=a.weight_deprivation,
    )
    show_figure(fig, words.sensitivity_alt(sens, scope), name="allocation_sensitivity")
    show_table(sens, "allocation_sensitivity", words.SENSITIVITY_CAPTION, scope)
