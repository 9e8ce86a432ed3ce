#!/usr/bin/env python
"""Build benchmarks, run by ``make bench`` (not by ``make test``).

In one run, on the default packs, in a throw-away copy of the project
(``params/``, ``data/``, ``notebooks/``; the package is the installed one):

(a) the naive loop a user would script: ``papermill`` CLI, then
    ``jupyter nbconvert --to html --no-input`` CLI, pack after pack;
(b) ``reviewpack build --force --jobs 1``;
(c) ``reviewpack build --force`` with the default jobs (and, for before/after,
    the same with the kernel template off: ``REVIEWPACK_PREFORK=0``, and with the
    parsed-file cache ``.cache/reviewpack/reads/`` emptied first: every file parsed again);
(d) a warm no-op ``reviewpack build`` (nothing changed; median of several runs);
(e) a build after changing one pack's parameter (its title);
(f) the floor: the notebook's code cells executed with ``exec`` in one plain Python
    process -- parameters injected as papermill does, IPython's ``display``
    stubbed -- so the same analysis and chart rendering, but no kernel and no HTML.
    It follows the notebook as sections are added.

Every command runs as a subprocess; wall time is measured around it, memory by
sampling its whole process tree (kernels included) with psutil when installed
(else ``getrusage(RUSAGE_CHILDREN)``: the largest single process that was waited for).

Usage::

    python benchmarks/build_bench.py [--packs borough north ...] [--skip-naive] [--noop-runs 7] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from reviewpack.pipeline.timings import read_timings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
try:
    import psutil
except ImportError:  # pragma: no cover
    psutil = None


# ---------------------------------------------------------------------------
# measuring


@dataclass
class Measurement:
    """One scenario: wall seconds, peak memory of the process tree, output size."""

    label: str
    wall: float
    peak_rss_mb: float = 0.0  # sum of RSS over the tree (shared pages counted in each process)
    peak_pss_mb: float = 0.0  # sum of PSS over the tree (shared pages divided: the real total)
    max_process_rss_mb: float = 0.0
    cpu_seconds: float = 0.0  # user + system time of every process of the tree (sampled)
    html_bytes: int = 0
    notes: str = ""
    extra: dict = field(default_factory=dict)


class TreeSampler(threading.Thread):
    """Samples the memory of a process and all its descendants every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.max_rss = 0
        self.cpu: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        if psutil is None:  # the largest child waited for so far (Linux reports KiB): the docstring's fallback
            self.stop.wait()
            self.max_rss = self.peak_rss = self.peak_pss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            rss = pss = 0
            for p in procs:
                try:
                    info = p.memory_full_info()
                    t = p.cpu_times()
                    self.cpu[p.pid] = max(self.cpu.get(p.pid, 0.0), t.user + t.system)
                except psutil.Error:
                    continue
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
                self.max_rss = max(self.max_rss, info.rss)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.stop.wait(self.interval)

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True) -> tuple[float, TreeSampler, subprocess.CompletedProcess]:
    """Run ``cmd``; return (wall seconds, memory sampler, completed process)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    done = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if check and proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}")
    return wall, sampler, done


def mb(n: int) -> float:
    return round(n / 2**20, 1)


def html_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.html") if p.name != "index.html")


def project_copy(dest: Path) -> Path:
    for part in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / part, dest / part, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


def bench_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REVIEWPACK_PREFORK", "REVIEWPACK_ROOT")}
    env.update(extra)
    return env


# ---------------------------------------------------------------------------
# scenarios


def naive_loop(proj: Path, packs: list[str]) -> Measurement:
    """(a) papermill CLI then nbconvert CLI, one pack after another, as a user would script it.

    Each pack's notebook is composed from the topic notebooks first (not timed), as a user of the
    plain CLIs would keep one notebook per pack.
    """
    from reviewpack.config import load_pack_params, params_as_dict
    from reviewpack.pipeline.compose import pack_notebook

    out = proj / "naive"
    out.mkdir()
    for name in packs:
        (out / f"{name}-in.ipynb").write_text(pack_notebook(proj, params_as_dict(load_pack_params(proj, name))), encoding="utf-8")
    env = bench_env(REVIEWPACK_ROOT=str(proj))
    total, peak_rss, peak_pss, max_rss, cpu = 0.0, 0, 0, 0, 0.0
    for name in packs:
        for cmd in (
            [str(BIN / "papermill"), f"naive/{name}-in.ipynb", f"naive/{name}.ipynb", "-p", "pack", name, "--no-progress-bar"],
            [str(BIN / "jupyter-nbconvert"), "--to", "html", "--no-input", f"naive/{name}.ipynb"],
        ):
            wall, s, _ = run(cmd, proj, env)
            total += wall
            cpu += s.cpu_seconds
            peak_rss, peak_pss, max_rss = max(peak_rss, s.peak_rss), max(peak_pss, s.peak_pss), max(max_rss, s.max_rss)
    m = Measurement("(a) naive loop: papermill CLI + nbconvert CLI", total, mb(peak_rss), mb(peak_pss), mb(max_rss), html_bytes=html_bytes(out))
    m.cpu_seconds = cpu
    return m


def reviewpack(proj: Path, label: str, args: list[str], env: dict[str, str] | None = None) -> Measurement:
    cmd = [str(BIN / "reviewpack"), "--project", str(proj), "build", *args]
    wall, s, _ = run(cmd, proj, env or bench_env())
    out = proj / "reports" / "latest"
    timings = read_timings(proj, out)  # kept outside the published folder (pipeline/timings.py)
    statuses = {n: p["status"] for n, p in timings["packs"].items()}
    m = Measurement(label, wall, mb(s.peak_rss), mb(s.peak_pss), mb(s.max_rss), html_bytes=html_bytes(out))
    m.cpu_seconds = s.cpu_seconds
    m.extra = {"statuses": statuses, "timings": timings}
    m.notes = ", ".join(f"{n} {st}" for n, st in statuses.items())
    return m


def cold_reads(proj: Path, label: str, args: list[str]) -> Measurement:
    """(c) with ``.cache/reviewpack/reads/`` emptied first: every input file parsed again (once, in the kernel template)."""
    shutil.rmtree(proj / ".cache" / "reviewpack" / "reads", ignore_errors=True)
    return reviewpack(proj, label, args)


def noop(proj: Path, runs: int) -> Measurement:
    """(d) ``reviewpack build`` with nothing changed: nothing may be rewritten."""
    out = proj / "reports" / "latest"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    walls, samplers = [], []
    for _ in range(runs):
        wall, s, done = run([str(BIN / "reviewpack"), "--project", str(proj), "build"], proj, bench_env())
        walls.append(wall)
        samplers.append(s)
        assert " built " not in done.stdout, done.stdout
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    m = Measurement(
        f"(d) warm no-op build (median of {runs})", statistics.median(walls),
        mb(max(s.peak_rss for s in samplers)), mb(max(s.peak_pss for s in samplers)), mb(max(s.max_rss for s in samplers)),
        cpu_seconds=statistics.median(s.cpu_seconds for s in samplers), html_bytes=html_bytes(out),
    )
    m.notes = f"min {min(walls):.3f}s max {max(walls):.3f}s; output folder untouched: {'yes' if before == after else 'NO'}"
    m.extra = {"walls": walls, "untouched": before == after}
    return m


def floor(proj: Path, packs: list[str]) -> Measurement:
    """(f) the notebook's code in one plain Python process (see :func:`floor_main`)."""
    wall, s, done = run([sys.executable, __file__, "--floor", str(proj), "--packs", *packs], proj, bench_env(REVIEWPACK_ROOT=str(proj)))
    detail = json.loads(done.stdout.strip().splitlines()[-1])
    m = Measurement("(f) floor: notebook code in one process, no kernel, no HTML", wall, mb(s.peak_rss), mb(s.peak_pss), mb(s.max_rss), s.cpu_seconds)
    m.notes = f"imports {detail['imports']:.2f}s; per pack " + ", ".join(f"{k} {v:.2f}s" for k, v in detail["packs"].items())
    m.extra = detail
    return m


def floor_main(project: Path, packs: list[str]) -> None:
    """Run in a subprocess: execute the notebook's code cells for each pack, papermill-style, without a kernel."""
    t0 = time.perf_counter()
    shown: list[object] = []

    def display(*objs: object, **kw: object) -> None:  # IPython's display, stubbed: keep, do not render
        shown.extend(objs)

    import IPython.display

    IPython.display.display = display  # type: ignore[assignment]
    from reviewpack.config import load_pack_params, params_as_dict
    from reviewpack.pipeline.compose import pack_notebook
    from reviewpack.pipeline.executors import notebook_imports

    params = {name: params_as_dict(load_pack_params(project, name)) for name in packs}
    texts = {name: pack_notebook(project, params[name]) for name in packs}  # what each pack's kernel would execute
    cells = {}
    for name, text in texts.items():
        nb = json.loads(text)
        cells[name] = [("".join(c["source"]) if isinstance(c["source"], list) else c["source"], "parameters" in c.get("metadata", {}).get("tags", []))
                       for c in nb["cells"] if c["cell_type"] == "code"]
    # the notebooks' own imports, once (a kernel would pay them per pack)
    import importlib

    for mod in dict.fromkeys(m for text in dict.fromkeys(texts.values()) for m in notebook_imports(text)):
        with contextlib.suppress(ImportError):
            importlib.import_module(mod)
    t_imports = time.perf_counter() - t0
    per_pack = {}
    for name in packs:
        t = time.perf_counter()
        ns: dict[str, object] = {"__name__": "__main__", "display": display}
        for source, is_parameters in cells[name]:
            exec(compile(source, f"<{name} cell>", "exec"), ns)
            if is_parameters:  # papermill injects the parameters right after the tagged cell
                ns.update(pack=name, params=params[name])
        per_pack[name] = time.perf_counter() - t
    print(json.dumps({"imports": t_imports, "packs": per_pack, "outputs": len(shown)}))


# ---------------------------------------------------------------------------
# report


def phases(m: Measurement) -> str:
    packs = [p for p in m.extra.get("timings", {}).get("packs", {}).values() if p.get("status") == "built"]
    if not packs:
        return ""
    keys = [k for k in packs[0]["phases"] if isinstance(packs[0]["phases"][k], (int, float))]  # not the worker's name
    mean = {k: statistics.mean(float(p["phases"].get(k, 0.0)) for p in packs) for k in keys}
    return "mean per built pack: " + ", ".join(f"{k} {v:.2f}s" for k, v in mean.items())


def identical(a: Path, b: Path) -> bool:
    files = lambda d: {p.relative_to(d): p.read_bytes() for p in d.rglob("*") if p.is_file()}  # noqa: E731
    return files(a) == files(b)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packs", nargs="+", default=None, help="packs (default: every pack in params/defaults.yaml)")
    ap.add_argument("--skip-naive", action="store_true", help="skip (a), the slowest scenario")
    ap.add_argument("--noop-runs", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=1,
                    help="run (a) and (c) this many times, alternately, and report the median of each (a shared machine's "
                         "speed drifts over minutes; the ratio of medians is steadier)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    ap.add_argument("--floor", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.floor:
        floor_main(args.floor, args.packs)
        return 0

    sys.path.insert(0, str(ROOT / "src"))
    from reviewpack.config import pack_names
    from reviewpack.pipeline.plan import default_jobs

    packs = args.packs or pack_names(ROOT)
    jobs = default_jobs()
    print(f"reviewpack build benchmark: {len(packs)} packs ({', '.join(packs)}), {os.cpu_count()} cores, default jobs {jobs}", flush=True)
    load_before = os.getloadavg()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}", flush=True)
    results: dict[str, Measurement] = {}
    with tempfile.TemporaryDirectory(prefix="reviewpack-bench-") as tmp:
        proj = project_copy(Path(tmp) / "project")
        pack_args = [a for n in packs for a in ("--pack", n)] if args.packs else []
        steps = [
            ("f", lambda: floor(proj, packs)),
            ("a", None if args.skip_naive else (lambda: naive_loop(proj, packs))),
            ("b", lambda: reviewpack(proj, "(b) reviewpack build --force --jobs 1", ["--force", "--jobs", "1", *pack_args])),
            ("c0", lambda: reviewpack(proj, f"(c) --force, {jobs} jobs, kernel template off (before)", ["--force", *pack_args], bench_env(REVIEWPACK_PREFORK="0"))),
            ("c1", lambda: cold_reads(proj, f"(c) --force, {jobs} jobs, parsed-file cache emptied first", ["--force", *pack_args])),
            ("c", lambda: reviewpack(proj, f"(c) reviewpack build --force ({jobs} jobs)", ["--force", *pack_args])),
            ("d", lambda: noop(proj, args.noop_runs)),
        ]
        for key, fn in steps:
            if fn is None:
                continue
            print(f"  running {key} ...", flush=True)
            results[key] = fn()
            if key == "b":
                shutil.copytree(proj / "reports" / "latest", Path(tmp) / "b-output")
            if key == "c":
                results[key].extra["identical_to_b"] = identical(Path(tmp) / "b-output", proj / "reports" / "latest")
        if args.repeat > 1 and "a" in results:
            runs = {"a": [results["a"]], "c": [results["c"]]}
            for i in range(1, args.repeat):
                for key, fn in (("a", lambda: naive_loop(proj, packs)), ("c", lambda: reviewpack(proj, results["c"].label, ["--force", *pack_args]))):
                    print(f"  running {key} again ({i + 1} of {args.repeat}) ...", flush=True)
                    shutil.rmtree(proj / "naive", ignore_errors=True)
                    runs[key].append(fn())
            for key, ms in runs.items():
                walls = [m.wall for m in ms]
                median = sorted(ms, key=lambda m: m.wall)[len(ms) // 2]
                median.extra = {**results[key].extra, **median.extra, "walls": walls}
                median.notes = (median.notes + "; " if median.notes else "") + "median of " + ", ".join(f"{w:.2f}" for w in walls) + " s"
                median.label = results[key].label
                results[key] = median
        target = packs[1] if len(packs) > 1 else packs[0]
        pfile = proj / "params" / f"{target}.yaml"
        pfile.write_text(pfile.read_text().replace("title: ", "title: Trial ", 1))
        print("  running e ...", flush=True)
        results["e"] = reviewpack(proj, f"(e) after changing {target}'s title", pack_args)
        results["e"].label = f"(e) build after changing one parameter ({target}.yaml title)"

    a, f = results.get("a"), results["f"]
    print()
    head = (f"{'scenario':<62} {'wall s':>8} {'vs (a)':>8} {'vs (f)':>8} {'CPU s':>7} "
            f"{'RSS sum MiB':>12} {'PSS sum MiB':>12} {'max proc MiB':>12} {'HTML bytes':>11}")
    print(head)
    print("-" * len(head))
    for key in ("a", "b", "c0", "c1", "c", "d", "e", "f"):
        m = results.get(key)
        if m is None:
            continue
        va = f"{a.wall / m.wall:.2f}x" if a else "-"
        vf = f"{m.wall / f.wall:.2f}x"
        print(f"{m.label:<62} {m.wall:>8.2f} {va:>8} {vf:>8} {m.cpu_seconds:>7.1f} "
              f"{m.peak_rss_mb:>12.0f} {m.peak_pss_mb:>12.0f} {m.max_process_rss_mb:>12.0f} {m.html_bytes or '':>11}")
    print()
    print("vs (a): how many times faster than the naive loop; vs (f): wall time as a multiple of the floor;")
    print("CPU s: user + system seconds of every process of the tree (sampled every 50 ms, so slightly low).")
    print("memory, at the peak of the whole process tree (kernels included): RSS sum counts a shared page once per process")
    print("that maps it (an overestimate); PSS sum divides shared pages between them (the real total); max proc is the")
    print("largest single process (what getrusage(RUSAGE_CHILDREN) reports).")
    print()
    if "walls" in results.get("a", Measurement("", 0.0)).extra:
        print(f"{results['a'].label}: {results['a'].notes}")
    for key in ("b", "c0", "c1", "c", "e"):
        if key in results:
            print(f"{results[key].label}: {results[key].notes}")
            print(f"    {phases(results[key])}")
    print(f"{results['d'].label}: {results['d'].notes}")
    print(f"{f.label}: {f.notes}")
    c = results["c"]
    print(f"(c) output byte-identical to (b): {'yes' if c.extra.get('identical_to_b') else 'NO'}")
    print(f"(c) against the floor on the same cores, (f) / {jobs} jobs = {f.wall / jobs:.2f} s: {c.wall / (f.wall / jobs):.2f}x")
    print()
    checks = []
    if a:
        checks.append(("(c) at least 3x faster than (a)", a.wall / c.wall >= 3, f"{a.wall / c.wall:.2f}x"))
    checks += [
        ("(c) within 1.5x of (f)", c.wall / f.wall <= 1.5, f"{c.wall / f.wall:.2f}x"),
        ("(d) under 0.5 s", results["d"].wall < 0.5, f"{results['d'].wall:.3f}s"),
        ("peak memory under 1 GB (RSS summed over the tree)", max(m.peak_rss_mb for m in results.values()) * 2**20 < 1e9,
         f"{max(m.peak_rss_mb for m in results.values()):.0f} MiB RSS sum, {max(m.peak_pss_mb for m in results.values()):.0f} MiB PSS sum, "
         f"{max(m.max_process_rss_mb for m in results.values()):.0f} MiB largest process"),
        ("(e) rebuilt only the changed pack", sorted(n for n, s in results["e"].extra["statuses"].items() if s == "built") == [target], results["e"].notes),
    ]
    for name, ok, value in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {name}: {value}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if load_before[0] > 1.0:
        print(f"note: the machine was not idle when the benchmark started (load average {load_before[0]:.2f}); if other processes")
        print("kept running, wall times (the parallel ones most) are inflated -- run again when it is idle.")
    if args.json:
        args.json.write_text(json.dumps({k: asdict(v) for k, v in results.items()}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
