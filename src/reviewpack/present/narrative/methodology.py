"""The "Methodology and sources" section's text: the sources table's headings, attribution,
caveats and the parameters used."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ...ingest.register import attribution_lines, files_used, load_register, used_sources
from .population import bands_text
from .text import md_escape

if TYPE_CHECKING:
    import pandas as pd

    from ...analysis.basis import DenominatorYear

#: Heading of each column of the "Data sources" table, by register field.
SOURCES_TABLE_HEADINGS = {"title": "data"}


def sources_table(data_dir: Path, params_dict: dict[str, Any]) -> pd.DataFrame:
    """One row per raw file the pack uses: title, publisher, release, licence, file, SHA-256.

    Parameters
    ----------
    data_dir : Path
        The data folder (holds ``sources.yaml`` and ``checksums.sha256``).
    params_dict : dict
        The pack's resolved parameters (the files are the ``raw/...`` values in it).

    Returns
    -------
    DataFrame
        ``data, publisher, release, licence, file, sha256``.

    Raises
    ------
    DataFileError
        If a file the parameters use is not described in ``sources.yaml`` (every source must be attributed).
    """
    return used_sources(data_dir, params_dict).rename(columns=SOURCES_TABLE_HEADINGS)


def notes_markdown(data_dir: Path, params_dict: dict[str, Any], caveats: list[str]) -> str:
    """Markdown for attribution, caveats and the parameters used.

    Parameters
    ----------
    data_dir : Path
        The data folder (holds ``sources.yaml``, whose ``attribution`` lines are listed).
    params_dict : dict
        The pack's parameters, shown as YAML.
    caveats : list of str
        Markdown caveats (from :func:`population_caveats` and the others).

    Returns
    -------
    str
        Markdown with the subsections Attribution, Caveats and Parameters used.
    """
    register = load_register(data_dir)
    lines = ["Full provenance of every file (repository, commit, changes made, checks) is in `data/raw/SOURCES.md` of the project.", ""]
    used = files_used(params_dict)
    lines += ["### Attribution", ""] + [f"- {md_escape(a)}" for a in attribution_lines(register, used)] + [""]
    lines += ["### Caveats", ""] + [f"- {c}" for c in caveats] + [""]
    dumped = yaml.safe_dump(params_dict, sort_keys=True, allow_unicode=True).strip()
    # a parameter value holding a line of backticks must not close the block (its text would become live HTML)
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", dumped)), default=0))
    lines += ["### Parameters used", "", f"{fence}yaml", dumped, fence, ""]
    return "\n".join(lines)


def population_caveats(params_dict: dict[str, Any], denominators: tuple[DenominatorYear, ...] = ()) -> list[str]:
    """Caveats that apply to the population section, for the files the parameters name.

    ``denominators`` are the years the population section took from IoD denominators
    (:attr:`PopulationBasis.denominators`: mid-2022 from IoD2025's File 7).
    """
    pop = params_dict.get("population", {}) or {}
    est = pop.get("estimate_years", [])
    out = [
        "LSOAs are placed in wards, and wards in areas, by the ONS best-fit lookups: each LSOA goes wholly to the ward "
        "holding its population-weighted centroid, so an LSOA that straddles a ward boundary counts wholly in one ward.",
    ]
    if pop.get("lsoa_panel"):
        out.append(
            "Mid-2012 and mid-2015 figures are the IoD population denominators: they exclude prisoners and have only the "
            "bands 0-15, 16-59 and 60+, so 16-64, 65+ and dependency ratios are not shown for those years."
        )
    if pop.get("census2021"):
        others = "the other years" if not denominators else "the years before it"
        out.append(
            "Census 2021 counts usual residents on 2021 LSOAs"
            + (f"; {others} are mid-year estimates on 2011 LSOAs. " if pop.get("lsoa_panel") else ". ")
            + "Census custom datasets are cell-key perturbed, so totals differ slightly from published tables."
        )
    for d in denominators:
        out.append(
            f"Mid-{d.year} figures are the ONS mid-{d.year} small-area estimates MHCLG used as the {d.label} population "
            f"denominators{' (File 7)' if d.file7 else ''}, on {d.lsoa_geography} LSOAs; ONS has since revised them. Their bands "
            f"are {bands_text(d.bands)}, so 16-64, 65+ and dependency ratios are not shown for mid-{d.year}, and growth on one "
            "consistent series does not use them."
        )
    if est:
        out.append(
            f"{', '.join(map(str, est))} figures are **estimates** by linear interpolation between the nearest data years "
            "(no ONS estimate by LSOA and age was available for those years); they are marked as estimated everywhere."
        )
    return out


def deprivation_caveats(params_dict: dict[str, Any], lsoas_by_vintage: dict[int, int] | None = None, la_name: str = "") -> list[str]:
    """Caveats that apply to the deprivation section.

    Parameters
    ----------
    params_dict : dict
        The pack's parameters (``PackParams.model_dump(mode="json")``).
    lsoas_by_vintage : dict, optional
        ``{2011: n, 2021: m}``: the local authority's neighbourhoods on each LSOA
        geography in use (from the lookups), for the sentence on geographies.
    la_name : str
        Local authority name, for that sentence.
    """
    from .deprivation import RELATIVE_RANKS_CAVEAT

    editions = (params_dict.get("deprivation", {}) or {}).get("vintages", []) or []
    out = [RELATIVE_RANKS_CAVEAT]
    if any(v.get("year") == 2019 for v in editions):
        out.append(
            "The IoD 2019 IMD score is derived from the published transformed domain scores (the official score file was not "
            "available); ranks and deciles shown are the official ones."
        )
    out.append("Area figures for the local authority summary measures are indicative: MHCLG defines them for local authorities.")
    by_geo: dict[int, list[int]] = {}
    for v in editions:
        by_geo.setdefault(int(v["lsoa_vintage"]), []).append(int(v["year"]))
    if len(by_geo) > 1:
        counts = lsoas_by_vintage or {}
        parts = []
        for geo, years in sorted(by_geo.items(), reverse=True):
            n = counts.get(geo)
            where = f" ({n} in {md_escape(la_name)})" if n and la_name else ""
            parts.append(f"IoD {' and '.join(map(str, sorted(years)))} use{'s' if len(years) == 1 else ''} {geo} neighbourhoods{where}")
        out.append("; ".join(parts) + ", so neighbourhood counts differ between editions.")
    return out


def grants_caveats(params_dict: dict[str, Any]) -> list[str]:
    """Caveats that apply to the grants section."""
    g = params_dict.get("grants") or {}
    if not g:
        return []
    out = [md_escape(g.get("placement_note", "")).strip()]
    if g.get("illustrative"):
        out.insert(0, "**The grant register is ILLUSTRATIVE (made up): do not quote its figures.**")
    out.append(
        "£ per resident divides grant £ over the whole period by residents in one year (grants.population_year); "
        "fair shares compare with residents of the borough's most deprived fifth in one IoD edition (grants.deprivation_edition)."
    )
    return out


SOURCES_CAPTION = "Data sources used in this pack"



#: The axe-core release the browser checks run (tests/browser/package.json pins it; a test keeps the two in step).
AXE_CORE_VERSION = "4.14.1"


def accessibility_statement(contact: str, pack: str) -> str:
    """What was checked, what is known not to be perfect, and how to ask for another format (Markdown)."""
    ask = (
        f"To ask for this pack in another format (large print, a document you can edit, the tables read out), contact "
        f"{md_escape(contact)}."
        if contact
        else "To ask for this pack in another format (large print, a document you can edit, the tables read out), ask the "
        "officer who sent it to you."
    )
    return (
        "This web page is the accessible copy of the pack. Every build is opened in a headless browser (Chromium) with no "
        f"network, and checked with axe-core {AXE_CORE_VERSION} (its standard rules, which cover WCAG 2.1 levels A and AA): "
        "a serious or critical issue stops the build from being accepted. The checks also require alt text on every chart "
        "that states its numbers, one top-level heading and no skipped heading levels, captions and header cells on every "
        "table, a page that reads on a phone-sized screen without sideways scrolling, and no request to any other site.\n\n"
        "Known limits: charts are pictures, so a screen reader reads their alt text — the same numbers are in the table "
        f"under each chart and in the CSV files in tables/{md_escape(pack)}/; the map's colours are explained in its legend and "
        "its numbers listed in the table below it. Printed or PDF copies are not checked in the same way.\n\n" + ask
    )
