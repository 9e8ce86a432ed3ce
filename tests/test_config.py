"""Parameters: merging, validation and the exact messages users see."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewpack.config.loading import deep_merge, load_pack_params, pack_names, read_yaml
from reviewpack.errors import DataFileError, ParameterError


def test_default_packs_and_areas(root: Path) -> None:
    assert pack_names(root) == ["borough", "north", "south", "east", "west"]
    areas = {name: load_pack_params(root, name).area for name in pack_names(root)}
    assert areas == {"borough": None, "north": "North", "south": "South", "east": "East", "west": "West"}
    p = load_pack_params(root, "north")
    assert p.local_authority.code == "E08000030"
    assert p.population.estimate_years == [2014]


def test_deep_merge_replaces_scalars_and_lists_merges_mappings() -> None:
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    assert deep_merge(base, {"a": {"y": [3]}, "c": 2}) == {"a": {"x": 1, "y": [3]}, "b": 1, "c": 2}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": 1}  # not mutated


def test_extra_params_file_overrides(root: Path, tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text("population:\n  pyramid_year: 2017\n")
    assert load_pack_params(root, "north", [f]).population.pyramid_year == 2017


def test_unknown_key_is_an_error_listing_valid_keys(root: Path, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("population:\n  pyramid_yaer: 2017\n")
    with pytest.raises(ParameterError) as exc:
        load_pack_params(root, "north", [f])
    msg = str(exc.value)
    assert "unknown parameter 'population.pyramid_yaer'" in msg
    assert str(f) in msg
    assert "Valid keys here:" in msg and "pyramid_year" in msg


def test_wrong_type_is_an_error(root: Path, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("population:\n  pyramid_year: twenty\n")
    with pytest.raises(ParameterError, match=r"parameter 'population.pyramid_year': Input should be a valid integer.*'twenty'"):
        load_pack_params(root, "north", [f])


def test_parameter_errors_carry_their_location(root: Path, tmp_path: Path) -> None:
    """Besides the message, a user error names what it is about as data (file, row, column, parameter)."""
    f = tmp_path / "bad.yaml"
    f.write_text("population:\n  pyramid_year: twenty\n")
    with pytest.raises(ParameterError) as exc:
        load_pack_params(root, "north", [f])
    assert exc.value.parameter == "population.pyramid_year"
    assert exc.value.where() == "parameter 'population.pyramid_year'"
    with pytest.raises(ParameterError) as exc:
        load_pack_params(root, "north", overrides={"area": "Middle"})
    assert exc.value.parameter == "area" and exc.value.file is None
    f.write_text("population:\n  pyramid_year: [2017\n")
    with pytest.raises(ParameterError) as exc:
        read_yaml(f)
    assert exc.value.file == str(f) and exc.value.row is not None
    assert f"line {exc.value.row}," in str(exc.value)
    assert exc.value.where() == f"file '{f}', row {exc.value.row}"


def test_unknown_area_lists_valid_choices(root: Path, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("area: Central\n")
    with pytest.raises(ParameterError) as exc:
        load_pack_params(root, "north", [f])
    assert "Unknown locality 'Central'" in str(exc.value)
    assert "Valid choices: East, North, South, West." in str(exc.value)


def test_unknown_pack_lists_valid_packs(root: Path) -> None:
    with pytest.raises(ParameterError, match=r"Unknown pack 'centre'\. Valid packs: borough, north, south, east, west\."):
        load_pack_params(root, "centre")


def test_unknown_grouping_column(root: Path, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("geography:\n  grouping: county\n")
    with pytest.raises(ParameterError, match=r"'geography.grouping' is 'county'.*Valid groupings: area_partnership, area_partnership_name, locality"):
        load_pack_params(root, "north", [f])


def test_bad_local_authority_code(root: Path, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("local_authority:\n  code: Walsall\n")
    with pytest.raises(ParameterError, match=r"parameter 'local_authority.code': String should match pattern"):
        load_pack_params(root, "north", [f])


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "is empty"),
        ("area: [North\n", "is not valid YAML at line"),
        ("- a\n- b\n", "must be a mapping of 'key: value' lines, not a list"),
    ],
)
def test_unreadable_yaml(tmp_path: Path, text: str, fragment: str) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(text)
    with pytest.raises(ParameterError, match=fragment):
        read_yaml(f)


def test_missing_params_file(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"Parameter file '.*nope.yaml' does not exist"):
        read_yaml(tmp_path / "nope.yaml")


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("area: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ParameterError, match="is not valid YAML"):
        read_yaml(f)


def test_missing_mapping_file(root: Path, tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("geography:\n  ward_area_mapping: raw/nope.csv\n")
    with pytest.raises(DataFileError, match=r"parameter 'geography.ward_area_mapping' names file 'raw/nope.csv', which does not exist under 'data'"):
        load_pack_params(root, "north", [f])


def test_an_invalid_value_names_the_file_that_set_it(root: Path, tmp_path: Path) -> None:
    """Parameters are merged from several files; the message says which one holds the mistake."""
    mine = tmp_path / "mine.yaml"
    mine.write_text("titel: x\ndeprivation:\n  most_deprived_n: many\n", encoding="utf-8")
    with pytest.raises(ParameterError) as info:
        load_pack_params(root, "north", [mine])
    msg = str(info.value)
    assert f"unknown parameter 'titel' (set in '{mine}')" in msg
    assert "parameter 'deprivation.most_deprived_n': Input should be a valid integer" in msg
    assert f"(got 'many', set in '{mine}')" in msg
