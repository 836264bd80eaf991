"""A switch for the simulated payment channel shared by the live server and a worker process."""

import os
from pathlib import Path

ENV = "E2E_FAILURE_SUFFIXES_FILE"


class FailureSuffixes:
    """Iterable ASSISTANCE_SIMULATED_FAILURE_SUFFIXES value: the comma-separated endings currently in the
    file named by $E2E_FAILURE_SUFFIXES_FILE (nothing fails when it is unset, missing or empty)."""

    def __iter__(self):
        path = os.environ.get(ENV)
        try:
            text = Path(path).read_text() if path else ""
        except OSError:
            text = ""
        return iter([s.strip() for s in text.split(",") if s.strip()])

    def __repr__(self):
        return f"FailureSuffixes({list(self)!r})"


class SimulatedBank:
    def __init__(self, path: Path):
        self.path = path
        self.path.write_text("")

    def fail(self, *suffixes: str) -> None:
        """ID numbers ending in one of `suffixes` fail from now on (no suffix: everything is paid)."""
        self.path.write_text(",".join(suffixes))
