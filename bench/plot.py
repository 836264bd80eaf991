#!/usr/bin/env python
"""Draw time against scale for benchmarks 1–3 (project and baseline) from bench/results/scale-*.json.

    python bench/plot.py [--out docs/bench-scaling.svg]
"""

import argparse
import json
import re
from pathlib import Path

import pygal
import pygal.style

ROOT = Path(__file__).resolve().parent.parent
SERIES = [("batch_build", "1 batch build"), ("payout", "2 payout"), ("clearing", "3 monthly clearing")]


def load():
    results = {}
    for path in sorted((ROOT / "bench" / "results").glob("scale-*.json")):
        scale = int(re.search(r"scale-(\d+)", path.name).group(1))
        results[scale] = {row["name"]: row for row in json.loads(path.read_text())}
    return dict(sorted(results.items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "bench-scaling.svg"))
    args = parser.parse_args(argv)
    results = load()
    # one colour per benchmark: the project's line solid, its baseline dashed
    style = pygal.style.Style(colors=("#1f5fa8", "#1f5fa8", "#c0392b", "#c0392b", "#2e8b57", "#2e8b57"),
                              background="white", plot_background="white")
    chart = pygal.XY(logarithmic=True, dots_size=3, stroke=True, legend_at_bottom=True, legend_at_bottom_columns=2,
                     title="Time against scale (log–log): project code vs hand-written SQL baseline",
                     x_title="rows processed (populations of 1k, 10k, 100k, 1M people)", y_title="seconds",
                     x_labels=[1_000, 10_000, 100_000, 1_000_000], x_labels_major_every=1, show_minor_x_labels=False,
                     x_value_formatter=lambda x: f"{x:,.0f}", width=900, height=560, margin_right=40, style=style,
                     js=[])
    for name, label in SERIES:
        project, baseline = [], []
        for _scale, rows in results.items():
            row = rows.get(name)
            if not row or not row.get("rows"):
                continue
            project.append((row["rows"], row["seconds"]))
            if row.get("baseline_seconds"):
                baseline.append((row["rows"], row["baseline_seconds"]))
        chart.add(f"{label} (project)", project)
        chart.add(f"{label} (baseline SQL)", baseline, stroke_style={"dasharray": "4, 4"})
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_bytes(chart.render())
    print(f"wrote {args.out} from scales {list(results)}")


if __name__ == "__main__":
    main()
