"""Parameters: load the YAML files in ``params/``, merge them and validate them.

Parameters are validated **before** any notebook runs.  papermill only warns
about unknown parameters, so everything is checked here: unknown keys, wrong
types, unknown packs and unknown areas are errors that list the valid choices.

Layout of ``params/``::

    defaults.yaml     shared defaults (local authority, data files, methods, pack list)
    <pack>.yaml       one per pack: ``title`` and ``area`` (null for the borough overview)

A pack's parameters are ``defaults.yaml`` <- ``<pack>.yaml`` <- ``--params FILE``
(later files win; mappings are merged key by key, lists and scalars replaced).
"""

from __future__ import annotations

import copy
import os
import typing
import warnings
from datetime import date
from pathlib import Path
from typing import Any, Iterator, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import DataFileError, ParameterError

PARAMS_DIRNAME = "params"
DEFAULTS_FILE = "defaults.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalAuthority(_Strict):
    """The local authority the packs describe."""

    code: str = Field(pattern=r"^E0[6-9]\d{6}$", description="ONS local authority code, e.g. E08000030")
    name: str = Field(min_length=1)


class Geography(_Strict):
    """Geography files and the grouping of wards into pack areas."""

    ward_area_mapping: str | None = Field(None, description="ward -> area CSV; null: every ward is its own area")
    grouping: str = Field("locality", pattern=r"^[a-z][a-z0-9_]*$", description="name of the grouping; names the area column of every table")
    grouping_column: str | None = Field(None, description="column of the mapping holding the area names; default: the grouping's name")
    grouping_label: str = "Locality"
    lsoa11_ward_lookup: str | None = None
    lsoa21_ward_lookup: str | None = None
    lsoa11_lsoa21_lookup: str | None = None
    lsoa11_boundaries: str | None = None
    lsoa21_boundaries: str | None = None
    ward_boundaries: str | None = None


class Population(_Strict):
    """Population files and methods."""

    lsoa_panel: str | None = None
    single_year_of_age: str | None = None
    census2021: str | None = None
    estimate_years: list[int] = Field(default_factory=lambda: [2014])
    baseline_year: int = 2014
    pyramid_year: int = 2020

    @field_validator("estimate_years")
    @classmethod
    def _years_sorted_unique(cls, v: list[int]) -> list[int]:
        return sorted(set(v))

    @model_validator(mode="after")
    def _some_population(self) -> "Population":
        if self.lsoa_panel is None and self.census2021 is None:
            raise ValueError("give population.lsoa_panel, population.census2021 or both")
        return self


class ImdVintage(_Strict):
    """One edition of the English Indices of Deprivation."""

    year: int = Field(ge=2004, le=2100, description="IoD edition, e.g. 2025")
    file: str
    lsoa_vintage: Literal[2011, 2021]
    population: Literal["iod_denominator", "census2021"] | int = Field(
        "iod_denominator",
        description="residents per LSOA: the IoD's own denominators, Census 2021, or a mid-year of population.lsoa_panel",
    )


class Deprivation(_Strict):
    """Deprivation data and methods."""

    vintages: list[ImdVintage] = Field(min_length=1)
    latest: int
    la_summaries: str | None = None
    most_deprived_n: int = Field(10, ge=1, le=100)

    @field_validator("vintages")
    @classmethod
    def _unique_years(cls, v: list[ImdVintage]) -> list[ImdVintage]:
        years = [x.year for x in v]
        if len(set(years)) != len(years):
            raise ValueError(f"each IoD edition may appear once, got {years}")
        return sorted(v, key=lambda x: x.year)


class Allocation(_Strict):
    """Proportionate-universalism allocation model: a base share split equally, the rest by need."""

    budget_gbp: float | None = Field(None, ge=0, description="yearly budget to split; default: the area partnership budgets added up")
    base_share: float = Field(0.25, ge=0, le=1)
    weight_population: float = Field(0.5, ge=0, le=1)
    weight_deprivation: float = Field(0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _weights_add_up(self) -> "Allocation":
        if abs(self.weight_population + self.weight_deprivation - 1) > 1e-9:
            raise ValueError(
                f"weight_population ({self.weight_population}) and weight_deprivation ({self.weight_deprivation}) must add up to 1"
            )
        return self


warnings.filterwarnings("ignore", message='Field name "register" in "Grants" shadows an attribute')


class Grants(_Strict):
    """The grant register and the grant analysis."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    register: str
    description: str = Field(min_length=1, description="what the register is, shown in the pack")
    placement_note: str = Field(min_length=1, description="how grants are placed in wards, shown in the pack")
    illustrative: bool = Field(False, description="true for made-up example registers: every page is labelled")
    area_partnership_programme: bool = Field(False, description="true when the register is the council's own area partnership programme")
    period: tuple[int, int] | None = Field(None, description="first and last award year to include; null = all")
    as_of: date | None = Field(None, description="award dates after this are rejected; null = the build date")
    currency_rates: dict[str, float] = Field(default_factory=dict, description="GBP per unit of each other currency")
    population_year: int = Field(2015, description="residents used for £ per head (a year of the population table)")
    deprivation_edition: int = Field(2015, description="IoD edition used for fair shares and the concentration index")
    budget_per_area_partnership_gbp: float = Field(40000, ge=0)
    budget_grouping: str = Field("area_partnership", description="mapping column the budget applies to")
    financial_years: list[str] = Field(default_factory=list, description="e.g. ['2013/14', '2014/15']")
    allocation: Allocation = Field(default_factory=Allocation)
    top_recipients: int = Field(10, ge=1, le=100)
    known_codes_from: list[str] = Field(
        default_factory=list,
        description="national LSOA -> ward lookups whose codes count as real: a grant coded with any other E05/E01 code is rejected",
    )
    invalid_rows: Literal["error", "report"] = Field(
        "error",
        description="error: stop the build if any row is invalid; report: publish, listing rejected rows in the reconciliation",
    )


class GroupingOption(_Strict):
    """One way of grouping wards into areas, compared in the options appraisal."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    file: str
    column: str


class Demand(_Strict):
    """How the demand index weights residents."""

    dependant_weight: float = Field(1.5, ge=0, description="a child (0-15) or older resident (65+) counts this many working-age residents")
    quintile_weights: dict[int, float] = Field(
        default_factory=lambda: {1: 1.5, 2: 1.25, 3: 1.0, 4: 1.0, 5: 1.0},
        description="multiplier per within-borough IMD quintile (1 = most deprived)",
    )


class Groupings(_Strict):
    """The groupings compared side by side in the borough pack."""

    options: list[GroupingOption] = Field(default_factory=list)
    demand: Demand = Field(default_factory=Demand)

    @field_validator("options")
    @classmethod
    def _unique_names(cls, v: list[GroupingOption]) -> list[GroupingOption]:
        names = [o.name for o in v]
        if len(set(names)) != len(names):
            raise ValueError(f"each grouping name may appear once, got {names}")
        return v


class Context(_Strict):
    """Local context shown at the start of each section (Markdown; the council's own words and papers)."""

    population: str = ""
    deprivation: str = ""
    grants: str = ""
    options: str = ""


class PackParams(_Strict):
    """All parameters of one pack, after merging; the schema of every YAML file."""

    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    area: str | None = None
    local_authority: LocalAuthority
    data_dir: str = "data"
    geography: Geography
    population: Population
    deprivation: Deprivation
    grants: Grants | None = None
    groupings: Groupings = Field(default_factory=Groupings)
    context: Context = Field(default_factory=Context)
    packs: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _latest_is_a_vintage(self) -> "PackParams":
        years = [v.year for v in self.deprivation.vintages]
        if self.deprivation.latest not in years:
            raise ValueError(f"deprivation.latest is {self.deprivation.latest}, which is not one of the editions {years}")
        if self.geography.lsoa11_ward_lookup is None and self.geography.lsoa21_ward_lookup is None:
            raise ValueError("give geography.lsoa11_ward_lookup, geography.lsoa21_ward_lookup or both")
        if self.grants is not None and self.grants.deprivation_edition not in years:
            raise ValueError(f"grants.deprivation_edition is {self.grants.deprivation_edition}, which is not one of the editions {years}")
        return self

    @property
    def is_borough(self) -> bool:
        """True for the borough overview (no single area)."""
        return self.area is None


# ---------------------------------------------------------------------------
# project root and YAML reading


def find_project_root(start: Path | None = None) -> Path:
    """Return the directory holding ``params/defaults.yaml``, searching upwards.

    Parameters
    ----------
    start : Path, optional
        Where to start (default: ``$REVIEWPACK_ROOT`` if set, else the current directory).  A notebook opened in
        JupyterLab runs in ``notebooks/``, so searching upwards finds the project.

    Raises
    ------
    ParameterError
        If no ``params/defaults.yaml`` is found in ``start`` or any parent.
    """
    if start is None and os.environ.get("REVIEWPACK_ROOT"):
        start = Path(os.environ["REVIEWPACK_ROOT"])
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / PARAMS_DIRNAME / DEFAULTS_FILE).is_file():
            return candidate
    raise ParameterError(
        f"Cannot find '{PARAMS_DIRNAME}/{DEFAULTS_FILE}' in '{here}' or any folder above it. "
        "Run reviewpack from the project folder (the one with the Makefile), or pass --project DIR."
    )


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one parameter file with a safe loader and return its mapping.

    Raises
    ------
    ParameterError
        If the file is missing, empty, not valid YAML or not a mapping.
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(
            f"Parameter file '{path}' does not exist. Check the path. A --params file holds only the settings you change "
            "(e.g. 'deprivation: {most_deprived_n: 20}'); it is merged over every pack's parameters."
        )
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParameterError(
            f"Parameter file '{path}' is not valid YAML{at}: {problem}. Fix the syntax (indent with spaces, 'key: value')."
        ) from None
    if data is None:
        raise ParameterError(f"Parameter file '{path}' is empty. Give at least one 'key: value' line, or remove the file.")
    if not isinstance(data, dict):
        raise ParameterError(
            f"Parameter file '{path}' must be a mapping of 'key: value' lines, not a {type(data).__name__}."
        )
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: mappings key by key, anything else replaced."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# ---------------------------------------------------------------------------
# validation


def _origin(loc: tuple[Any, ...], layers: list[tuple[str, Any]]) -> str | None:
    """The last of the merged files (``(label, data)``, in merge order) that sets the value at ``loc``."""
    found = None
    for label, data in layers:
        node = data
        for part in loc:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                break
        else:
            found = label
    return found


def _format_validation_error(exc: ValidationError, sources: str, layers: list[tuple[str, Any]] | None = None) -> str:
    lines = []
    several = layers is not None and len(layers) > 1
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        where = _origin(tuple(err["loc"]), layers) if several else None
        at = f" (set in {where})" if where else ""
        kind = err["type"]
        if kind == "extra_forbidden":
            lines.append(f"unknown parameter '{loc}'{at}")
        elif kind == "missing":
            lines.append(f"missing parameter '{loc}'")
        else:
            lines.append(f"parameter '{loc}': {err['msg']} (got {err.get('input')!r}{', set in ' + where if where else ''})")
    return f"Invalid parameters in {sources}: " + "; ".join(lines) + "."


def _valid_keys_hint(exc: ValidationError) -> str:
    hints = []
    for err in exc.errors():
        if err["type"] != "extra_forbidden":
            continue
        model: type[BaseModel] = PackParams
        for part in err["loc"][:-1]:
            field = model.model_fields.get(str(part))
            ann = getattr(field, "annotation", None) if field else None
            # unwrap Optional / unions / lists to find the nested model (e.g. ``Grants | None``)
            candidates = [ann, *typing.get_args(ann)] if ann is not None else []
            for cand in candidates:
                if isinstance(cand, type) and issubclass(cand, BaseModel):
                    model = cand
                    break
        hints.append(", ".join(sorted(model.model_fields)))
    return f" Valid keys here: {hints[0]}." if hints else ""


def pack_names(root: Path, extra: list[Path] | None = None) -> list[str]:
    """Names of the packs listed in ``params/defaults.yaml`` (key ``packs``), or in the last
    ``--params`` file that sets ``packs`` (as :func:`load_pack_params` merges them)."""
    defaults = read_yaml(root / PARAMS_DIRNAME / DEFAULTS_FILE)
    packs = defaults.get("packs")
    if not isinstance(packs, list) or not packs:
        raise ParameterError(f"'{PARAMS_DIRNAME}/{DEFAULTS_FILE}' must list the packs, e.g. 'packs: [borough, north]'.")
    for path in extra or []:
        listed = read_yaml(Path(path)).get("packs")
        if listed:
            packs = listed
    return [str(p) for p in packs]


def load_pack_params(
    root: Path, pack: str, extra: list[Path] | None = None, overrides: dict[str, Any] | None = None
) -> PackParams:
    """Load, merge and validate the parameters of one pack.

    Parameters
    ----------
    root : Path
        Project root (holds ``params/``).
    pack : str
        Pack name; must be listed under ``packs`` in ``defaults.yaml`` and have a ``params/<pack>.yaml``.
    extra : list of Path, optional
        Further YAML files merged over the pack's own (``--params``).
    overrides : dict, optional
        A mapping merged last (used by tests and notebooks).

    Returns
    -------
    PackParams
        Validated parameters.

    Raises
    ------
    ParameterError
        On any unknown key, wrong type, unknown pack or area, naming the file(s) and the valid choices.
    """
    pdir = root / PARAMS_DIRNAME
    merged = read_yaml(pdir / DEFAULTS_FILE)
    sources = [f"'{PARAMS_DIRNAME}/{DEFAULTS_FILE}'"]
    layers: list[tuple[str, Any]] = [(sources[0], merged)]
    for extra_path in extra or []:
        extra_data = read_yaml(Path(extra_path))
        if "packs" in extra_data:
            merged["packs"] = extra_data["packs"]
    valid = [str(p) for p in merged.get("packs") or []]
    if pack not in valid:
        raise ParameterError(f"Unknown pack '{pack}'. Valid packs: {', '.join(valid)}.")
    pack_file = pdir / f"{pack}.yaml"
    pack_data = read_yaml(pack_file)
    merged = deep_merge(merged, pack_data)
    sources.append(f"'{PARAMS_DIRNAME}/{pack}.yaml'")
    layers.append((sources[-1], pack_data))
    for extra_path in extra or []:
        extra_data = read_yaml(Path(extra_path))
        merged = deep_merge(merged, extra_data)
        sources.append(f"'{extra_path}'")
        layers.append((sources[-1], extra_data))
    if overrides:
        merged = deep_merge(merged, overrides)
    merged.setdefault("pack", pack)
    try:
        params = PackParams.model_validate(merged)
    except ValidationError as exc:
        raise ParameterError(_format_validation_error(exc, " + ".join(sources), layers) + _valid_keys_hint(exc)) from None
    _check_files(root, params, sources)
    _check_area(root, params, sources)
    return params


def data_files(params: PackParams) -> list[tuple[str, str]]:
    """Every data file the parameters name, as ``(parameter, path relative to data_dir)``."""
    g, p, d = params.geography, params.population, params.deprivation
    out = [
        (f"geography.{k}", v)
        for k, v in (
            ("ward_area_mapping", g.ward_area_mapping), ("lsoa11_ward_lookup", g.lsoa11_ward_lookup),
            ("lsoa21_ward_lookup", g.lsoa21_ward_lookup), ("lsoa11_lsoa21_lookup", g.lsoa11_lsoa21_lookup),
            ("lsoa11_boundaries", g.lsoa11_boundaries), ("lsoa21_boundaries", g.lsoa21_boundaries),
            ("ward_boundaries", g.ward_boundaries),
        )
        if v
    ]
    out += [(f"population.{k}", v) for k, v in (("lsoa_panel", p.lsoa_panel), ("single_year_of_age", p.single_year_of_age), ("census2021", p.census2021)) if v]
    out += [(f"deprivation.vintages[{i}].file", v.file) for i, v in enumerate(d.vintages)]
    if d.la_summaries:
        out.append(("deprivation.la_summaries", d.la_summaries))
    if params.grants is not None:
        out.append(("grants.register", params.grants.register))
        out += [(f"grants.known_codes_from[{i}]", f) for i, f in enumerate(params.grants.known_codes_from)]
    out += [(f"groupings.options[{i}].file", o.file) for i, o in enumerate(params.groupings.options)]
    return out


def _check_files(root: Path, params: PackParams, sources: list[str]) -> None:
    """Every file the parameters name must exist (checked before anything runs).

    Registered raw files (in ``checksums.sha256``) are left to the checksum check, whose message
    says how to restore them.
    """
    manifest = root / params.data_dir / "checksums.sha256"
    registered = set()
    if manifest.is_file():
        registered = {"raw/" + line.split(None, 1)[1].strip().lstrip("*") for line in manifest.read_text(encoding="utf-8").splitlines() if len(line.split(None, 1)) == 2}
    for name, rel in data_files(params):
        if rel not in registered and not data_path(root, params, rel).is_file():
            raise DataFileError(
                f"parameter '{name}' names file '{rel}', which does not exist under '{params.data_dir}' "
                f"(parameters from {' + '.join(sources)}). Check the path and the spelling."
            )


def _check_area(root: Path, params: PackParams, sources: list[str]) -> None:
    """Check that the pack's area is one of the values of the grouping column."""
    if params.geography.ward_area_mapping is None:
        return  # every ward is its own area: checked when the lookup is read
    mapping = data_path(root, params, params.geography.ward_area_mapping)
    if not mapping.is_file():
        raise DataFileError(
            f"Ward-to-area mapping file '{params.geography.ward_area_mapping}' (parameter geography.ward_area_mapping) "
            f"does not exist under '{params.data_dir}'. Check the path."
        )
    # the csv module, not pandas: this runs on every build, including a no-op one
    import csv

    with open(mapping, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    col = params.geography.grouping_column or params.geography.grouping
    if col not in columns:
        raise ParameterError(
            f"parameter 'geography.grouping' is '{col}', which is not a column of '{mapping.name}' (set geography.grouping_column to name the column). "
            f"Valid groupings: {', '.join(c for c in columns if c not in ('ward_code', 'ward_name'))}."
        )
    if params.area is not None:
        valid = sorted({row[col] for row in rows if row.get(col)})
        if params.area not in valid:
            raise ParameterError(
                f"Unknown {params.geography.grouping_label.lower()} '{params.area}' (parameter 'area' in "
                f"{' + '.join(sources)}). Valid choices: {', '.join(valid)}."
            )


def slug(text: str) -> str:
    """A pack name from an area name: ``"Brownhills, Pelsall & Co" -> "brownhills-pelsall-co"``."""
    import re

    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "area"


def grouping_pack_params(root: Path, grouping: str, extra: list[Path] | None = None) -> dict[str, PackParams]:
    """Parameters of the packs for a grouping from ``groupings.options``: the borough overview plus one per area.

    Parameters
    ----------
    root : Path
        Project root.
    grouping : str
        Name of a grouping listed under ``groupings.options`` (e.g. ``area_partnership``).
    extra : list of Path, optional
        ``--params`` files merged over every pack.

    Returns
    -------
    dict
        ``{pack name: PackParams}``, the borough first, then the areas in name order.

    Raises
    ------
    ParameterError
        If the grouping is unknown (listing the valid ones), or its file lacks the column.
    """
    import csv

    base = load_pack_params(root, "borough", extra)
    options = {o.name: o for o in base.groupings.options}
    if grouping not in options:
        raise ParameterError(
            f"Unknown grouping '{grouping}'. Valid groupings (groupings.options in params): {', '.join(options) or 'none'}."
        )
    opt = options[grouping]
    path = data_path(root, base, opt.file)
    if not path.is_file():
        raise DataFileError(f"Grouping '{grouping}': file '{opt.file}' does not exist under '{base.data_dir}'.")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if opt.column not in (reader.fieldnames or []):
            raise ParameterError(f"Grouping '{grouping}': column '{opt.column}' is not in '{opt.file}'; it has {', '.join(reader.fieldnames or [])}.")
        areas = sorted({row[opt.column].strip() for row in reader if row.get(opt.column, "").strip()})
    names = {a: slug(a) for a in areas}
    if len(set(names.values())) != len(names) or "borough" in names.values():
        raise ParameterError(f"Grouping '{grouping}': area names {areas} do not give distinct pack names.")
    geo = {"ward_area_mapping": opt.file, "grouping": opt.name, "grouping_column": opt.column, "grouping_label": opt.label}
    packs = ["borough", *names.values()]
    out = {"borough": load_pack_params(root, "borough", extra, overrides={"geography": geo, "packs": packs})}
    for area, name in names.items():
        overrides = {"geography": geo, "packs": packs, "pack": name, "title": f"{area} {opt.label}", "area": area}
        out[name] = load_pack_params(root, "borough", extra, overrides=overrides)
    return out


NATIONAL_FILE = "national.yaml"


def national_authorities(root: Path) -> dict[str, str]:
    """``{LA code: name}`` of every local authority in the national LSOA 2021 lookup (``params/national.yaml``)."""
    import csv
    import gzip

    base = read_yaml(root / PARAMS_DIRNAME / NATIONAL_FILE)
    rel = (base.get("geography") or {}).get("lsoa21_ward_lookup")
    if not rel:
        raise ParameterError(f"'{PARAMS_DIRNAME}/{NATIONAL_FILE}' must set geography.lsoa21_ward_lookup (an England-wide LSOA 2021 lookup).")
    path = (root / base.get("data_dir", "data") / rel).resolve()
    if not path.is_file():
        raise DataFileError(f"National lookup '{path}' does not exist. Restore it from git.")
    opener = gzip.open if path.suffix == ".gz" else open
    out: dict[str, str] = {}
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        code_col = next((c for c in reader.fieldnames or [] if c.startswith("LAD") and c.endswith("CD")), None)
        name_col = next((c for c in reader.fieldnames or [] if c.startswith("LAD") and c.endswith("NM")), None)
        if code_col is None or name_col is None:
            raise DataFileError(f"National lookup '{path}' has no LADyyCD/LADyyNM columns.")
        for row in reader:
            out.setdefault(row[code_col], row[name_col])
    return dict(sorted(out.items()))


def national_pack_params(root: Path, codes: list[str], extra: list[Path] | None = None) -> dict[str, PackParams]:
    """Borough-overview parameters for English local authorities from ``params/national.yaml``.

    Parameters
    ----------
    root : Path
        Project root.
    codes : list of str
        ONS local authority codes, or ``["all"]`` for every authority in the national lookup.
    extra : list of Path, optional
        ``--params`` files merged over each.

    Returns
    -------
    dict
        ``{pack name (the code in lower case): PackParams}``.

    Raises
    ------
    ParameterError
        For a code that is not in the lookup (naming it), or invalid parameters.
    """
    known = national_authorities(root)
    wanted = list(known) if codes == ["all"] else list(dict.fromkeys(codes))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ParameterError(
            f"Unknown local authority code(s) {', '.join(unknown)}: not in the national lookup of {len(known)} English authorities "
            "(ONS codes such as E08000030; 'reviewpack list --national' lists them)."
        )
    base = read_yaml(root / PARAMS_DIRNAME / NATIONAL_FILE)
    for p in extra or []:
        base = deep_merge(base, read_yaml(Path(p)))
    packs = [c.lower() for c in wanted]
    out = {}
    for code, name in ((c, known[c]) for c in wanted):
        merged = deep_merge(base, {"local_authority": {"code": code, "name": name}, "pack": code.lower(), "title": f"{name}: borough overview", "area": None, "packs": packs})
        try:
            out[code.lower()] = PackParams.model_validate(merged)
        except ValidationError as exc:
            raise ParameterError(_format_validation_error(exc, f"'{PARAMS_DIRNAME}/{NATIONAL_FILE}'") + _valid_keys_hint(exc)) from None
    return out


def reference_date() -> date:
    """The build's "today": ``SOURCE_DATE_EPOCH`` (UTC) when set, so builds are reproducible; else today."""
    from datetime import datetime, timezone

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
        except ValueError:
            raise ParameterError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, got {epoch!r}.") from None
    return date.today()


def param_strings(value: Any) -> Iterator[str]:
    """Every string value in a parameters dict, at any depth (dict values and list items)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from param_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from param_strings(v)
    elif isinstance(value, str):
        yield value


def data_path(root: Path, params: PackParams, relative: str) -> Path:
    """Resolve a data file named in the parameters (relative to ``data_dir``)."""
    return (root / params.data_dir / relative).resolve()


def params_as_dict(params: PackParams) -> dict[str, Any]:
    """The parameters as plain JSON-able values (what papermill passes to a notebook)."""
    return params.model_dump(mode="json")

