"""gunicorn workers for PSI: problem+json for the errors gunicorn answers itself, and a lane that never waits.

Every ``gunicorn.conf.py`` names one of these as its ``worker_class``:

    worker_class = "psi_chassis.gunicorn_workers.SyncWorker"     # a service API
    worker_class = "psi_chassis.gunicorn_workers.ThreadWorker"   # the gateway

**Errors gunicorn writes itself** (a request line over ``limit_request_line``, too many or too large headers,
a request that is not HTTP, a crash outside the app) are stock gunicorn HTML pages. Both workers answer them
as ``application/problem+json`` instead, with the same fields and an ``X-Request-ID``, like every other PSI
error: a 5,000-character path is ``414 URI_TOO_LONG`` in the same shape as a ``404``.

**The priority lane** (:class:`ThreadWorker`). gunicorn's threaded worker hands every request to one thread
pool, first come first served. At the gateway almost every request waits on a service; when a burst of them
fills the pool, a request that the gateway could answer at once from memory waits behind them all. Two such
requests must never wait: a service's fetch of the token key set (``GET /api/v1/auth/jwks``; the service may
need it to check the very calls the gateway is waiting on) and the liveness probe (``/alive``), with
``/metrics`` beside them. The worker looks at the first bytes a connection sends (``MSG_PEEK``, in its event
loop, without reading them) and gives those requests a small pool of their own. A connection that has sent
nothing yet waits in the event loop, not in a thread.
"""

from __future__ import annotations

import json
import selectors
import socket
import ssl
import time
from concurrent import futures
from functools import partial
from typing import Any

from gunicorn import util
from gunicorn.http import errors as http_errors
from gunicorn.workers import gthread, sync

from psi_chassis.context import new_request_id

_BAD_HTTP = (
    http_errors.InvalidRequestLine,
    http_errors.InvalidRequestMethod,
    http_errors.InvalidHTTPVersion,
    http_errors.InvalidHeader,
    http_errors.InvalidHeaderName,
    http_errors.InvalidProxyLine,
    http_errors.InvalidSchemeHeaders,
    http_errors.ObsoleteFolding,
    http_errors.InvalidH2CPreface,
    http_errors.InvalidChunkSize,
    http_errors.ChunkMissingTerminator,
    http_errors.InvalidChunkExtension,
    ssl.SSLError,
)
#: gunicorn's own refusals: (exception types, status, title, detail). Anything else is the server's fault (500).
_REFUSALS: tuple[tuple[tuple[type[BaseException], ...], int, str, str], ...] = (
    (
        (http_errors.LimitRequestLine,),
        414,
        "URI Too Long",
        "The request line (method, path and query string) is longer than {limit} bytes.",
    ),
    (
        (http_errors.LimitRequestHeaders,),
        431,
        "Request Header Fields Too Large",
        "The request has too many header fields, or one that is too large.",
    ),
    ((http_errors.ForbiddenProxyRequest,), 403, "Forbidden", "Requests from this address are not accepted here."),
    (
        (http_errors.UnsupportedTransferCoding,),
        501,
        "Not Implemented",
        "The request uses a Transfer-Encoding this server does not support.",
    ),
    ((http_errors.ExpectationFailed,), 417, "Expectation Failed", "The server cannot meet the request's Expect."),
    (_BAD_HTTP, 400, "Bad Request", "The request is not valid HTTP/1.1."),
)


def problem_bytes(status: int, title: str, detail: str) -> bytes:
    """A complete HTTP/1.1 answer carrying a PSI problem document; the connection closes after it."""
    request_id = new_request_id()
    body = json.dumps(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "code": title.upper().replace(" ", "_"),
            "request_id": request_id,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {title}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
        f"Content-Length: {len(body)}\r\nX-Request-ID: {request_id}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ProblemErrors:
    """Mixin for a gunicorn worker: its own error answers as problem+json (replaces ``Worker.handle_error``)."""

    cfg: Any
    log: Any

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        addr = addr or ("", -1)
        refusal = next((r for r in _REFUSALS if isinstance(exc, r[0])), None)
        if refusal is not None:
            _, status, title, detail = refusal
            detail = detail.format(limit=self.cfg.limit_request_line)
            self.log.warning("Invalid request from ip=%s: %s %s", addr[0], status, type(exc).__name__)
        else:
            status, title = 500, "Internal Server Error"
            detail = "The server could not complete the request."
            self.log.exception("Error handling request %s", getattr(req, "uri", "(no URI read)"))
        try:
            util.write_nonblock(client, problem_bytes(status, title, detail))
        except Exception:  # noqa: BLE001 - the client may be gone; nothing more to tell it
            self.log.debug("Failed to send error message.")


class SyncWorker(ProblemErrors, sync.SyncWorker):
    """gunicorn's sync worker (the services' APIs) with problem+json error answers."""


#: Requests the threaded worker serves in its priority lane: method and path, query string ignored.
PRIORITY_REQUESTS = frozenset(
    {
        (b"GET", b"/api/v1/auth/jwks"),
        (b"GET", b"/alive"),
        (b"HEAD", b"/alive"),
        (b"GET", b"/metrics"),
    }
)
_PEEK_BYTES = 256


def is_priority_request(head: bytes) -> bool:
    """Whether the first bytes of a request name a priority route (an incomplete request line does not)."""
    method, _, rest = head.partition(b" ")
    target, space, _ = rest.partition(b" ")
    return bool(space) and (method, target.partition(b"?")[0]) in PRIORITY_REQUESTS


class ThreadWorker(ProblemErrors, gthread.ThreadWorker):
    """gunicorn's gthread worker (the gateway) with problem+json error answers and a priority lane."""

    #: Threads of the priority lane, beside the ``threads`` of the main pool.
    priority_threads = 2

    def init_process(self) -> None:
        self.priority_pool = futures.ThreadPoolExecutor(
            max_workers=self.priority_threads, thread_name_prefix="psi-priority"
        )
        super().init_process()  # runs the worker's loop until it stops

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.priority_pool.shutdown(wait=False)

    def handle_quit(self, sig: Any, frame: Any) -> None:
        self.priority_pool.shutdown(wait=False)
        super().handle_quit(sig, frame)

    def enqueue_req(self, conn: Any) -> None:
        """Give the request to the pool its first bytes call for; a fresh connection without bytes yet waits in
        the event loop (gunicorn's own pending list) until it sends some."""
        pool = self._pool_for(conn)
        if pool is None:
            self._await_first_bytes(conn)
            return
        done = pool.submit(self.handle, conn)
        done.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))

    def _pool_for(self, conn: Any) -> futures.ThreadPoolExecutor | None:
        if self.cfg.is_ssl:
            return self.tpool  # encrypted bytes say nothing; TLS is terminated in front of PSI anyway
        try:
            head = conn.sock.recv(_PEEK_BYTES, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None if not conn.initialized else self.tpool
        except (OSError, ValueError):
            return self.tpool  # the thread meets the error and closes the connection the usual way
        return self.priority_pool if head and is_priority_request(head) else self.tpool

    def _await_first_bytes(self, conn: Any) -> None:
        conn.sock.setblocking(False)
        # As long as gunicorn itself gives a new connection to send its request: its data wait plus keep-alive.
        conn.timeout = time.monotonic() + gthread.DEFAULT_WORKER_DATA_TIMEOUT + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))
