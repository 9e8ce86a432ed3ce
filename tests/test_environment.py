"""environment.yml (conda users) lists the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req).lower().replace("_", "-")


def test_environment_matches_pyproject(root: Path) -> None:
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    env = yaml.safe_load((root / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    conda_pkgs = {_norm(d) for d in deps if isinstance(d, str) and not d.startswith(("python=", "pip"))}
    expected = {_norm(d) for d in pyproject["project"]["dependencies"]}
    # conda spells version ranges the same way (>=a,<b); every runtime dependency is listed once
    conda_as_pip = {c.replace("=>", ">=") for c in conda_pkgs}
    assert conda_as_pip == expected
    assert "-e ." in pip_section or "-e .[test]" in pip_section


def test_every_dependency_has_lower_and_upper_bounds(root: Path) -> None:
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    reqs = list(pyproject["project"]["dependencies"])
    for extra in pyproject["project"]["optional-dependencies"].values():
        reqs += extra
    for req in reqs:
        assert ">=" in req and "<" in req, f"{req} needs a lower and an upper bound"
