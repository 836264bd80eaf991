#!/usr/bin/env python
"""Benchmarks at scale, each against a hand-written SQL baseline doing the same work in the same run.

    python bench/run.py --scale 100000 [--only NAME ...] [--json FILE] [--reuse]

Makes a fresh PostgreSQL database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench),
migrates, generates the population, then runs every benchmark in its own process (peak memory is that
process's maximum resident set) and prints one row per benchmark:
name, rows, seconds, rows/s, baseline seconds, ratio (project / baseline), peak MB.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"


def run(cmd, env, **kw):
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kw)


def fresh_database(url: str, env: dict) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = ["psql", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres", "-qc"]
    run([*admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], env)
    run([*admin, f'CREATE DATABASE "{name}"'], env)


def measure(name: str, scale: int, env: dict) -> dict:
    proc = subprocess.Popen([sys.executable, "-m", "bench.one", name, "--scale", str(scale)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        return None
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    from bench.benchmarks import BENCHMARKS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--only", nargs="*", choices=list(BENCHMARKS))
    parser.add_argument("--json", dest="json_path")
    parser.add_argument("--reuse", action="store_true", help="keep the existing bench database and population")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "portal.settings.base", "DJANGO_DEBUG": "0",
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)  # tasks run in this process: the benchmark times the work, not the broker
    if not args.reuse:
        t0 = time.perf_counter()
        fresh_database(url, env)
        run([sys.executable, "manage.py", "migrate", "-v0"], env)
        run([sys.executable, "manage.py", "generate_population", "--people", str(args.scale), "--seed", str(args.seed)], env)
        print(f"setup (migrate + population of {args.scale:,}): {time.perf_counter() - t0:.1f}s", flush=True)
    else:
        run([sys.executable, "manage.py", "migrate", "-v0"], env)  # the schema may have moved on since

    names = args.only or list(BENCHMARKS)
    rows = []
    header = f"{'benchmark':<28}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'baseline s':>12}{'ratio':>8}{'peak MB':>9}  notes"
    print(header)
    print("-" * len(header))
    failed = []
    for name in names:
        row = measure(name, args.scale, env)
        if row is None:  # keep going: one broken benchmark must not lose the others' figures
            failed.append(name)
            print(f"{name:<28}FAILED (see its traceback above)", flush=True)
            continue
        rows.append(row)
        rps = row["rows"] / row["seconds"] if row["seconds"] else 0
        base = f"{row['baseline_seconds']:.3f}" if row.get("baseline_seconds") is not None else "-"
        ratio = f"{row['ratio']:.2f}" if row.get("ratio") is not None else "-"
        print(f"{name:<28}{row['rows']:>10,}{row['seconds']:>10.3f}{rps:>12,.0f}{base:>12}{ratio:>8}{row['peak_mb']:>9.0f}  {row.get('notes', '')}",
              flush=True)
        if args.json_path:  # written after every row, so an interrupted run keeps what it measured
            Path(args.json_path).write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
