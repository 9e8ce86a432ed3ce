"""Methodology and sources, as shown: the data sources table and the notes and caveats."""

from __future__ import annotations

from ...analysis.sections import Pack
from ..display import show_markdown
from ..narrative import methodology as words
from ._table import show_table


def sources(P: Pack) -> None:
    """Every data file the pack used: publisher, release, licence and checksum."""
    params = P.params.model_dump(mode="json")
    table = words.sources_table(P.inputs.root / P.params.data_dir, params)
    show_table(table, "data_sources", words.SOURCES_CAPTION, P.scope)


def notes(P: Pack) -> None:
    """Methods, assumptions and caveats for this pack's inputs."""
    params = P.params.model_dump(mode="json")
    caveats = (
        words.population_caveats(params)
        + words.deprivation_caveats(params, P.deprivation.imd_lsoa_counts(), P.scope.la_name)
        + words.grants_caveats(params)
    )
    show_markdown(words.notes_markdown(P.inputs.root / P.params.data_dir, params, caveats))
