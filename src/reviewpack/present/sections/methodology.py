"""Methodology and sources, as shown: the data sources table and the notes and caveats."""

from __future__ import annotations

from ...analysis.sections import Pack
from ..display import show_markdown
from ..narrative import methodology as words
from ._table import show_table


def sources(P: Pack) -> None:
    """Every data file the pack used: publisher, release, licence and checksum."""
    params = P.params.model_dump(mode="json")
    grants = params.get("grants") or {}
    if grants.get("postcode_lookup") and P.grants is not None and not P.grants.register.postcode_lookup_read:
        grants["postcode_lookup"] = None  # configured, but the register has no postcode column: not read, so not a source
    table = words.sources_table(P.inputs.root / P.params.data_dir, params)
    show_table(table, "data_sources", words.SOURCES_CAPTION, P.scope)


def notes(P: Pack) -> None:
    """Methods, assumptions and caveats for this pack's inputs."""
    params = P.params.model_dump(mode="json")
    caveats = (
        words.population_caveats(params, P.population.basis.denominators)
        + words.deprivation_caveats(params, P.deprivation.imd_lsoa_counts(), P.scope.la_name)
        + words.grants_caveats(params)
    )
    show_markdown(words.notes_markdown(P.inputs.root / P.params.data_dir, params, caveats))


def accessibility(P: Pack) -> None:
    """The accessibility statement: what was checked, known limits, how to ask for another format."""
    show_markdown(words.accessibility_statement(P.params.context.contact, P.scope.pack))
