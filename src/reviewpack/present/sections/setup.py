"""The top of every pack: the illustrative banner, "At a glance" and the key messages (with the index card's figures)."""

from __future__ import annotations

from ...analysis.sections import GrantsSection, Pack
from ..display import key_messages as show_key_messages
from ..display import record_headlines, show_summary
from ..narrative import glance, messages
from ..narrative.text import possessive
from . import grants as grants_view


def banner(P: Pack) -> None:
    """The warning banner of a pack built from made-up data (nothing otherwise)."""
    grants_view.banner(P.grants)


def grant_facts(gr: GrantsSection | None) -> messages.GrantFacts | None:
    """What the grant messages, the card and "At a glance" need (``None`` without a register)."""
    if gr is None:
        return None
    conc = gr.concentration()
    flagged = gr.concentrated()
    return messages.GrantFacts(
        by_area=gr.by_area(),
        fair=gr.fair_share(),
        basis=gr.basis,
        award_years=gr.award_years(),
        latest=gr.deprivation.latest,
        concentrated=flagged,
        index=conc.index,
        index_without={str(w): gr.concentration_without(str(w)).index for w in flagged["ward_code"]},
        placement=gr.placement_basis(),
        recipients=gr.recipients_concentrated(),
    )


def at_a_glance(P: Pack) -> None:
    """The headline figures for the pack's area against the borough, how deciles count, and questions to ask."""
    s, dep, pop = P.scope, P.deprivation, P.population
    table, shares, facts = pop.table(), dep.fifth_shares(), grant_facts(P.grants)
    rows = glance.rows(table, shares, dep.latest, s, facts, pop.basis)
    asks = glance.questions(table, shares, pop.consistent_growth(), dep.latest, s, facts)
    intro = " ".join((glance.summary_line(s, table), glance.DECILES.format(la_s=possessive(glance.md_escape(s.la_name))), _wards(P)))
    show_summary(rows, f"{s.area_label} at a glance", intro, asks, glance.QUESTIONS_HEADING)


def key_messages(P: Pack) -> None:
    """The key messages box (deprivation, grants, population) and the figures for the index card."""
    s, dep, pop = P.scope, P.deprivation, P.population
    table, shares, facts = pop.table(), dep.fifth_shares(), grant_facts(P.grants)
    found = messages.deprivation_messages(shares, s, dep.latest)
    if facts is not None:
        found += messages.grants_messages(facts, s)
    found += messages.population_messages(table, pop.consistent_growth(), s, pop.basis)
    show_key_messages(found)
    record_headlines(messages.headlines(table, shares, dep.latest, s, facts, pop.basis))


def _wards(P: Pack) -> str:
    """The wards line: the lookups' ward vintage (read from the lookup) and any newer wards."""
    from ...config.wards import ward_lookup_parameter, ward_vintage

    found = ward_lookup_parameter(P.params)
    vintage = ward_vintage(P.inputs.root, P.params, *found) if found else None
    newer = P.inputs.newer_wards()
    return glance.wards_line(P.scope, vintage.year if vintage else None, vintage.code if vintage else None, newer)
