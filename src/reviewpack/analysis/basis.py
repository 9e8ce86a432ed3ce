"""What a section's figures rest on, as data: the area, the IoD edition, the population, the period.

Every title, subtitle, note and key message reads its basis from these objects (through
:mod:`reviewpack.present.narrative`), so a sentence can always say which edition and which
population it used, and two sections that used different ones can be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PopulationKind = Literal["iod_denominator", "census2021", "mid_year"]


@dataclass(frozen=True)
class Scope:
    """Which part of which local authority a pack covers.

    Attributes
    ----------
    pack : str
        Pack name (the folder of its tables).
    la_code, la_name : str
        The local authority.
    area : str or None
        The pack's area; ``None`` for the whole local authority.
    grouping : str
        The mapping column that defines areas (e.g. ``locality``).
    grouping_label : str
        Its label for readers (e.g. ``Locality``).
    areas : tuple of str
        Every area of the grouping, in reading order.
    """

    pack: str
    la_code: str
    la_name: str
    area: str | None
    grouping: str
    grouping_label: str
    areas: tuple[str, ...]

    @property
    def area_label(self) -> str:
        """What the pack covers, for titles: the area's name, or the local authority's."""
        return self.area or self.la_name

    @property
    def is_area(self) -> bool:
        """True for an area's pack, False for the whole local authority."""
        return self.area is not None


@dataclass(frozen=True)
class DenominatorYear:
    """A population year taken from an IoD edition's own denominators, not from the population files.

    IoD2025's File 7 carries the ONS mid-2022 small-area estimates MHCLG used (on 2021 LSOAs,
    rolled forward from Census 2021): a different series from the earlier mid-year estimates on
    2011 LSOAs, with the IoD's own age bands.

    Attributes
    ----------
    year : int
        The mid-year (2022 for IoD2025).
    edition : int
        The IoD edition whose file holds them (2025).
    lsoa_geography : int
        LSOA boundaries (2021).
    bands : tuple of str
        Its age bands besides all ages, as the file names them (``0-15``, ``18-66``, ``60+``).
    file7 : bool
        They come from the edition's File 7 rows (``deprivation.vintages[].file7``).
    """

    year: int
    edition: int
    lsoa_geography: int
    bands: tuple[str, ...]
    file7: bool = False

    @property
    def label(self) -> str:
        """``IoD2025``."""
        return f"IoD{self.edition}"


@dataclass(frozen=True)
class PopulationBasis:
    """The population data a section uses.

    Attributes
    ----------
    years : tuple of int
        Years of the population table (data years and estimates).
    estimated_years : tuple of int
        Years estimated by linear interpolation, not published.
    latest_year : int
        The latest year (mid-2022, from IoD2025's File 7, for Walsall).
    baseline_year : int or None
        The council's baseline year (``population.baseline_year``), or None when none is set.
    pyramid_year : int
        Year of the single-year-of-age profile.
    denominators : tuple of DenominatorYear
        Years taken from an IoD edition's own denominators (mid-2022 from IoD2025's File 7);
        empty when no edition adds one.
    """

    years: tuple[int, ...]
    estimated_years: tuple[int, ...]
    latest_year: int
    baseline_year: int | None
    pyramid_year: int
    denominators: tuple[DenominatorYear, ...] = ()

    def denominator(self, year: int) -> DenominatorYear | None:
        """The IoD edition ``year`` was taken from, or ``None`` when it comes from the population files."""
        return next((d for d in self.denominators if d.year == year), None)

    @property
    def first_year(self) -> int:
        """The earliest year of the table."""
        return min(self.years)


@dataclass(frozen=True)
class EditionBasis:
    """One IoD edition as a section used it.

    Attributes
    ----------
    edition : int
        The IoD year (2015, 2019, 2025).
    lsoa_geography : int
        LSOA boundaries the edition is published on (2011 or 2021).
    population : str
        Which residents weight its neighbourhoods: ``iod_denominator`` (the IoD's own
        denominators), ``census2021`` or ``mid_year`` (an ONS mid-year estimate).
    population_year : int or None
        Year of those residents: read from the IoD file for its denominators (mid-2012 for
        IoD2015, mid-2015 for IoD2019), 2021 for the Census, or the mid-year chosen; ``None``
        when the file does not say.
    excludes_prisoners : bool or None
        For the IoD's own denominators: whether the file says they exclude prisoners (its
        header reads "excluding prisoners" for mid-2012 and mid-2015; the mid-2022 header of
        IoD2025's File 7 does not say); ``None`` when unknown or not applicable.
    """

    edition: int
    lsoa_geography: int
    population: PopulationKind
    population_year: int | None
    excludes_prisoners: bool | None = None

    @property
    def label(self) -> str:
        """``IoD2025``."""
        return f"IoD{self.edition}"


@dataclass(frozen=True)
class GrantsBasis:
    """What the grant figures rest on.

    Attributes
    ----------
    period : tuple of int or None
        First and last award year included (``None``: every year in the register).
    population_year : int
        Year of the residents grant £ is divided by.
    edition : EditionBasis
        The IoD edition that says which residents are in the most deprived fifth.
    illustrative : bool
        The register is made up (an example), not real grants.
    kind : str
        ``grant-level`` or ``aggregated`` register.
    """

    period: tuple[int, int] | None
    population_year: int
    edition: EditionBasis
    illustrative: bool
    kind: str


@dataclass(frozen=True)
class OptionsBasis:
    """What the boundary options comparison rests on: the latest edition and the population year."""

    edition: EditionBasis
    population_year: int
