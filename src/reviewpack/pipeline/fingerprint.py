"""Input fingerprints: digests of everything a pack's bytes depend on, and the cache keys made of them.

* :func:`source_digest` -- the package's own files (code, templates, styles);
* :func:`environment_fingerprint` -- Python and every installed distribution;
* :func:`notebooks_digest` -- every file under ``notebooks/`` (what a pack's notebook is composed from);
* :class:`Fingerprint` -- those, the data digest and the page furniture: what every pack of a
  build depends on besides its own parameters and notebook;
* :func:`cache_key` -- one pack's key: the fingerprint, the pack's notebook text, its resolved
  parameters and the files they name outside the data folder;
* :func:`inputs_digest` -- a whole build's inputs, as the no-op check sees them before anything
  is parsed (:func:`reviewpack.pipeline.cache.up_to_date`).

Nothing here imports pydantic, pandas, papermill or nbconvert.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..ingest.files import sha256_file
from .page import pack_page

if TYPE_CHECKING:
    from .plan import BuildPlan

#: The package folder (``reviewpack/``), whose every file is in :func:`source_digest`.
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def source_digest() -> str:
    """SHA-256 of the package's own files (code, templates, styles) as they are on disk."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}:
            h.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
            h.update(bytes.fromhex(sha256_file(path)))
    return h.hexdigest()


def environment_fingerprint() -> str:
    """Python version and every installed distribution's name and version, cheaply.

    Read from the names of the ``*.dist-info`` folders in the environment's
    site-packages (they carry the version), not from importing anything: a pandas or matplotlib
    upgrade changes the charts' bytes, so it must change the cache key.
    """
    import sysconfig

    names: set[str] = set()
    paths = sysconfig.get_paths()
    for entry in sorted({paths["purelib"], paths["platlib"]}):
        try:
            with os.scandir(entry) as it:
                names.update(e.name for e in it if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    h = hashlib.sha256(sys.version.encode())
    for name in sorted(names):
        h.update(name.encode() + b"\0")
    return h.hexdigest()


def notebooks_digest(root: Path) -> str:
    """SHA-256 of every file under ``notebooks/`` (names and contents; hidden files and folders skipped).

    Taken before any pack's notebook is composed, so it covers whatever a composition reads;
    a file changed after it was taken only makes the next no-op check fail, never pass.
    """
    h = hashlib.sha256()
    ndir = root / "notebooks"
    for path in sorted(ndir.rglob("*")):
        rel = path.relative_to(ndir)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            h.update(f"{rel.as_posix()}\0{sha256_file(path)}\n".encode())
    return h.hexdigest()


def text_digest(text: str) -> str:
    """SHA-256 of a text (a pack's notebook) as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Fingerprint:
    """What every pack of a build depends on, besides its own parameters and notebook.

    Attributes
    ----------
    notebooks : str
        :func:`notebooks_digest` (in the build's inputs digest; each pack's key has its own text).
    data : str
        Digest of every file under the data folder (:func:`reviewpack.pipeline.verify.verify_data`).
    source : str
        :func:`source_digest`.
    environment : str
        :func:`environment_fingerprint`.
    page : str
        Digest of the page furniture packs are executed with (empty where it is not known yet).
    """

    notebooks: str
    data: str
    source: str
    environment: str
    page: str = ""

    def common(self) -> str:
        """The part of every pack's cache key that is the same for the whole build."""
        return hashlib.sha256("|".join([self.data, self.source, self.environment, __version__, self.page]).encode()).hexdigest()


def fingerprint(plan: BuildPlan, data_digest: str) -> Fingerprint:
    """Digest the build-wide inputs of the cache keys (the code and environment as they are now)."""
    return Fingerprint(
        notebooks=plan.notebooks_digest,
        data=data_digest,
        source=source_digest(),
        environment=environment_fingerprint(),
        page=hashlib.sha256(json.dumps(pack_page(plan.page), sort_keys=True).encode()).hexdigest(),
    )


def code_unchanged(fp: Fingerprint) -> bool:
    """True if the package's code on disk is still what ``fp`` describes (checked after the runs)."""
    return source_digest() == fp.source


def cache_key(plan: BuildPlan, pack: str, fp: Fingerprint, external: dict[str, str] | None = None) -> str:
    """Key of a pack's cached output.

    Parameters
    ----------
    plan : BuildPlan
        The build (the pack's notebook text and resolved parameters).
    pack : str
        The pack.
    fp : Fingerprint
        The build-wide inputs.
    external : dict, optional
        ``{path: sha256 | "dir" | "missing"}`` of files the pack's parameters name outside the data folder.
    """
    from ..config import params_as_dict

    h = hashlib.sha256()
    h.update(fp.common().encode())
    h.update(text_digest(plan.notebooks[pack]).encode())
    h.update(json.dumps(params_as_dict(plan.packs[pack]), sort_keys=True).encode())
    h.update(json.dumps(external or {}, sort_keys=True).encode())
    h.update(pack.encode())
    return h.hexdigest()[:32]


def inputs_digest(request: str, fp: Fingerprint, external: dict[str, str], stamped: dict[str, Any]) -> str:
    """Everything a build's output depends on, as digests of files (nothing parsed).

    Parameters
    ----------
    request : str
        :func:`reviewpack.pipeline.plan.request_digest` (the request and the parameter files).
    fp : Fingerprint
        Notebooks, data, code and environment (its ``page`` is not used: the page furniture is
        made from the inputs here).
    external : dict
        States of every file the parameters name outside the data folder.
    stamped : dict
        ``build_date`` and ``commit`` (:func:`reviewpack.pipeline.page.stamped_values`, or the page).
    """
    parts = [
        request, fp.notebooks, fp.data, json.dumps(external, sort_keys=True), fp.source, fp.environment, __version__,
        str(stamped["build_date"]), str(stamped["commit"]),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
