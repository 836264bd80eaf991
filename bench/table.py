#!/usr/bin/env python
"""Print a results file of bench/run.py --json as a Markdown table (for docs/performance.md).

    python bench/table.py bench/results/scale-1000000.json
"""

import json
import sys
from pathlib import Path

ORDER = ["batch_build", "payout", "clearing", "reverify", "household_list", "spends_concurrent", "verify_load"]


def table(rows) -> str:
    out = ["| # | benchmark | rows | seconds | rows/s | baseline s | ratio | peak MB | notes |",
           "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for row in sorted(rows, key=lambda r: ORDER.index(r["name"]) if r["name"] in ORDER else len(ORDER)):
        number = ORDER.index(row["name"]) + 1 if row["name"] in ORDER else ""
        base = f"{row['baseline_seconds']:.3f}" if row.get("baseline_seconds") else "–"
        ratio = f"{row['ratio']:.2f}" if row.get("ratio") else "–"
        rate = f"{row['rows'] / row['seconds']:,.0f}" if row.get("seconds") else "–"
        out.append(f"| {number} | {row['name']} | {row['rows']:,} | {row['seconds']:.3f} | {rate} | {base} | {ratio}"
                   f" | {row['peak_mb']:.0f} | {row.get('notes', '')} |")
    return "\n".join(out)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(table(json.loads(Path(path).read_text())))
