"""Run one benchmark in this process and print its row as JSON (called by bench/run.py)."""

import argparse
import json
import os
import resource
import sys

import django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--scale", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    django.setup()
    from bench.benchmarks import BENCHMARKS

    row = BENCHMARKS[args.name](args.scale)
    row["name"] = args.name
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if row.get("baseline_seconds"):
        row["ratio"] = row["seconds"] / row["baseline_seconds"]
    else:
        row.setdefault("ratio", None)
    sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
