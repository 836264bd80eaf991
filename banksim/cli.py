"""``python -m banksim serve|status|ledger``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from banksim.files import atomic_write_bytes
from banksim.httpapi import parse_listen, start_server
from banksim.ledger import ledger_summary, payment_status
from banksim.process import BankSimulator

log = logging.getLogger("banksim")

SERVE_INFO = "serve.json"  # {"pid": ..., "http": "http://127.0.0.1:PORT" | null}, written once serving


def _print(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, sort_keys=True))


def serve(args) -> int:
    root = Path(args.root)
    if args.poll <= 0:
        raise SystemExit("--poll must be positive")
    stop = threading.Event()

    def _stop(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    bank = BankSimulator(root)
    server = None
    url = None
    if args.http:
        try:
            host, port = parse_listen(args.http)
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
        server, _ = start_server(root, host, port)
        bound_host, bound_port = server.server_address[:2]
        url = f"http://[{bound_host}]:{bound_port}" if ":" in bound_host else f"http://{bound_host}:{bound_port}"
    info = {"pid": os.getpid(), "http": url}
    atomic_write_bytes(root / SERVE_INFO, json.dumps(info).encode("utf-8"))
    log.info("banksim: serving %s poll=%.3fs http=%s", root, args.poll, url or "off")
    try:
        bank.serve_forever(args.poll, stop)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        bank.close()
        log.info("banksim: stopped")
    return 0


def status(args) -> int:
    found = payment_status(args.root, args.reference)
    _print(found or {"status": "unknown"})
    return 0 if found else 1


def ledger(args) -> int:
    _print(ledger_summary(args.root))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m banksim", description="Bank simulator for 代发 files.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="poll the outbox, book files, write results, serve status queries")
    p.add_argument("--root", required=True)
    p.add_argument("--poll", type=float, default=0.5, help="seconds between polls (default 0.5)")
    p.add_argument("--http", default=None, help="HOST:PORT on loopback for status queries (PORT 0: any)")
    p.set_defaults(func=serve)
    p = sub.add_parser("status", help="print one reference's status JSON (exit 1 if unknown)")
    p.add_argument("--root", required=True)
    p.add_argument("reference")
    p.set_defaults(func=status)
    p = sub.add_parser("ledger", help="print the ledger summary JSON")
    p.add_argument("--root", required=True)
    p.set_defaults(func=ledger)
    args = parser.parse_args(argv)
    if args.command == "serve":
        logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
    return args.func(args)
