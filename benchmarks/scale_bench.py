#!/usr/bin/env python
"""Scale check, run by ``make bench`` (not by ``make test``): borough overviews for many councils.

Builds ``reviewpack build --national CODE ...`` (``params/national.yaml``: the
England-wide IoD 2025, Census 2021 and ONS lookups, wards as areas) for growing
numbers of English local authorities, in a throw-away copy of the project, each
run with ``--force`` so every pack is executed.  Prints, for each size, the wall
time, packs per minute, peak memory and output size; fits ``time = fixed +
per_pack * n`` by least squares; and extrapolates to every authority in the
national lookup (296).

The authorities are spread evenly over the lookup (sorted by code), so the
sample mixes counties' districts, unitaries, metropolitan and London boroughs.

Usage::

    python benchmarks/scale_bench.py [--sizes 4 12 24] [--jobs N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_bench import BIN, ROOT, bench_env, html_bytes, mb, project_copy, run

from reviewpack.pipeline.timings import read_timings


def spread(codes: list[str], n: int) -> list[str]:
    """``n`` codes spread evenly over ``codes`` (first and last included when n > 1)."""
    if n >= len(codes):
        return list(codes)
    if n == 1:
        return [codes[len(codes) // 2]]
    step = (len(codes) - 1) / (n - 1)
    return [codes[round(i * step)] for i in range(n)]


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares ``(fixed, per_pack)`` for ``seconds = fixed + per_pack * packs``."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return 0.0, my / mx
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    return my - slope * mx, slope


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[4, 12, 24], help="numbers of authorities to build (default: 4 12 24)")
    ap.add_argument("--jobs", type=int, default=None, help="reviewpack --jobs (default: its default, the number of cores)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    if any(s < 1 for s in args.sizes):
        ap.error("--sizes must be positive")

    sys.path.insert(0, str(ROOT / "src"))
    from reviewpack.config import national_authorities
    from reviewpack.pipeline.plan import default_jobs

    known = national_authorities(ROOT)
    codes = sorted(known)
    jobs = args.jobs or default_jobs()
    print(f"reviewpack scale benchmark: national borough overviews, {len(codes)} authorities in the lookup, "
          f"{os.cpu_count()} cores, {jobs} jobs; load average {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="reviewpack-scale-") as tmp:
        proj = project_copy(Path(tmp) / "project")
        for size in args.sizes:
            chosen = spread(codes, size)
            out = proj / "reports" / f"national-{size}"
            cmd = [str(BIN / "reviewpack"), "--project", str(proj), "build", "--force", "--out", str(out), "--jobs", str(jobs)]
            cmd += [a for c in chosen for a in ("--national", c)]
            print(f"  building {size} authorities ({', '.join(chosen[:4])}{', ...' if size > 4 else ''}) ...", flush=True)
            wall, sampler, _ = run(cmd, proj, bench_env())
            built = sorted(p.stem for p in out.glob("*.html") if p.name != "index.html")
            if len(built) != size:
                raise SystemExit(f"expected {size} packs in {out}, found {len(built)}")
            timings = read_timings(proj, out)  # kept outside the published folder
            per_pack = [p["seconds"] for p in timings["packs"].values()]
            rows.append({
                "packs": size, "wall_s": round(wall, 2), "packs_per_min": round(60 * size / wall, 1),
                "mean_pack_s": round(sum(per_pack) / len(per_pack), 2), "max_pack_s": round(max(per_pack), 2),
                "peak_rss_mib": mb(sampler.peak_rss), "peak_pss_mib": mb(sampler.peak_pss),
                "html_bytes": html_bytes(out), "codes": chosen,
            })

    print()
    head = f"{'packs':>6} {'wall s':>8} {'packs/min':>10} {'mean pack s':>12} {'max pack s':>11} {'PSS MiB':>8} {'RSS MiB':>8} {'HTML MB':>8}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['packs']:>6} {r['wall_s']:>8.1f} {r['packs_per_min']:>10.1f} {r['mean_pack_s']:>12.2f} {r['max_pack_s']:>11.2f} "
              f"{r['peak_pss_mib']:>8.0f} {r['peak_rss_mib']:>8.0f} {r['html_bytes'] / 1e6:>8.1f}")
    fixed, slope = fit([(r["packs"], r["wall_s"]) for r in rows])
    total = len(codes)
    estimate = fixed + slope * total
    print()
    print(f"fit: wall ≈ {fixed:.1f} s + {slope:.2f} s × packs  (time grows linearly: the fixed part is start-up, checks and publishing)")
    print(f"extrapolated to all {total} authorities with {jobs} jobs: {estimate:.0f} s ≈ {estimate / 60:.1f} min "
          f"({60 * total / estimate:.0f} packs/min); HTML ≈ {rows[-1]['html_bytes'] / rows[-1]['packs'] * total / 1e6:.0f} MB")
    print("more cores (--jobs) or a Dask cluster (--executor dask --scheduler ADDRESS) divide the per-pack part.")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "fixed_s": fixed, "per_pack_s": slope, "extrapolated_all_s": estimate}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
