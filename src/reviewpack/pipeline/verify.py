"""Input checks: the raw data against its checksums, the files parameters name, and the reconciliation.

``file-hashes.json`` (in the build cache) maps ``(size, mtime, ctime, inode)`` to the SHA-256 of
data files, as git's index does, so a no-op build does not re-read every data file.  An entry is
only recorded once the file is more than 2 s old, so a change within the clock's resolution
cannot hide; any write to a file changes its ctime.  ``--force`` and ``--no-cache`` hash
everything again.

``reconcile/<key>.json`` holds the reconciliation result (it needs pandas and about a second),
keyed on the data digest, external files, code, environment, version and the parameters that are
not pack-specific.  A failed reconciliation is never stored.  ``--force`` rebuilds packs but
reuses it; ``--no-cache`` runs the checks again.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import ChecksumError
from ..ingest.files import CHECKSUM_FILE, sha256_file
from .store import CACHE_DIR, write_atomic

if TYPE_CHECKING:
    from ..config import PackParams
    from .fingerprint import Fingerprint
    from .plan import BuildPlan


class FileHashes:
    """SHA-256 of files, remembered by ``(size, mtime, ctime, inode)`` between builds (see the module docstring).

    Parameters
    ----------
    root : Path
        Project root (the record lives in its build cache).
    enabled : bool
        Read and update the record; ``False`` hashes every file.
    """

    SAFE_AGE_NS = 2_000_000_000

    def __init__(self, root: Path, enabled: bool) -> None:
        self.path = root / CACHE_DIR / "file-hashes.json"
        self.enabled = enabled
        self.known: dict[str, list[Any]] = {}
        self.fresh: dict[str, list[Any]] = {}
        if enabled:
            try:
                self.known = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.known = {}

    def sha256(self, path: Path) -> str:
        """The file's SHA-256, from the record when its signature is unchanged."""
        st = path.stat()
        sig = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        key = str(path)
        hit = self.known.get(key)
        if self.enabled and hit and hit[:4] == sig:
            self.fresh[key] = hit
            return str(hit[4])
        digest = sha256_file(path)
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > self.SAFE_AGE_NS:
            self.fresh[key] = [*sig, digest]
        return digest

    def save(self) -> None:
        """Record the hashes seen by this build (only those: files gone or changed drop out)."""
        if not self.enabled or self.fresh == self.known:
            return
        write_atomic(self.path, json.dumps(self.fresh, sort_keys=True))


_FileHashes = FileHashes  # the name it had in reviewpack.build


def _read_checksum_file(data_dir: Path) -> dict[str, str] | None:
    """``{name: sha256}`` from ``checksums.sha256``, or ``None`` if it is missing or malformed
    (:func:`verify_data` then lets :func:`reviewpack.ingest.files.verify_checksums` say what is wrong)."""
    from ..ingest.files import read_checksums

    try:
        return read_checksums(data_dir)
    except (ChecksumError, OSError, UnicodeDecodeError):
        return None


def verify_data(data_dir: Path, hashes: FileHashes) -> tuple[dict[str, str], str]:
    """Verify the raw files against ``checksums.sha256`` and digest the whole data folder.

    Returns
    -------
    tuple
        ``({raw file: sha256}, digest of every file under data_dir)``.

    Raises
    ------
    ChecksumError
        As :func:`reviewpack.ingest.files.verify_checksums` (which writes every message).
    """
    expected = _read_checksum_file(data_dir)
    ok = expected is not None
    if expected is not None:
        for name, sha in sorted(expected.items()):
            path = data_dir / "raw" / name
            if not path.is_file() or hashes.sha256(path) != sha:
                ok = False
                break
    if not ok or expected is None:
        from ..ingest.files import verify_checksums

        verify_checksums(data_dir)  # raises, naming the file and what to do
        raise ChecksumError(f"The data files in '{data_dir}' do not match '{CHECKSUM_FILE}'.")  # pragma: no cover
    h = hashlib.sha256()
    registered = {f"raw/{n}" for n in expected}
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(data_dir).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue  # editor and OS litter (.DS_Store, .swp)
        sha = expected[rel[4:]] if rel in registered else hashes.sha256(path)
        h.update(f"{rel}\0{sha}\n".encode())
    return dict(sorted(expected.items())), h.hexdigest()


def referenced_files(params: PackParams, data_dir: Path) -> list[Path]:
    """Files the parameters name **outside** the data folder (e.g. ``grants.register: /srv/grants.csv``).

    Only the parameters that name files (:func:`reviewpack.config.data_files`) are read as paths,
    the way :func:`reviewpack.config.data_path` resolves them (relative to ``data_dir``, or
    absolute); those inside ``data_dir`` are already in the data digest.  Any other string -- a
    title, an area name, ``/proc/self/pagemap`` typed into a caption -- is never opened.
    """
    from ..config import data_files

    found: set[Path] = set()
    for _, value in data_files(params):
        if not value or len(value) >= 4096 or "\n" in value or "\0" in value:
            continue
        try:
            path = (data_dir / value).resolve()
        except (OSError, RuntimeError, ValueError):
            continue
        if path != data_dir and data_dir not in path.parents:
            found.add(path)
    return sorted(found)


def file_states(paths: list[Path] | list[str], hashes: FileHashes) -> dict[str, str]:
    """``{path: sha256 | "dir" | "missing"}`` for files named by the parameters outside the data folder."""
    states = {}
    for path in map(Path, paths):
        states[str(path)] = hashes.sha256(path) if path.is_file() else ("dir" if path.is_dir() else "missing")
    return states


_file_states = file_states  # the name it had in reviewpack.build


@dataclass
class Inputs:
    """The verified inputs of a build (see :func:`check_inputs`)."""

    data_dir: Path
    checksums: dict[str, str]
    data_digest: str
    external: dict[str, dict[str, str]] = field(default_factory=dict)  # {pack: {path: state}}

    @property
    def every_external(self) -> dict[str, str]:
        """``{path: state}`` of every file any pack names outside the data folder."""
        return {path: state for states in self.external.values() for path, state in states.items()}


def check_inputs(plan: BuildPlan) -> Inputs:
    """Verify the data folder of a build and take the state of every file its packs name outside it.

    Raises
    ------
    ChecksumError
        If a raw file is missing or changed (as :func:`verify_data`).
    """
    first = next(iter(plan.packs.values()))
    data_dir = (plan.root / first.data_dir).resolve()
    hashes = FileHashes(plan.root, enabled=plan.use_cache and not plan.force)
    checksums, data_digest = verify_data(data_dir, hashes)
    external = {n: file_states(referenced_files(p, data_dir), hashes) for n, p in plan.packs.items()}
    hashes.save()
    return Inputs(data_dir, checksums, data_digest, external)


def check_unchanged(inputs: Inputs, out_dir: Path) -> None:
    """After the runs: the data and the files named outside it must still be what the cache keys describe.

    Raises
    ------
    ChecksumError
        If any changed while the build was running (nothing is then cached or published).
    """
    rehash = FileHashes(inputs.data_dir, enabled=False)  # read every file again
    again, again_digest = verify_data(inputs.data_dir, rehash)
    every = inputs.every_external
    if again != inputs.checksums or again_digest != inputs.data_digest or file_states(sorted(every), rehash) != every:
        raise ChecksumError(
            f"Data files in '{inputs.data_dir}' changed while the build was running, so nothing was published and "
            f"'{out_dir}' is unchanged. Run the build again."
        )


# ---------------------------------------------------------------------------
# reconciliation: totals add up, every LSOA in exactly one area


def _shared_params(params: PackParams) -> dict[str, Any]:
    """A pack's parameters without those that only name the pack (the checks do not depend on them)."""
    from ..config import params_as_dict

    return {k: v for k, v in params_as_dict(params).items() if k not in ("pack", "title", "area")}


def _reconcile(plan: BuildPlan) -> dict[str, Any]:
    """Run the reconciliation checks once per distinct set of inputs (once for a borough and its
    localities; once per council in a ``--national`` build, keyed by its code)."""
    from ..analysis.sections import Pack
    from ..ingest.inputs import PackInputs

    distinct: dict[str, PackParams] = {}
    for params in plan.packs.values():
        distinct.setdefault(json.dumps(_shared_params(params), sort_keys=True), params)
    checks = [(p, Pack(PackInputs(plan.root, p)).reconciliation()) for p in distinct.values()]
    if len(checks) == 1:
        return checks[0][1]
    codes = [p.local_authority.code for p, _ in checks]
    if len(set(codes)) == len(codes):
        return {"by_local_authority": {p.local_authority.code: c for p, c in checks}}
    return {"by_pack": {p.pack: c for p, c in checks}}


def reconcile(plan: BuildPlan, fp: Fingerprint, external: dict[str, str]) -> dict[str, Any]:
    """The reconciliation checks, from the cache when their inputs are unchanged.

    Raises
    ------
    ReviewpackError
        If a check fails (as :meth:`reviewpack.analysis.sections.Pack.reconciliation`); nothing is stored then.
    """
    shared = sorted({json.dumps(_shared_params(p), sort_keys=True) for p in plan.packs.values()})
    parts = [fp.data, fp.source, fp.environment, __version__, json.dumps(shared), json.dumps(external, sort_keys=True)]
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    path = plan.root / CACHE_DIR / "reconcile" / f"{key}.json"
    # --force rebuilds the packs; these checks are a function of exactly the inputs in the key, so a
    # result recorded for them stands (--no-cache runs them again)
    if plan.use_cache:
        try:
            result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return result
        except (OSError, ValueError):
            pass
    result = _reconcile(plan)
    if plan.use_cache:
        write_atomic(path, json.dumps(result, sort_keys=True))
        for old in path.parent.glob("*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    return result
