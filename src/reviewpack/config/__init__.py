"""Stage 1 -- parameters: load the YAML files in ``params/``, merge them and validate them.

Parameters are validated **before** any notebook runs.  papermill only warns
about unknown parameters, so everything is checked here: unknown keys, wrong
types, unknown packs and unknown areas are errors that list the valid choices.

Layout of ``params/``::

    defaults.yaml     shared defaults (local authority, data files, methods, pack list)
    <pack>.yaml       one per pack: ``title`` and ``area`` (null for the borough overview)

A pack's parameters are ``defaults.yaml`` <- ``<pack>.yaml`` <- ``--params FILE``
(later files win; mappings are merged key by key, lists and scalars replaced).

Modules: :mod:`~reviewpack.config.models` (the pydantic schema), :mod:`~reviewpack.config.loading`
(read, merge, validate, check files and area), :mod:`~reviewpack.config.selections` (``--grouping``
and ``--national`` pack sets), :mod:`~reviewpack.config.paths` (project root, data paths, build
date).  Everything public is importable from ``reviewpack.config``.  No pandas here: this runs on
every build, including a no-op one.
"""

from __future__ import annotations

from .loading import data_files, deep_merge, load_pack_params, pack_names, read_yaml
from .models import (
    Allocation,
    Context,
    Demand,
    Deprivation,
    Geography,
    Grants,
    GroupingOption,
    Groupings,
    ImdVintage,
    LocalAuthority,
    PackParams,
    Population,
)
from .paths import DEFAULTS_FILE, PARAMS_DIRNAME, data_path, find_project_root, param_strings, params_as_dict, reference_date
from .selections import NATIONAL_FILE, grouping_pack_params, national_authorities, national_pack_params, slug

__all__ = [
    "DEFAULTS_FILE",
    "NATIONAL_FILE",
    "PARAMS_DIRNAME",
    "Allocation",
    "Context",
    "Demand",
    "Deprivation",
    "Geography",
    "Grants",
    "GroupingOption",
    "Groupings",
    "ImdVintage",
    "LocalAuthority",
    "PackParams",
    "Population",
    "data_files",
    "data_path",
    "deep_merge",
    "find_project_root",
    "grouping_pack_params",
    "load_pack_params",
    "national_authorities",
    "national_pack_params",
    "pack_names",
    "param_strings",
    "params_as_dict",
    "read_yaml",
    "reference_date",
    "slug",
]
