"""Forwarding one request to one service and bringing its answer back unchanged.

:class:`ServiceClient` is the only place that talks HTTP to a service: one urllib3 keep-alive pool per
service, a connect and a read timeout on every call, no redirects followed, no cookies kept, no proxy or netrc
settings taken from the environment. Failures to reach the service become :class:`UpstreamError` subclasses,
which the app turns into application/problem+json. Retries for GETs and a circuit breaker per service (a later
issue) wrap ``ServiceClient.send``; headers the gateway adds after authentication go in
:func:`forward_headers`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import urllib3
from flask import Response, g
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from psi_chassis.web import REQUEST_ID_HEADER
from psi_gateway.breaker import BreakerOpen, ServiceBreaker
from psi_gateway.config import GatewaySettings

_log = logging.getLogger(__name__)

#: RFC 9110 §7.6.1 connection-specific headers, never forwarded in either direction.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
#: Request headers the gateway sets itself (or the HTTP client computes) instead of copying the client's.
_REQUEST_REPLACED = frozenset({"host", "content-length", "expect", REQUEST_ID_HEADER.lower()})
#: Identity headers only the gateway may set: a client sending them is ignored (Authorization passes as is).
IDENTITY_PREFIXES = ("x-user-", "x-psi-")
IDENTITY_HEADERS = frozenset(
    {"x-user", "remote-user", "x-remote-user", "x-forwarded-user", "x-authenticated-user", "x-auth-user"}
)
#: A service's word to the gateway alone (PSI-Outcome: none, "this 5xx wrote nothing"), never passed on.
OUTCOME_HEADER = "psi-outcome"
#: Response headers the gateway's own server writes, or that are meant for the gateway only.
_RESPONSE_REPLACED = frozenset({"content-length", "server", "date", REQUEST_ID_HEADER.lower(), OUTCOME_HEADER})

# RFC 3986 characters that may stand unencoded in a path, and in a query string (where "%" is kept as sent).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?%[]"


# --- errors -------------------------------------------------------------------------------------------------


class UpstreamError(Exception):
    """The service could not give an answer; rendered as problem+json by the app."""

    status = 502
    title = "Bad Gateway"
    code = "BAD_GATEWAY"

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(detail)
        self.service = service
        self.detail = detail


class ServiceUnavailable(UpstreamError):
    status = 503
    title = "Service Unavailable"
    code = "SERVICE_UNAVAILABLE"


class ServiceTimeout(UpstreamError):
    status = 504
    title = "Gateway Timeout"
    code = "SERVICE_TIMEOUT"


class ServiceUnreachable(ServiceUnavailable):
    """No connection could be made: the service cannot have seen the request."""


class ConnectTimedOut(ServiceTimeout):
    """No connection within the connect timeout: the service cannot have seen the request either."""


class CircuitOpen(ServiceUnavailable):
    code = "CIRCUIT_OPEN"


class BadUpstreamResponse(UpstreamError):
    status = 502
    title = "Bad Gateway"
    code = "BAD_UPSTREAM_RESPONSE"


# --- headers ------------------------------------------------------------------------------------------------


def _connection_listed(headers: Iterable[tuple[str, str]]) -> set[str]:
    """Header names a ``Connection`` header declares hop-by-hop."""
    listed: set[str] = set()
    for name, value in headers:
        if name.lower() == "connection":
            listed.update(token.strip().lower() for token in value.split(",") if token.strip())
    return listed


def is_identity_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in IDENTITY_HEADERS or lowered.startswith(IDENTITY_PREFIXES)


def forward_headers(incoming: Iterable[tuple[str, str]], *, request_id: str, remote_addr: str | None) -> dict[str, str]:
    """The headers sent to the service: the client's minus hop-by-hop and identity ones, plus the request id.

    ``X-Forwarded-For`` gets ``remote_addr`` appended, as any proxy does: the address of the gateway's TCP peer,
    which is the client, or, behind trusted proxies, the last proxy (whose own entry is already in the list).
    """
    incoming = list(incoming)
    dropped = HOP_BY_HOP | _REQUEST_REPLACED | _connection_listed(incoming)
    headers: dict[str, str] = {}
    for name, value in incoming:
        lowered = name.lower()
        if lowered in dropped or is_identity_header(lowered):
            continue
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if remote_addr:
        previous = next((v for k, v in headers.items() if k.lower() == "x-forwarded-for"), None)
        headers = {k: v for k, v in headers.items() if k.lower() != "x-forwarded-for"}
        headers["X-Forwarded-For"] = f"{previous}, {remote_addr}" if previous else remote_addr
    headers[REQUEST_ID_HEADER] = request_id
    return headers


def upstream_target(path: str, query_string: bytes) -> str:
    """Path and query for the service.

    The decoded path is re-encoded; the query string stays exactly as the client sent it (only bytes that
    cannot appear in a request line are percent-encoded).
    """
    target = quote(path, safe=_PATH_SAFE)
    if query_string:
        target += "?" + quote(query_string, safe=_QUERY_SAFE)
    return target


# --- the client of one service ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpstreamResponse:
    """What the service answered: status, headers (repeated ones kept apart) and the body bytes as sent."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class ServiceClient:
    """A pool of keep-alive connections to one service (urllib3, no wrapper above it).

    The pool holds up to ``pool_size`` idle connections and opens more when every one is busy (``block=False``):
    concurrency is bounded by the gateway's threads, never by this pool. Measured with ``bench/gateway.py``,
    ``requests`` on top of urllib3 was about a fifth of the gateway's CPU per forwarded request (preparing,
    merging settings, hooks, cookie jars); this client builds nothing per call but the header dict. It follows
    no redirect, keeps no cookie, reads no proxy or netrc setting from the environment, retries nothing itself
    (the proxy decides) and returns the body exactly as sent (no decompression).
    """

    def __init__(
        self, name: str, base_url: str, *, connect_timeout: float, read_timeout: float, pool_size: int = 32
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._pool = urllib3.connection_from_url(self.base_url, maxsize=pool_size, block=False, retries=False)

    def send(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> UpstreamResponse:
        """One call to the service; ``target`` is path plus query, used exactly as given."""
        try:
            response = self._pool.urlopen(
                method,
                target,
                body=body or None,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                timeout=self._timeout,
                preload_content=False,
                decode_content=False,
            )
        except urllib3.exceptions.NewConnectionError as exc:  # a subclass of ConnectTimeoutError: test it first
            raise ServiceUnreachable(self.name, f"{self.name} cannot be reached") from exc
        except urllib3.exceptions.ConnectTimeoutError as exc:
            raise ConnectTimedOut(
                self.name, f"{self.name} did not accept a connection within {self.timeout[0]} s"
            ) from exc
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise ServiceTimeout(self.name, f"{self.name} did not answer within {self.timeout[1]} s") from exc
        except (urllib3.exceptions.ProtocolError, ConnectionError) as exc:
            raise ServiceUnavailable(self.name, f"{self.name} dropped the connection") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise BadUpstreamResponse(self.name, f"{self.name} sent an invalid response") from exc
        try:
            content = response.read(decode_content=False)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise ServiceTimeout(self.name, f"{self.name} did not finish answering within {self.timeout[1]} s") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise BadUpstreamResponse(self.name, f"{self.name} broke off its response") from exc
        finally:
            response.release_conn()
        return UpstreamResponse(status=response.status, headers=tuple(response.headers.iteritems()), body=content)

    def probe_alive(self, timeout: float) -> dict[str, Any]:
        """``GET /alive`` on the service: ``{"status": "up"}`` when it answers 200, else ``down`` and why."""
        try:
            response = self._pool.urlopen(
                "GET",
                "/alive",
                retries=False,
                redirect=False,
                preload_content=True,
                timeout=urllib3.Timeout(connect=min(self.timeout[0], timeout), read=timeout),
            )
        except urllib3.exceptions.NewConnectionError:  # refused: a subclass of the timeout errors, so first
            return {"status": "down", "reason": "unreachable"}
        except urllib3.exceptions.TimeoutError:
            return {"status": "down", "reason": "timeout"}
        except (urllib3.exceptions.HTTPError, OSError):
            return {"status": "down", "reason": "unreachable"}
        if response.status == 200:
            return {"status": "up"}
        return {"status": "down", "reason": f"http {response.status}"}

    def close(self) -> None:
        self._pool.close()


# --- the proxy ----------------------------------------------------------------------------------------------


_RETRYABLE_METHODS = frozenset({"GET", "HEAD"})
_FIRST_RETRY_WAIT = 0.05


class Proxy:
    """The clients of every configured service, and the forwarding of one matched request.

    Each service has one circuit breaker (per worker process, :mod:`psi_gateway.breaker`): after
    ``breaker_failures`` consecutive failures to get an answer (refused connection, timeout) calls fail fast
    with 503 for ``breaker_reset_seconds``, then one trial call decides. The breaker never wraps the call in a
    lock: calls to one service run concurrently, bounded only by the worker's threads. GETs (and only GETs,
    which are safe to repeat) are retried with backoff when the service could not be reached at all.
    """

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.clients = {
            name: ServiceClient(name, url, connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout)
            for name, url in settings.service_urls.items()
        }
        self.breakers = {
            name: ServiceBreaker(
                name,
                fail_max=settings.breaker_failures,
                reset_seconds=settings.breaker_reset_seconds,
                is_failure=_is_service_failure,
            )
            for name in settings.service_urls
        }

    def _send(self, service: str, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Any:
        client = self.client(service)
        breaker = self.breakers[service]

        def attempts() -> UpstreamResponse:
            try:
                return client.send(method, target, headers, body)
            except UpstreamError as exc:
                if method not in _RETRYABLE_METHODS or self.settings.get_retries <= 0 or not _worth_retrying(exc):
                    raise
            # Only now, after a GET found the service unreachable, is the retry machinery built; the first retry
            # waits as long as the backoff's first step, then tenacity backs off from there.
            time.sleep(_FIRST_RETRY_WAIT)
            retrying = Retrying(
                stop=stop_after_attempt(self.settings.get_retries),
                wait=wait_exponential_jitter(multiplier=0.05, max=0.5),
                retry=retry_if_exception(_worth_retrying),
                reraise=True,
            )
            return retrying(client.send, method, target, headers, body)

        # One logical call is one breaker event, however many attempts its retries made. The breaker is asked
        # before and told after; the call itself runs outside its lock, so calls to a service run side by side.
        try:
            with breaker.guard():
                return attempts()
        except BreakerOpen as exc:
            raise CircuitOpen(service, f"{service} is failing; calls are paused for a while") from exc

    def client(self, service: str) -> ServiceClient:
        try:
            return self.clients[service]
        except KeyError:
            raise ServiceUnreachable(service, f"{service} is not configured at this gateway") from None

    def forward(
        self,
        service: str,
        *,
        method: str,
        path: str,
        query_string: bytes,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        request_id: str,
        remote_addr: str | None,
    ) -> UpstreamResponse:
        target = upstream_target(path, query_string)
        outgoing = forward_headers(headers, request_id=request_id, remote_addr=remote_addr)
        started = time.perf_counter()
        try:
            answer = self._send(service, method, target, outgoing, body)
        except UpstreamError as exc:
            _log.warning(
                "%s %s -> %s failed: %s",
                method,
                path,
                service,
                exc.detail,
                extra={"upstream": service, "code": exc.code, "elapsed_ms": _ms_since(started)},
            )
            raise
        # A forwarded call is one log line: the access log's, carrying these (psi_chassis.web).
        g.access_log_extra = {"upstream": service, "upstream_status": answer.status, "elapsed_ms": _ms_since(started)}
        return answer

    def health(self, timeout: float = 2.0) -> dict[str, dict[str, Any]]:
        """Every configured service's /alive, probed concurrently."""
        if not self.clients:
            return {}
        with ThreadPoolExecutor(max_workers=len(self.clients), thread_name_prefix="gateway-health") as pool:
            futures = {name: pool.submit(client.probe_alive, timeout) for name, client in self.clients.items()}
            return {name: future.result() for name, future in futures.items()}

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def _is_service_failure(exc: BaseException) -> bool:
    """Only "no answer" (refused, timed out) trips a breaker; a bad answer is the service's business."""
    return isinstance(exc, (ServiceUnavailable, ServiceTimeout)) and not isinstance(exc, CircuitOpen)


def _worth_retrying(exc: BaseException) -> bool:
    """Repeat a GET when the service could not be reached; not when it was slow (that would only pile on)."""
    return isinstance(exc, (ServiceUnreachable, ConnectTimedOut))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def to_flask_response(answer: UpstreamResponse, *, method: str, base_url: str | None = None) -> Response:
    """The service's answer as the gateway's response: status, body and content type unchanged.

    Hop-by-hop headers are dropped; a ``Location`` pointing into the service is made relative to the gateway.
    """
    dropped = HOP_BY_HOP | _RESPONSE_REPLACED | _connection_listed(answer.headers)
    headers: list[tuple[str, str]] = []
    content_length = None
    for name, value in answer.headers:
        lowered = name.lower()
        if lowered == "content-length":
            content_length = value
        if lowered in dropped:
            continue
        if lowered == "location" and base_url and value.startswith(base_url + "/"):
            value = value[len(base_url) :]
        headers.append((name, value))
    response = Response(answer.body, status=answer.status, headers=headers)
    if not any(name.lower() == "content-type" for name, _ in headers):
        del response.headers["Content-Type"]  # werkzeug adds text/html by default; the service sent none
    if method == "HEAD" and content_length is not None:
        response.headers["Content-Length"] = content_length
    return response
