"""``ROOT/config.json``: the bank's run-time behaviour, re-read on every poll."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from banksim.files import atomic_write_bytes

log = logging.getLogger("banksim")

CONFIG_NAME = "config.json"


@dataclass(frozen=True)
class Config:
    delay_seconds: float = 0.0  # the result is written this long after the file is booked
    closed_account_suffixes: tuple[str, ...] = field(default_factory=tuple)  # -> 1001, account closed
    name_mismatch_suffixes: tuple[str, ...] = field(default_factory=tuple)  # -> 1002
    paused: bool = False  # pick up no new file (results already booked are still answered when due)

    def to_json(self) -> dict:
        d = asdict(self)
        d["closed_account_suffixes"] = list(self.closed_account_suffixes)
        d["name_mismatch_suffixes"] = list(self.name_mismatch_suffixes)
        return d


def config_from_dict(raw: dict) -> Config:
    """ValueError on unknown keys or wrong types, so a typo in a test is not silently ignored."""
    if not isinstance(raw, dict):
        raise ValueError("config must be a JSON object")
    unknown = set(raw) - set(Config.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown config keys: {sorted(unknown)}")
    delay = raw.get("delay_seconds", 0.0)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise ValueError("delay_seconds must be a non-negative number")
    suffixes = {}
    for key in ("closed_account_suffixes", "name_mismatch_suffixes"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(s, str) and s.isdigit() for s in value):
            raise ValueError(f"{key} must be a list of digit strings")
        suffixes[key] = tuple(value)
    paused = raw.get("paused", False)
    if not isinstance(paused, bool):
        raise ValueError("paused must be true or false")
    return Config(delay_seconds=float(delay), paused=paused, **suffixes)


def load_config(root, previous: Config | None = None) -> Config:
    """The config in ROOT/config.json (defaults if absent).  If the file is unreadable or invalid the
    previous config is kept (defaults on the first read) and a warning is logged."""
    path = Path(root) / CONFIG_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    try:
        return config_from_dict(json.loads(raw))
    except (ValueError, json.JSONDecodeError) as exc:
        log.warning("banksim: ignoring invalid %s: %s", CONFIG_NAME, exc)
        return previous or Config()


def write_config(root, **changes) -> Config:
    """Merge `changes` into ROOT/config.json (validated) and write it atomically."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    path = root / CONFIG_NAME
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    current.update(changes)
    config = config_from_dict(current)
    atomic_write_bytes(path, json.dumps(config.to_json(), ensure_ascii=False, indent=2).encode("utf-8"))
    return config
