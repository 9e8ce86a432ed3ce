"""The top of every pack: the illustrative banner and the key messages (with the index card's figures)."""

from __future__ import annotations

from ...analysis.sections import Pack
from ..display import key_messages as show_key_messages
from ..display import record_headlines
from ..narrative import messages
from . import grants as grants_view


def banner(P: Pack) -> None:
    """The warning banner of a pack built from made-up data (nothing otherwise)."""
    grants_view.banner(P.grants)


def key_messages(P: Pack) -> None:
    """The key messages box, deprivation, grants and population, and the figures for the index card."""
    s, dep, pop, gr = P.scope, P.deprivation, P.population, P.grants
    dist = dep.latest_distribution()
    table = pop.table()
    found = messages.deprivation_messages(dist, dep.national_summary_latest(), s.area, s.la_name, s.grouping)
    if gr is not None:
        found += messages.grants_messages(gr.fair_share(), gr.by_area(), s.area, s.la_name, s.grouping, gr.basis.illustrative)
    found += messages.population_messages(table, s.area, s.la_name, s.grouping, pop.basis.baseline_year)
    show_key_messages(found)
    figures = messages.headlines(table, dist, s.area, s.la_name, s.grouping)
    if gr is not None:
        figures |= messages.grant_headline(gr.by_area(), s.area, s.grouping, gr.basis.illustrative)
    record_headlines(figures)
