"""Test helper: the bank as a real subprocess (``python -m banksim serve``), for fault tests.

    with BankProcess(tmp_path / "bank", poll=0.05) as bank:
        write_disbursement(bank.outbox, "F1", rows)
        header, rows = read_result(bank.wait_for_result("F1", timeout=5))
        bank.kill(); bank.restart()
        bank.get("/payments/R1")   # -> (200, {...})
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from banksim.cli import SERVE_INFO
from banksim.config import write_config
from banksim.files import result_name
from banksim.process import CRASH_ENV

_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)
# Loopback only: never go through an http_proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class BankProcess:
    """Context manager running the bank simulator as a subprocess with its HTTP server on loopback.

    `http_port=0` takes a free port on the first start and keeps it across restarts, so `url` stays
    valid.  `crash_at` ("before_commit" | "after_commit") makes the process SIGKILL itself while
    booking the next file.  The process's stderr is appended to ``ROOT/banksim.log``.
    """

    def __init__(self, root, poll: float = 0.05, http_port: int = 0, *, crash_at: str | None = None,
                 startup_timeout: float = 10.0):
        self.root = Path(root)
        self.outbox = self.root / "outbox"
        self.inbox = self.root / "inbox"
        self.log_path = self.root / "banksim.log"
        self.poll = poll
        self.port = http_port
        self.crash_at = crash_at
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self) -> str:
        return self.url

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> BankProcess:
        if self.alive():
            raise RuntimeError("the bank process is already running")
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / SERVE_INFO).unlink(missing_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_PARENT, env.get("PYTHONPATH")]))
        env.pop(CRASH_ENV, None)
        if self.crash_at:
            env[CRASH_ENV] = self.crash_at
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "banksim", "serve", "--root", str(self.root),
                 "--poll", str(self.poll), "--http", f"127.0.0.1:{self.port}"],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        try:
            self._wait_until_serving()
        except BaseException:
            self.kill()
            raise
        return self

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        info_path = self.root / SERVE_INFO
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"bank process exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                info = json.loads(info_path.read_text())
            except (FileNotFoundError, json.JSONDecodeError):
                info = None
            if info and info.get("pid") == self.proc.pid and info.get("http"):
                self.url = info["http"]
                self.port = int(self.url.rsplit(":", 1)[1])
                try:
                    if self.get("/health") == (200, {"ok": True}):
                        return
                except OSError:
                    pass
            time.sleep(0.02)
        raise TimeoutError(f"bank process not serving after {self.startup_timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as in a crash."""
        if self.alive():
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM and wait for a clean exit (SIGKILL after `timeout`).  Returns the exit code."""
        if self.proc is None:
            return None
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode

    def restart(self, crash_at: str | None = None) -> BankProcess:
        """Stop (if still running) and start again on the same root and port."""
        self.stop()
        self.crash_at = crash_at
        return self.start()

    def wait_exit(self, timeout: float = 10.0) -> int:
        return self.proc.wait(timeout=timeout)

    # ------------------------------------------------------------------ interaction

    def config(self, **changes):
        """Merge `changes` into ROOT/config.json; the running bank applies them on its next poll."""
        return write_config(self.root, **changes)

    def result_path(self, name: str) -> Path:
        return self.inbox / result_name(name)

    def wait_for_result(self, name: str, timeout: float = 10.0) -> Path:
        """Path of ``inbox/NAME.result.csv`` once it exists; TimeoutError otherwise."""
        path = self.result_path(name)
        deadline = time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no result for {name} after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.02)
        return path

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, dict]:
        """GET `path` on the status server -> (HTTP status, decoded JSON body)."""
        try:
            with _OPENER.open(self.url + path, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as err:
            with err:
                return err.code, json.loads(err.read().decode("utf-8"))

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return ""
