"""Small pieces every sentence is made of: escaping untrusted text, numbers, money and years.

Every name or string that comes from data or parameters (area, ward, council, recipient
names, descriptions) goes through :func:`md_escape` before it is put in a sentence, so it
can never become markup, a link or script in the published page.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...analysis.basis import PopulationBasis

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~])")


def md_escape(text: object) -> str:
    r"""Escape a data string for use inside Markdown (no markup, no HTML, no links).

    ``<``, ``>`` and ``&`` become entities (so no tag can form) and Markdown's own characters are
    backslash-escaped (so no emphasis, link or image can form); quotes are left alone: they mean
    nothing in Markdown text, and ``St Matthew's`` must stay readable.

    >>> print(md_escape('West <img src=x onerror="alert(1)">'))
    West &lt;img src=x onerror="alert\(1\)"&gt;
    >>> print(md_escape("St Matthew's [w](javascript:x)"))
    St Matthew's \[w\]\(javascript:x\)
    """
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def num(value: float) -> str:
    """A count with thousands separators: ``num(284106) -> '284,106'``."""
    return f"{value:,.0f}"


def pct(value: float, dp: int = 0) -> str:
    """A percentage for narrative text: ``pct(21.04) -> '21%'``."""
    return f"{value:.{dp}f}%"


def gbp(value: float) -> str:
    """Money for narrative text: ``£2.62m``, ``£242``, ``£45.71``."""
    if abs(value) >= 1_000_000:
        return f"£{value / 1_000_000:,.2f}m"
    if abs(value) < 100:
        return f"£{value:,.2f}"
    return f"£{value:,.0f}"


def year_label(year: int, estimated: bool = False) -> str:
    """How a population year is named: ``Census 2021``, ``mid-2014 (estimate)``."""
    if year == 2021:
        return "Census 2021"
    return f"mid-{year}{' (estimate)' if estimated else ''}"


def population_when(year: int, basis: PopulationBasis | None = None) -> str:
    """A population year in a sentence, with its source when an IoD edition's denominators give it.

    ``Census 2021``, ``mid-2020``; ``mid-2022 (ONS estimates, as IoD2025 used them)`` for a year
    from IoD2025's File 7 (see :class:`~reviewpack.analysis.basis.DenominatorYear`).
    """
    d = basis.denominator(year) if basis is not None else None
    return year_label(year) if d is None else f"mid-{year} (ONS estimates, as {d.label} used them)"


def population_label(year: int, basis: PopulationBasis | None = None) -> str:
    """The same in a label's brackets: ``Census 2021``; ``mid-2022 ONS estimates, as IoD2025 used them``."""
    d = basis.denominator(year) if basis is not None else None
    return year_label(year) if d is None else f"mid-{year} ONS estimates, as {d.label} used them"


def possessive(name: str) -> str:
    """``North's``, ``St Matthew's`` (already possessive: unchanged), ``Kings Norton's``; ``Wells'``-style for a final s.

    >>> [possessive(n) for n in ("North", "St Matthew's", "Tipton Wells")]
    ["North's", "St Matthew's", "Tipton Wells'"]
    """
    if name.endswith(("'s", "’s")):
        return name
    return name + ("'" if name.endswith("s") else "'s")
