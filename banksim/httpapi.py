"""The bank's status-query server: a small threaded HTTP server on loopback that reads the ledger
read-only.  GET /health, GET /ledger, GET /payments/<reference>."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from banksim.ledger import ledger_summary, payment_status


def parse_listen(text: str) -> tuple[str, int]:
    """'127.0.0.1:8765' -> ('127.0.0.1', 8765); only loopback addresses are accepted."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--http wants HOST:PORT, got {text!r}")
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the status server only listens on loopback, not {host!r}")
    return host, int(port)


class _Handler(BaseHTTPRequestHandler):
    server_version = "banksim"
    root: Path  # set on the subclass made by make_server

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - the http.server API
        path = urlsplit(self.path).path
        try:
            if path == "/health":
                self._send(200, {"ok": True})
            elif path == "/ledger":
                self._send(200, ledger_summary(self.root))
            elif path.startswith("/payments/") and len(path) > len("/payments/"):
                found = payment_status(self.root, unquote(path[len("/payments/"):]))
                self._send(200, found) if found else self._send(404, {"status": "unknown"})
            else:
                self._send(404, {"error": "not found"})
        except Exception as exc:  # a broken query must not kill the server thread
            self._send(500, {"error": type(exc).__name__})

    def _not_allowed(self):
        self._send(405, {"error": "method not allowed"})

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815

    def log_message(self, format, *args):  # noqa: A002 - quiet: only one log line per file
        pass


def make_server(root, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"root": Path(root)})
    server_class = ThreadingHTTPServer
    if ":" in host:
        server_class = type("V6Server", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
    server = server_class((host, port), handler)
    server.daemon_threads = True
    return server


def start_server(root, host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Serve in a daemon thread; stop with ``server.shutdown(); server.server_close()``."""
    server = make_server(root, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="banksim-http", daemon=True)
    thread.start()
    return server, thread
