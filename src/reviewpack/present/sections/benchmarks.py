"""Compared with England, the region and councils like us, as shown: words first, then the tables."""

from __future__ import annotations

from ...analysis.sections import BenchmarksSection
from ..display import show_markdown
from ..narrative import benchmarks as words
from ._table import show_table

#: Columns shown on the page (the CSVs hold every column).
ENGLAND_SHOWN = ("benchmark_label", "council_value", "council_rank", "england_value", "england_median", "england_min", "england_max", "vs_england")
REGION_SHOWN = ("region_value", "vs_region")
NEIGHBOURS_SHOWN = ("neighbour_order", "la_name", "region_name", "neighbour_distance", "average_score", "residents_decile_1_pct", "share_0_15_pct", "share_65_plus_pct", "residents")
RANKS_SHOWN = ("benchmark_label", "council_value", "rank_among_neighbours", "neighbours_median", "neighbours_min", "neighbours_max")


def england(bm: BenchmarksSection | None) -> None:
    """The council against England (and the region), in words and as a table."""
    if bm is None:
        show_markdown(words.none_configured())
        return
    t = bm.england()
    show_markdown(words.england_findings(t, bm.scope))
    cols = [*ENGLAND_SHOWN, *(REGION_SHOWN if bm.has_region else ())]
    show_table(t[cols], "benchmark_england", words.england_caption(bm.scope, bm.has_region), bm.scope, csv=t, note=words.england_note(bm.has_region))


def neighbours(bm: BenchmarksSection | None) -> None:
    """The comparator councils, how they were chosen, and where the council ranks among them."""
    if bm is None:
        return
    nb = bm.neighbours()
    keep = [c for c in NEIGHBOURS_SHOWN if c in nb.columns]
    csv_cols = ["neighbour_order", "la_code", "la_name", *(["region_name"] if "region_name" in nb.columns else []), "neighbour_distance",
                "average_score", "average_rank", "proportion_lsoas_decile_1", "extent", "local_concentration",
                "residents_decile_1_pct", "residents_decile_1_2_pct", "share_0_15_pct", "share_65_plus_pct", "residents"]
    show_table(nb[keep], "benchmark_neighbours", words.neighbours_caption(bm.scope, bm.chosen_by_user, len(nb)), bm.scope,
               csv=nb[csv_cols], note=words.neighbours_note(bm.chosen_by_user))
    ranks = bm.neighbour_ranks()
    show_markdown(words.ranks_findings(ranks, bm.scope))
    show_table(ranks[list(RANKS_SHOWN)], "benchmark_neighbour_ranks", words.ranks_caption(bm.scope, int(ranks["group_size"].iloc[0])), bm.scope, csv=ranks)
