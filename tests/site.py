"""The fixture news site: several hosts (one port each) on 127.0.0.1, served from files.

Each host serves ``tests/fixtures/site/<host>/``; in text files ``{base:HOST}`` becomes that
host's base URL, so feeds link to pages on whatever port the test got. Tests can add or replace
files at run time, and read the request log. Special paths for failure cases live under
``/_test/``: ``slow``, ``loop``, ``status/N``, ``bomb`` (a gzip bomb), ``huge``, ``pdf``.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parent / "fixtures" / "site"
_PLACEHOLDER = re.compile(r"\{base:([a-z0-9-]+)\}")
_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
}
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


@dataclass
class Hit:
    host: str
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class Site:
    """The running fixture site: per-host base URLs, overrides and the request log."""

    bases: dict[str, str] = field(default_factory=dict)
    overrides: dict[tuple[str, str], tuple[bytes, str, int]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    slow_seconds: float = 10.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, host: str, path: str = "/") -> str:
        return self.bases[host] + path

    def put(
        self, host: str, path: str, body: str | bytes, content_type: str = "", status: int = 200
    ) -> None:
        """Serve ``body`` at ``path`` of ``host`` (placeholders are substituted in text)."""
        data = body.encode() if isinstance(body, str) else body
        self.overrides[(host, path)] = (data, content_type, status)

    def requests(self, host: str | None = None, prefix: str = "") -> list[Hit]:
        with self.lock:
            return [
                h
                for h in self.hits
                if (host is None or h.host == host) and h.path.startswith(prefix)
            ]

    def clear_log(self) -> None:
        with self.lock:
            self.hits.clear()

    def render(self, data: bytes) -> bytes:
        def sub(found: re.Match[bytes]) -> bytes:
            return self.bases[found.group(1).decode()].encode()

        return re.sub(_PLACEHOLDER.pattern.encode(), sub, data)


def _handler(site: Site, host: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # silence stderr
            return

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            with site.lock:
                site.hits.append(Hit(host, self.path, dict(self.headers), status))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            path = self.path.split("#")[0]
            if path.startswith("/_test/"):
                return self._special(path[len("/_test/") :])
            override = site.overrides.get((host, path.split("?")[0]))
            if override is not None:
                data, ctype, status = override
                ctype = ctype or _TYPES.get(
                    Path(path.split("?")[0]).suffix, "text/html; charset=utf-8"
                )
            else:
                file = SITE_DIR / host / path.lstrip("/").split("?")[0]
                if file.is_dir():
                    file = file / "index.html"
                if not file.is_file() or ".." in path:
                    return self._send(404, b"not found", {"Content-Type": "text/plain"})
                data, status = file.read_bytes(), 200
                ctype = _TYPES.get(file.suffix, "application/octet-stream")
            if not ctype.startswith(("application/pdf", "application/octet")):
                data = site.render(data)
            etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
            headers = {"Content-Type": ctype, "ETag": etag, "Last-Modified": LAST_MODIFIED}
            if status == 200 and self.headers.get("If-None-Match") == etag:
                return self._send(304, b"", {"ETag": etag})
            self._send(status, data, headers)

        def _special(self, what: str) -> None:
            if what == "slow":
                time.sleep(site.slow_seconds)
                return self._send(
                    200, b"<html><body>late</body></html>", {"Content-Type": "text/html"}
                )
            if what == "loop":
                return self._send(302, b"", {"Location": site.url(host, "/_test/loop")})
            if what.startswith("status/"):
                code = int(what.split("/")[1])
                headers = {"Content-Type": "text/html"}
                if code in (429, 503):
                    headers["Retry-After"] = "3600"
                return self._send(code, b"<html><body>error</body></html>", headers)
            if what == "bomb":
                body = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
                return self._send(
                    200, body, {"Content-Type": "text/html", "Content-Encoding": "gzip"}
                )
            if what == "huge":
                return self._send(
                    200, b"<p>" + b"x" * (3 * 1024 * 1024) + b"</p>", {"Content-Type": "text/html"}
                )
            if what == "pdf":
                return self._send(
                    200,
                    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
                    {"Content-Type": "application/pdf"},
                )
            self._send(404, b"no such test path", {"Content-Type": "text/plain"})

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Crawlers drop connections on purpose (timeouts, size limits); that is not an error here.
        return


def serve(hosts: list[str]) -> Iterator[Site]:
    """Start one server per host on 127.0.0.1; yields the Site, stops them afterwards."""
    site = Site()
    servers = []
    for host in hosts:
        server = _QuietServer(("127.0.0.1", 0), _handler(site, host))
        servers.append(server)
        site.bases[host] = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield site
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
