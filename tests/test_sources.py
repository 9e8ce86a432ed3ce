"""Raw data: checksums are verified, and damaged files are named in the error."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewpack.errors import ChecksumError, DataFileError
from reviewpack.ingest.files import read_checksums, read_csv_checked, sha256_file, verify_checksums


def test_every_raw_file_is_registered_and_intact(root: Path) -> None:
    data = root / "data"
    registered = set(read_checksums(data))
    on_disk = {p.name for p in (data / "raw").iterdir() if p.is_file()}
    assert registered == on_disk
    verified = verify_checksums(data)
    assert len(verified) == len(on_disk) >= 28


def test_changed_file_is_named(project_copy: Path) -> None:
    target = project_copy / "data" / "raw" / "walsall_ward_locality.csv"
    target.write_text(target.read_text().replace("North", "Norht", 1))
    with pytest.raises(ChecksumError) as exc:
        verify_checksums(project_copy / "data")
    msg = str(exc.value)
    assert "walsall_ward_locality.csv' has changed" in msg
    assert "git checkout -- data/raw/walsall_ward_locality.csv" in msg


def test_missing_file_is_named(project_copy: Path) -> None:
    (project_copy / "data" / "raw" / "census2021_lsoa21_walsall_age6.csv").unlink()
    with pytest.raises(ChecksumError, match=r"census2021_lsoa21_walsall_age6.csv' is missing"):
        verify_checksums(project_copy / "data")


def test_sha256_matches_known_digest(root: Path) -> None:
    # independent: the digest sha256sum printed when the file was registered
    assert sha256_file(root / "data" / "raw" / "walsall_ward_locality.csv").startswith("c50a2dc366f9")


def test_read_csv_checked_missing_column(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(DataFileError, match=r"Population file '.*x.csv' is missing column\(s\) 'c'") as exc:
        read_csv_checked(f, ["a", "c"], label="Population")
    assert (exc.value.file, exc.value.column) == (str(f), "c")


def test_read_csv_checked_truncated(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a,b\n")
    with pytest.raises(DataFileError, match=r"has 0 data rows; expected at least 1\. It may be truncated"):
        read_csv_checked(f, ["a"])
