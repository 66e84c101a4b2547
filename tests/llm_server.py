"""A scripted OpenAI-compatible (and Ollama) chat server on 127.0.0.1 for the LLM tests.

No real model runs in the tests: the server replays the replies a test scripts, streaming or not,
and records the requests it received (so a test can check the prompt that was sent).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any



@dataclass
class Reply:
    """What the server answers to one request.

    `content`: the model's text, sent as one JSON completion or, for a streaming request, as SSE
    events of `chunks` pieces. `raw`: a body sent as is (with `status`). `delay`: seconds before
    answering; `stall_after`: for a stream, chunks sent before stalling `delay` seconds."""

    content: str | None = None
    chunks: int = 4
    raw: bytes | None = None
    status: int = 200
    delay: float = 0.0
    stall_after: int | None = None


@dataclass
class Server:
    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        self.replies[:] = replies


def _pieces(text: str, n: int) -> list[str]:
    size = max(1, -(-len(text) // n))
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


class _Handler(BaseHTTPRequestHandler):
    server_state: Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        state = self.server.state  # type: ignore[attr-defined]
        state.requests.append({"path": self.path, "body": body})
        reply = state.replies.pop(0) if state.replies else Reply(content="")
        try:
            self._answer(reply, body)
        except OSError:  # the client gave up (timeout test)
            pass

    def _send(self, status: int, ctype: str, payload: bytes | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if payload is not None:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload is not None:
            self.wfile.write(payload)

    def _answer(self, reply: Reply, body: dict[str, Any]) -> None:
        if reply.delay and reply.stall_after is None:
            time.sleep(reply.delay)
        if reply.raw is not None:
            self._send(reply.status, "application/json", reply.raw)
            return
        ollama = self.path.startswith("/api/")
        if not body.get("stream"):
            if ollama:
                message = {"model": "test", "created_at": "2024-06-17T00:00:00Z", "done": True,
                           "message": {"role": "assistant", "content": reply.content}}
            else:
                message = {"id": "c1", "object": "chat.completion", "created": 0, "model": "test",
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": reply.content}}]}
            self._send(reply.status, "application/json", json.dumps(message).encode())
            return
        self._send(reply.status, "application/x-ndjson" if ollama else "text/event-stream")
        for i, piece in enumerate(_pieces(reply.content or "", reply.chunks)):
            if reply.stall_after is not None and i == reply.stall_after:
                time.sleep(reply.delay)
            if ollama:
                event = json.dumps({"model": "test", "created_at": "2024-06-17T00:00:00Z", "done": False,
                                    "message": {"role": "assistant", "content": piece}}) + "\n"
            else:
                event = "data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 0,
                                               "model": "test", "choices": [{"index": 0, "finish_reason": None,
                                               "delta": {"role": "assistant", "content": piece}}]}) + "\n\n"
            self.wfile.write(event.encode())
            self.wfile.flush()
            time.sleep(0.02)
        if ollama:
            self.wfile.write((json.dumps({"model": "test", "created_at": "2024-06-17T00:00:00Z", "done": True,
                                          "done_reason": "stop",
                                          "message": {"role": "assistant", "content": ""}}) + "\n").encode())
        else:
            self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


@contextmanager
def running_server() -> Iterator[Server]:
    """A scripted server on a free port of 127.0.0.1, shut down on exit."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    httpd.state = Server(port=httpd.server_address[1])  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield httpd.state  # type: ignore[attr-defined]
    finally:
        httpd.shutdown()
        httpd.server_close()
