"""The preview's web server (`lip vorschau`, issue 19): loopback only, files of the site
folder only, plus the reload script and one long-poll endpoint under /__vorschau/.

Kept apart from the builder so that what may be served is decided in one small place.
"""

from __future__ import annotations

import errno
import json
import mimetypes
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipeline.errors import PipelineError

HOST = "127.0.0.1"
PREFIX = "/__vorschau/"
ASSETS = Path(__file__).resolve().parents[2] / "templates" / "vorschau"
POLL_SECONDS = 20.0


class PortBelegt(PipelineError):
    """The asked port is taken: a wrong call, with a free one to use instead."""

    exit_code = 2

    def __init__(self, port: int, free: int | None):
        hint = (f"; frei ist zum Beispiel Port {free}: lip vorschau --port {free}" if free
                else "; bitte mit --port einen anderen Port wählen")
        super().__init__(f"Port {port} ist schon belegt (läuft dort schon eine Vorschau oder "
                         f"ein anderer Server?){hint}")


@dataclass
class State:
    """What the browser asks for: the site's version (a new one means reload) and the
    problems (a new list means redraw the banner). Waiters block on `changed`."""

    site: int = 0
    messages: int = 0
    problems: list[dict] = field(default_factory=list)
    note: str = ""
    """A line above the problems, e.g. that the last readable site is shown."""
    closing: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, *, site: bool, problems: list[dict], note: str) -> None:
        with self.changed:
            if site:
                self.site += 1
            if site or problems != self.problems or note != self.note:
                self.messages += 1
            self.problems, self.note = problems, note
            self.changed.notify_all()

    def snapshot(self) -> dict:
        return {"seite": self.site, "meldungen": self.messages, "probleme": self.problems,
                "hinweis": self.note}

    def wait(self, site: str, messages: str, timeout: float) -> dict:
        with self.changed:
            self.changed.wait_for(lambda: self.closing or str(self.site) != site
                                  or str(self.messages) != messages, timeout)
            return self.snapshot()

    def close(self) -> None:
        with self.changed:
            self.closing = True
            self.changed.notify_all()


def safe_path(root: Path, request_path: str) -> Path | None:
    """The file under `root` a request names, or None (→ 404): no `..` or hidden segments
    (also percent-encoded), no symbolic link leading out, no folders (no listing)."""
    path = urllib.parse.urlsplit(request_path).path
    try:
        path = urllib.parse.unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\x00" in path or "\\" in path:
        return None
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") or p.startswith(".") for p in parts):
        return None
    target = root.joinpath(*parts) if parts else root
    if not parts or path.endswith("/"):
        target = target / "index.html"
    try:
        real = target.resolve(strict=True)
        base = root.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(base) or not real.is_file():
        return None
    return real


def inject(page: bytes, site_version: int) -> bytes:
    """The reload script and the banner's style sheet in an HTML page, at serve time (the
    built site stays as `lip site` writes it)."""
    tag = (f'<link rel="stylesheet" href="{PREFIX}vorschau.css">'
           f'<script src="{PREFIX}vorschau.js" data-seite="{site_version}" defer></script>')
    at = page.find(b"</head>")
    if at < 0:
        return page + tag.encode()
    return page[:at] + tag.encode() + page[at:]


def make_handler(site_dir: Path, state: State):
    class Handler(BaseHTTPRequestHandler):
        server_version = "lip-vorschau"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base's name)
            pass  # the terminal shows rebuilds and problems, not every request

        def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:  # noqa: N802
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith(PREFIX):
                self._own(path[len(PREFIX):], head)
                return
            with state.changed:
                version = state.site
            target = safe_path(site_dir, self.path)
            if target is None:
                self._send(404, "text/plain; charset=utf-8", b"Nicht gefunden.", head)
                return
            try:
                data = target.read_bytes()
            except OSError:  # swapped away between resolve and read: the next try finds it
                self._send(404, "text/plain; charset=utf-8", b"Nicht gefunden.", head)
                return
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if kind == "text/html":
                data, kind = inject(data, version), "text/html; charset=utf-8"
            elif kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml"):
                kind += "; charset=utf-8"
            self._send(200, kind, data, head)

        def _own(self, name: str, head: bool) -> None:
            if name in ("vorschau.js", "vorschau.css"):
                kind = "text/javascript" if name.endswith(".js") else "text/css"
                self._send(200, f"{kind}; charset=utf-8", (ASSETS / name).read_bytes(), head)
            elif name == "stand":
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                answer = state.wait(query.get("seite", [""])[0], query.get("meldungen", [""])[0],
                                    POLL_SECONDS)
                self._send(200, "application/json; charset=utf-8",
                           json.dumps(answer, ensure_ascii=False).encode(), head)
            else:
                self._send(404, "text/plain; charset=utf-8", b"Nicht gefunden.", head)

        def _send(self, code: int, kind: str, body: bytes, head: bool) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head:
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the browser went away (a reload): nothing to do

    return Handler


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # a port in use must be noticed, not shared

    def handle_error(self, request, client_address) -> None:
        """A browser that drops its connection (a reload, a closed tab) is normal: no
        traceback in the editor's terminal; anything else in one German line."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        print(f"Vorschau: Anfrage nicht beantwortet: {error!r}", file=sys.stderr)


def free_port(start: int) -> int | None:
    """A free port near `start` to suggest (the next ones first, else any)."""
    for port in [*range(start + 1, min(start + 20, 65535) + 1), 0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return s.getsockname()[1]
    return None


def serve(site_dir: Path, state: State, port: int) -> PreviewServer:
    """Bind to 127.0.0.1:`port` (0: any free port); raise PortBelegt with a suggestion."""
    try:
        return PreviewServer((HOST, port), make_handler(site_dir, state))
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortBelegt(port, free_port(port)) from None
        raise
