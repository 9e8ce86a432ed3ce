"""A Frictionless Data Package descriptor for a pack's CSVs (``tables/<pack>/datapackage.json``).

Every CSV a pack publishes is described as a tabular resource whose Table Schema comes from the
column registry (:mod:`reviewpack.present.columns`): each column's type, title (the HTML header),
description and unit. A column the registry does not know raises
:class:`~reviewpack.present.columns.UnknownColumnError` naming the table.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

from .columns import ColumnContext, table_schema

__all__ = ["csv_header", "datapackage", "descriptor", "resource"]


def csv_header(text: str) -> list[str]:
    """The column names of a CSV (its first row)."""
    return next(csv.reader(io.StringIO(text)), [])


def _package_name(pack: str) -> str:
    """A Data Package name: lower case letters, digits, ``-``, ``_`` and ``.`` only."""
    return re.sub(r"[^a-z0-9._-]+", "-", pack.lower()).strip("-") or "pack"


def datapackage(
    pack: str,
    tables: Mapping[str, str],
    context: ColumnContext | None = None,
    titles: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of a pack's tables.

    Parameters
    ----------
    pack : str
        The pack's name (the tables' folder), e.g. ``"north"``.
    tables : mapping
        ``{table name: CSV text}`` as published (``<name>.csv`` next to the descriptor), in the
        order the pack shows them.
    context : ColumnContext, optional
        Values for pack-dependent column titles (``Share of Walsall (%)``).
    titles : mapping, optional
        ``{table name: caption}``; a table's caption becomes its resource title.

    Returns
    -------
    dict
        ``{"profile": "tabular-data-package", "name": ..., "resources": [...]}``, each resource
        with ``name``, ``path``, ``title``, ``profile``, ``format``, ``mediatype``, ``encoding``
        and ``schema``; ready for ``json.dumps``.

    Raises
    ------
    UnknownColumnError
        When a CSV has a column the registry does not know.
    """
    titles = titles or {}
    return descriptor(pack, [resource(name, table_schema(csv_header(text), context, name), titles.get(name)) for name, text in tables.items()])


def resource(name: str, schema: Mapping[str, Any], title: str | None = None) -> dict[str, Any]:
    """One CSV (``<name>.csv`` next to the descriptor) as a tabular data resource with its Table Schema."""
    out: dict[str, Any] = {"name": name, "path": f"{name}.csv"}
    if title:
        out["title"] = title
    return out | {
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": dict(schema),
    }


def descriptor(pack: str, resources: list[dict[str, Any]]) -> dict[str, Any]:
    """The Data Package descriptor of a pack's resources (from :func:`resource`), in the pack's order."""
    return {"profile": "tabular-data-package", "name": _package_name(pack), "resources": resources}
