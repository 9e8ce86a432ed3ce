"""One object per pack section, each carrying its inputs and its basis as data.

A notebook opens the pack and takes the section it narrates::

    from reviewpack.analysis.sections import Pack

    P = Pack.open("north")                 # or Pack.from_params(params) inside a build
    dep = P.deprivation                    # DeprivationSection
    dep.latest                             # EditionBasis(edition=2025, lsoa_geography=2021, population='iod_denominator', ...)
    dep.quintile_distribution()            # the table behind section "Deprivation"

``P.grants`` is ``None`` when no grant register is configured, ``P.options`` when the pack is
not the whole local authority's or no boundary options are configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ...config import PackParams, find_project_root, load_pack_params
from ...ingest import geography
from ...ingest.inputs import PackInputs
from ..basis import Scope
from .benchmarks import BenchmarksSection
from .demand import DemandSection
from .deprivation import DeprivationSection
from .grants import GrantsSection
from .options import OptionsSection
from .population import PopulationSection

__all__ = ["BenchmarksSection", "DemandSection", "DeprivationSection", "GrantsSection", "OptionsSection", "Pack", "PopulationSection"]


@dataclass
class Pack:
    """A pack's inputs and its sections.

    Attributes
    ----------
    inputs : PackInputs
        The input frames, read once.
    """

    inputs: PackInputs

    @classmethod
    def open(cls, pack: str, root: str | Path | None = None, extra_params: list[Path] | None = None) -> Pack:
        """Load and validate ``params/<pack>.yaml`` (merged over the defaults) and open the pack.

        ``root`` is the project folder (this checkout, or one made by ``reviewpack init``); by
        default the one holding the current folder (or ``$REVIEWPACK_ROOT``).
        """
        root = find_project_root(Path(root) if root is not None else None)
        return cls(PackInputs(root, load_pack_params(root, pack, extra_params)))

    @classmethod
    def from_params(cls, params: dict[str, Any], root: Path | None = None) -> Pack:
        """Open a pack from already-resolved parameters (what ``reviewpack build`` passes to a notebook)."""
        return cls(PackInputs(find_project_root(root), PackParams.model_validate(params)))

    @property
    def params(self) -> PackParams:
        """The pack's validated parameters."""
        return self.inputs.params

    @cached_property
    def scope(self) -> Scope:
        """The pack's local authority, area and grouping."""
        p = self.params
        return Scope(
            pack=p.pack,
            la_code=p.local_authority.code,
            la_name=p.local_authority.name,
            area=p.area,
            grouping=p.geography.grouping,
            grouping_label=p.geography.grouping_label,
            areas=tuple(geography.area_order(self.inputs.wards)),
        )

    @cached_property
    def population(self) -> PopulationSection:
        """Population demand."""
        return PopulationSection(self.inputs, self.scope)

    @cached_property
    def demand(self) -> DemandSection | None:
        """Demand beyond age, from Census 2021 topics (``None`` when ``census_topics`` is not configured)."""
        if self.params.census_topics is None:
            return None
        return DemandSection(self.inputs, self.scope)

    @cached_property
    def benchmarks(self) -> BenchmarksSection | None:
        """The whole authority against England, its region and councils like it (``None``: an area's pack, or not configured)."""
        if self.scope.area or self.params.benchmarks is None:
            return None
        return BenchmarksSection(self.inputs, self.scope)

    @cached_property
    def deprivation(self) -> DeprivationSection:
        """Deprivation, every configured IoD edition."""
        return DeprivationSection(self.inputs, self.scope)

    @cached_property
    def grants(self) -> GrantsSection | None:
        """Grant funding (``None`` when no register is configured)."""
        if self.params.grants is None:
            return None
        return GrantsSection(self.inputs, self.scope, self.population, self.deprivation)

    @cached_property
    def options(self) -> OptionsSection | None:
        """Boundary options (``None`` for an area's pack, or when no options are configured)."""
        if self.scope.area or not self.params.groupings.options:
            return None
        return OptionsSection(self.inputs, self.scope, self.deprivation)

    def reconciliation(self) -> dict[str, Any]:
        """Run the build's checks on every input; raise on failure, return what was checked.

        Every configured input is loaded here, before any notebook runs, so a bad file is a clear
        error (exit 2) rather than a failure half-way through a pack.
        """
        out: dict[str, Any] = {}
        for name, areas in (("lsoa11_one_area_each", self.inputs.areas11), ("lsoa21_one_area_each", self.inputs.areas21)):
            if areas is not None:
                out[name] = geography.check_one_area_per_lsoa(areas)
        out.update(self.population.check())
        self.inputs.files_read()
        self.deprivation.check()
        if self.demand is not None:
            out.update(self.demand.check())
        if self.benchmarks is not None:
            out.update(self.benchmarks.check())
        if self.params.groupings.options:
            OptionsSection(self.inputs, self.scope, self.deprivation).comparison()
        if self.grants is not None:
            out["grants"] = self.grants.check()
        return out

    def read_inputs(self) -> None:
        """Read the input files the packs of this local authority share, and compute nothing.

        The build's kernel template calls this for the build's first pack before it forks the
        packs' kernels (:mod:`reviewpack.ingest.cache`), so a file every pack reads is parsed once
        per build.  The national files only the whole authority's pack reads (the benchmarks) are
        left to that pack's kernel: reading them here would only delay every other pack.
        """
        self.inputs.files_read()
        _ = self.inputs.lsoa_population, self.inputs.wards
        if self.demand is not None:
            _ = self.demand.local, self.demand.england
        self.inputs.known_codes()


def read_inputs(packs: list[tuple[str, dict[str, Any]]]) -> None:
    """:meth:`Pack.read_inputs` for each ``(project root, resolved parameters)`` (a kernel template's warm-up).

    Reads are kept only when :func:`reviewpack.ingest.cache.enable` was called first.  A file
    that cannot be read is skipped here: the pack's own kernel reports it, naming the file.
    """
    import contextlib

    for root, params in packs:
        with contextlib.suppress(Exception):
            Pack.from_params(params, Path(root)).read_inputs()


#: Modules the sections import only when a table needs them (so that importing the package stays
#: quick); a build's kernel template imports them before it forks the kernels.
DEFERRED_IMPORTS: tuple[str, ...] = ("scipy.special",)
