"""Show a section's table with its headers, formats and Table Schema from the column registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from ...analysis.basis import Scope
from .. import display
from ..columns import ColumnContext, formats_for, labels_for, table_schema
from ..tables import CellFormat


def context(scope: Scope, population_year: int | str | None = None, edition: int | str | None = None) -> ColumnContext:
    """The registry's context for a pack: its names, and the grant analysis' year and edition."""
    return ColumnContext(
        la_name=scope.la_name,
        grouping=scope.grouping,
        grouping_label=scope.grouping_label,
        area_label=scope.area_label,
        population_year=population_year,
        edition=edition,
        areas=(*scope.areas, scope.la_name),
    )


def show_table(
    df: pd.DataFrame,
    name: str,
    caption: str,
    scope: Scope,
    *,
    note: str | None = None,
    csv: pd.DataFrame | None = None,
    row_class: Callable[[pd.Series], str | None] | None = None,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, CellFormat] | None = None,
    population_year: int | str | None = None,
    edition: int | str | None = None,
) -> None:
    """Display ``df`` as the pack's table ``name``; headers and formats come from the column registry.

    ``labels`` and ``formats`` only add what the registry cannot know (a column named after a
    parameter, such as the budget grouping); the published CSV (``csv``, default ``df``) is
    described by its Table Schema.
    """
    ctx = context(scope, population_year, edition)
    published = csv if csv is not None else df
    extra = set(labels or {}) | set(formats or {})
    known = [c for c in df.columns if c not in extra]
    display.show_table(
        df, name, caption, scope.pack,
        labels={**labels_for(known, ctx, name), **(labels or {})},
        formats={**formats_for(known, ctx, name), **(formats or {})},
        note=note, csv=csv, row_class=row_class,
        schema=table_schema(list(published.columns), ctx, name),
    )
