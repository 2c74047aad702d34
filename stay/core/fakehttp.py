"""A tiny HTTP server on 127.0.0.1 for the fakes that stand in for outside services.

A fake subclasses :class:`FakeServer` and implements ``handle(request) -> (status, body)`` (or
``(status, body, headers)``); the server records every request, and ``failures`` makes the
next calls fail with a status."""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.failures: list[int] = []
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> "FakeServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(self, request: Request) -> tuple[int, Any] | tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def _dispatch(self, request: Request) -> tuple[int, Any] | tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.requests.append(request)
            if self.failures:
                return self.failures.pop(0), {"error": {"message": "a failure the test asked for"}}
        return self.handle(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                url = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=url.path,
                    query=parse_qs(url.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                answer = fake._dispatch(request)
                status, body = answer[0], answer[1]
                headers: dict[str, str] = answer[2] if len(answer) == 3 else {}  # type: ignore[misc]
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                headers.setdefault(
                    "Content-Type", "application/octet-stream" if isinstance(body, bytes) else "application/json"
                )
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
