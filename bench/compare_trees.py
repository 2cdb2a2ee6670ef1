"""Runs one bench of `bench/` against two checkouts of MeetRoom, interleaved, and
compares their figures.

    .venv/bin/python bench/compare_trees.py --before ../wt-old --after . [--pairs 3]
                     [--nice 5] [--log-dir DIR [--reanalyse]] [--min-noise 0.02]
                     BENCH [-- BENCH ARGUMENTS]

    # e.g. the restructuring of issue 15 (`git worktree add ../wt-old e374550` first):
    .venv/bin/python bench/compare_trees.py --before ../wt-old --after . --pairs 3 \\
        fanout -- --tablets 500,1000 --seconds 15

BENCH is a script name of `bench/` (`fanout`, `ingest`, `live_memory`, ...). Each
checkout runs its own copy of the script (`<tree>/bench/BENCH.py`, from `<tree>`, with
`PYTHONPATH=<tree>`), so each imports its own `meetroom`, and the servers the benches
start (`python -m meetroom serve`, from the script's tree with that tree on
PYTHONPATH) are that checkout's too; before the first run this checks which
`meetroom` each tree imports and stops if it is not the tree's own. The runs
alternate: before, after, before, after, ... (`--pairs` of each), so that what else
happens on the machine meanwhile hits both alike; pair i is the i-th run of each
(`--abba`: every second pair runs after first, so that a run slowed for coming second
in its pair does not always count against the same tree). The
load average is recorded before every run; `--nice` lowers the priority of the runs
(and of everything they start) where other jobs share the machine.

Each run's stdout and stderr are kept in `--log-dir` (default: a fresh temporary
directory, printed), with the runs' loads in `runs.json`; `--reanalyse` compares
what a log directory holds again without running anything. The bench's JSON lines
(one per configuration, as every bench here prints them) give the figures; a
configuration is named from its keys (`nodes=1 n=1000` for fanout,
`meetroom`/`pdftocairo` for ingest, `points=100` or `server` for live_memory).

Printed: the runs and their load, then per configuration and figure the median of
each tree, the median of the ratios after/before over the pairs (and their range),
in how many pairs after was worse, the noise (the larger relative range, (max - min) /
median, of one tree's own runs; at least `--min-noise`, 2 %) and a verdict: `same`
(identical), `within noise` (|median ratio - 1| <= noise), or `after better` / `after
WORSE` (by how much) where the direction of the figure is known (`changed` where not).
Then one JSON object per line per tree and configuration (`tree`: `before`,
`after` or `after/before`; `bench`; `config`; the figures: medians over the runs, or
for `after/before` the median ratio, with `ratio_min`, `ratio_max` and `noise` per
figure under `detail`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TREES = ("before", "after")

# The figures shown in the table per bench, each with the direction that is better
# ("lower" or "higher"; "" when neither: sizes that are what they are). A bench not
# listed here shows every numeric figure of its JSON lines.
SHOWN: dict[str, dict[str, str]] = {
    "fanout": {
        "turn_p50_ms": "lower",
        "turn_p99_ms": "lower",
        "turn_max_ms": "lower",
        "stroke_p50_ms": "lower",
        "stroke_p99_ms": "lower",
        "added_p99_ms": "lower",
        "server_cpu_core": "lower",
        "server_us_per_message": "lower",
        "messages_per_s": "",
        "join_s": "lower",
        "lost": "lower",
        "reordered": "lower",
        "duplicated": "lower",
        "others_busy": "",
    },
    "ingest": {
        "pages_per_s": "higher",
        "ratio": "higher",
        "first_page_ms": "lower",
        "optimized_seconds": "lower",
        "ready_bytes_per_page": "",
        "bytes_per_page": "",
        "thumbnail_bytes_per_page": "",
    },
    "live_memory": {
        "compact_bytes": "lower",
        "tuples_bytes": "",
        "json_bytes": "",
        "rss_prepared_mb": "lower",
        "rss_loaded_mb": "lower",
        "rss_connected_mb": "lower",
        "peak_mb": "lower",
        "ink_mb": "lower",
        "per_connection_kb": "lower",
        "snapshot_mb": "",
        "all_joined_s": "lower",
        "fresh_join_p50_s": "lower",
    },
}


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def config_name(bench: str, row: dict[str, Any]) -> str:
    """The configuration a JSON line of a bench describes."""
    if "nodes" in row and "n" in row:
        return f"nodes={row['nodes']} n={row['n']}"
    if "part" in row:
        return f"points={row['points']}" if row["part"] == "per_stroke" else str(row["part"])
    for key in ("config", "mode"):
        if key in row:
            return str(row[key]) + (f" N={row['n']}" if "n" in row else "")
    return bench


def numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def tree_env(tree: Path) -> dict[str, str]:
    """The environment of a run: this tree first on the path, no other checkout's."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    return env


def check_tree(python: str, tree: Path) -> str:
    """Which `meetroom` a script run from this tree imports (the bench's own import and
    `python -m meetroom`, whose path starts with the working directory, resolve alike)."""
    result = subprocess.run(
        [python, "-c", "import meetroom; print(meetroom.__file__)"],
        cwd=tree, env=tree_env(tree), capture_output=True, text=True, check=True,
    )  # fmt: skip
    imported = Path(result.stdout.strip()).resolve()
    if not imported.is_relative_to(tree / "meetroom"):
        raise SystemExit(f"{tree} imports {imported}, not its own meetroom")
    return str(imported)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(
    python: str, tree: Path, bench: str, bench_args: list[str], nice: int, out: Path
) -> tuple[list[dict[str, Any]], float]:
    command = [python, str(tree / "bench" / f"{bench}.py"), *bench_args]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    started = time.monotonic()
    with (out.with_suffix(".out")).open("w") as stdout, (out.with_suffix(".err")).open("w") as err:
        result = subprocess.run(command, cwd=tree, env=tree_env(tree), stdout=stdout, stderr=err)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        tail = out.with_suffix(".err").read_text()[-3000:]
        raise SystemExit(f"{' '.join(command)} exited with {result.returncode}:\n{tail}")
    return parse(out.with_suffix(".out")), seconds


def parse(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a bench's output."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    if not rows:
        raise SystemExit(f"{path}: no JSON line")
    return rows


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value == int(value) and abs(value) >= 100:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def ratio(after: float, before: float) -> float | None:
    if before == after:
        return 1.0
    return None if before == 0 else after / before


def spread(values: list[float]) -> float:
    middle = statistics.median(values)
    if middle == 0:
        return 0.0 if max(values) == min(values) else float("inf")
    return (max(values) - min(values)) / abs(middle)


def compare(
    bench: str, results: dict[str, list[dict[str, dict[str, Any]]]], min_noise: float
) -> list[dict[str, Any]]:
    """Per configuration and figure: medians, the ratios of the pairs, noise, verdict."""
    shown = SHOWN.get(bench)
    configs = list(results["before"][0])
    lines = []
    for config in configs:
        keys = [k for k, v in results["before"][0][config].items() if numeric(v)]
        if shown is not None:
            keys = [k for k in shown if k in keys]
        for key in keys:
            values = {
                tree: [r[config][key] for r in results[tree] if numeric(r.get(config, {}).get(key))]
                for tree in TREES
            }
            before, after = values["before"], values["after"]
            if not before or not after:
                continue
            pairs = zip(before, after, strict=False)
            ratios = [q for b, a in pairs if (q := ratio(a, b)) is not None]
            positive = min(before + after) > 0
            if not positive:  # a ratio of values around zero says nothing
                ratios = []
            noise = max(spread(before), spread(after), min_noise) if len(ratios) > 1 else None
            better = (shown or {}).get(key, "")
            median_ratio = statistics.median(ratios) if ratios else None
            worse_in = (
                sum(1 for q in ratios if (q > 1 if better == "lower" else q < 1))
                if better
                else None
            )
            if before == after and len(set(before)) == 1:
                verdict = "same"
            elif not positive:
                verdict = "no ratio (values <= 0)"
            elif noise is None:
                verdict = "one pair: no noise estimate"
            elif median_ratio is None:
                verdict = "after WORSE (was 0)" if better == "lower" else "changed (was 0)"
            elif abs(median_ratio - 1) <= noise:
                verdict = "within noise"
            elif not better:
                verdict = f"changed {median_ratio - 1:+.0%}"
            else:
                worse = median_ratio > 1 if better == "lower" else median_ratio < 1
                verdict = f"after {'WORSE' if worse else 'better'} {median_ratio - 1:+.0%}"
            lines.append({
                "config": config, "figure": key,
                "before": statistics.median(before), "after": statistics.median(after),
                "before_runs": before, "after_runs": after, "ratios": ratios,
                "ratio": median_ratio, "ratio_min": min(ratios, default=None),
                "ratio_max": max(ratios, default=None), "noise": noise, "verdict": verdict,
                "worse_in": worse_in,
            })  # fmt: skip
    return lines


def noise_text(noise: float | None) -> str:
    if noise is None:
        return "-"
    return "inf" if noise == float("inf") else f"{noise:.0%}"


def print_table(lines: list[dict[str, Any]]) -> None:
    head = ["config", "figure", "before", "after", "after/before", "pairs", "worse in", "noise",
            "verdict"]  # fmt: skip
    rows = []
    for c in lines:
        span = "-" if c["ratio_min"] is None else f"{c['ratio_min']:.3f}-{c['ratio_max']:.3f}"
        rows.append([
            c["config"], c["figure"], fmt(c["before"]), fmt(c["after"]),
            "-" if c["ratio"] is None else f"{c['ratio']:.3f}", span,
            "-" if c["worse_in"] is None else f"{c['worse_in']}/{len(c['ratios'])}",
            noise_text(c["noise"]), c["verdict"],
        ])  # fmt: skip
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [c.ljust(w) if i in (0, 1, 8) else c.rjust(w) for i, (c, w) in
                 enumerate(zip(row, widths, strict=True))]  # fmt: skip
        print("  ".join(cells).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Arguments after `--` go to the bench.",
    )
    parser.add_argument("--before", type=Path, required=True, help="the checkout measured first")
    parser.add_argument("--after", type=Path, required=True, help="the checkout compared with it")
    parser.add_argument("--pairs", type=int, default=3, help="runs of each tree (3)")
    parser.add_argument("--nice", type=int, default=0, help="niceness of the runs (0)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter (this one)")
    parser.add_argument("--log-dir", type=Path, help="keep each run's output there")
    parser.add_argument(
        "--min-noise",
        type=float,
        default=0.02,
        help="the noise is at least this share (0.02): a few runs of a steady figure understate it",
    )
    parser.add_argument(
        "--abba",
        action="store_true",
        help="every second pair runs after first (before, after, after, before, ...): a "
        "run that is slower for being second in its pair then hits both trees",
    )
    parser.add_argument(
        "--reanalyse",
        action="store_true",
        help="run nothing: compare the outputs kept in --log-dir by an earlier run",
    )
    parser.add_argument("bench", help="a script of bench/, without .py (fanout, ingest, ...)")
    parser.add_argument("bench_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    bench_args = args.bench_args[1:] if args.bench_args[:1] == ["--"] else args.bench_args
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    for name, tree in trees.items():
        if not (tree / "bench" / f"{args.bench}.py").is_file():
            parser.error(f"{tree}/bench/{args.bench}.py does not exist")
        log(f"{name}: {tree} imports {check_tree(args.python, tree)}")
    logs = args.log_dir or Path(tempfile.mkdtemp(prefix=f"compare-{args.bench}-"))
    logs.mkdir(parents=True, exist_ok=True)
    log(f"outputs in {logs}")

    results: dict[str, list[dict[str, dict[str, Any]]]] = {tree: [] for tree in TREES}
    runs: list[dict[str, Any]] = []
    if args.reanalyse:
        runs = json.loads((logs / "runs.json").read_text())
        args.pairs = max(r["pair"] for r in runs)
        for number in range(1, args.pairs + 1):
            for name in TREES:
                rows = parse(logs / f"{number:02d}-{name}.out")
                results[name].append({config_name(args.bench, row): row for row in rows})
    for number in range(1, 0 if args.reanalyse else args.pairs + 1):
        for name in TREES[::-1] if args.abba and number % 2 == 0 else TREES:
            load = loadavg()
            log(f"pair {number}/{args.pairs}, {name}: load {load} ...")
            rows, seconds = run(
                args.python, trees[name], args.bench, bench_args, args.nice,
                logs / f"{number:02d}-{name}",
            )  # fmt: skip
            results[name].append({config_name(args.bench, row): row for row in rows})
            runs.append({"pair": number, "tree": name, "load": load, "seconds": round(seconds, 1)})
            log(f"  done in {seconds:.0f} s")
            (logs / "runs.json").write_text(json.dumps(runs, indent=1))

    order = "before/after, after/before, ..." if args.abba else "before/after"
    print(f"{args.bench} {' '.join(bench_args)}: {args.pairs} pair(s), interleaved "
          f"{order}; nice {args.nice}; {os.cpu_count()} CPU(s)")  # fmt: skip
    for name, tree in trees.items():
        print(f"  {name}: {tree}")
    print("Runs (load average 1/5/15 min before each):")
    for r in runs:
        print(f"  pair {r['pair']} {r['tree']:6}  load {r['load']:16}  {r['seconds']:6.0f} s")
    print()
    lines = compare(args.bench, results, args.min_noise)
    print_table(lines)
    print()
    print("after/before: median over the pairs of after_i / before_i; pairs: their range;")
    print("worse in: the pairs in which after was worse than before (figures with a direction);")
    print(f"noise: the larger (max - min) / median of one tree's own runs, at least "
          f"{args.min_noise:.0%}.")  # fmt: skip
    print()
    for name in TREES:
        for config in results[name][0]:
            figures = {c["figure"]: c[name] for c in lines if c["config"] == config}
            loads = [r["load"] for r in runs if r["tree"] == name]
            print(json.dumps({"tree": name, "bench": args.bench, "config": config,
                              "runs": args.pairs, "loads": loads, **figures}))  # fmt: skip
    for config in results["before"][0]:
        mine = [c for c in lines if c["config"] == config]
        print(json.dumps({
            "tree": "after/before", "bench": args.bench, "config": config,
            **{c["figure"]: None if c["ratio"] is None else round(c["ratio"], 4) for c in mine},
            "detail": {c["figure"]: {
                "ratio_min": c["ratio_min"] and round(c["ratio_min"], 4),
                "ratio_max": c["ratio_max"] and round(c["ratio_max"], 4),
                "noise": None if c["noise"] in (None, float("inf")) else round(c["noise"], 4),
                "worse_in": c["worse_in"], "verdict": c["verdict"],
            } for c in mine},
        }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
