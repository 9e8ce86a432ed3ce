#!/usr/bin/env python
"""What the workbooks and the PDFs add to a build (``make bench``; needs ``make pdf`` for the PDFs).

In a throw-away copy of the project (``params/``, ``data/``, ``notebooks/``; the installed package):

1. ``reviewpack build`` once, to fill the build cache (not timed);
2. ``reviewpack build --out A`` -- every pack from the cache, published with its workbook;
3. ``reviewpack build --out B --pdf`` -- the same, plus every PDF.

(3) minus (2) is what the PDFs add to a build; the build's timings file (``.cache/reviewpack/timings/``) says how long the workbooks
and the PDFs took inside the publish step, and the manifest gives each PDF's page count.  Each of
(2) and (3) is run ``--runs`` times into fresh folders; the medians are reported.

Usage::

    python benchmarks/pdf_bench.py [--packs borough north ...] [--runs 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reviewpack.pipeline.timings import read_timings

ROOT = Path(__file__).resolve().parents[1]
REVIEWPACK = Path(sys.executable).parent / "reviewpack"


def _build(project: Path, out: Path, packs: list[str], *extra: str) -> float:
    args = [str(REVIEWPACK), "--project", str(project), "build", "--out", str(out), *extra]
    for p in packs:
        args += ["--pack", p]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packs", nargs="+", default=[], help="packs (default: every pack)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="reviewpack-pdf-bench-") as tmp_name:
        tmp = Path(tmp_name)
        project = tmp / "project"
        for part in ("params", "data", "notebooks"):
            shutil.copytree(ROOT / part, project / part)
        _build(project, tmp / "warm", args.packs)
        plain, with_pdf, timings = [], [], []
        for run in range(args.runs):
            plain.append(_build(project, tmp / f"plain-{run}", args.packs))
            out = tmp / f"pdf-{run}"
            with_pdf.append(_build(project, out, args.packs, "--pdf"))
            timings.append(read_timings(project, out)["exports"])  # kept outside the published folder
        manifest = json.loads((tmp / "pdf-0" / "manifest.json").read_text(encoding="utf-8"))
        pages = {name: entry["pdf_pages"] for name, entry in manifest["packs"].items() if "pdf_pages" in entry}
        sizes = {name: (tmp / "pdf-0" / entry["pdf"]).stat().st_size for name, entry in manifest["packs"].items() if "pdf" in entry}

    result = {
        "packs": list(pages),
        "pdf_pages": pages,
        "pdf_bytes": sizes,
        "build_from_cache_seconds": round(statistics.median(plain), 2),
        "build_from_cache_with_pdf_seconds": round(statistics.median(with_pdf), 2),
        "pdf_added_seconds": round(statistics.median(with_pdf) - statistics.median(plain), 2),
        "pdf_publish_seconds": round(statistics.median(t["pdf_seconds"] for t in timings), 2),
        "xlsx_publish_seconds": round(statistics.median(t["xlsx_seconds"] for t in timings), 2),
        "pdf_seconds_per_pack": {n: round(statistics.median(t["pdf"][n]["seconds"] for t in timings), 2) for n in pages},
        "runs": args.runs,
    }
    print(f"PDFs: {len(pages)} packs, {sum(pages.values())} pages ({', '.join(f'{n} {p}' for n, p in pages.items())})")
    print(f"build from the cache: {result['build_from_cache_seconds']} s; with --pdf: {result['build_from_cache_with_pdf_seconds']} s "
          f"(+{result['pdf_added_seconds']} s; printing alone {result['pdf_publish_seconds']} s)")
    print(f"workbooks: {result['xlsx_publish_seconds']} s for {len(pages)} packs")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
