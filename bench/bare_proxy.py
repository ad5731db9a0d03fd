"""The least a Python forwarder can do, as a floor for the gateway's cost: a bare WSGI app that passes each request
to one upstream over a urllib3 keep-alive pool and its answer back, with no checks, no logs and no metrics.

    BARE_PROXY_UPSTREAM=http://127.0.0.1:8003 gunicorn --chdir bench -k gthread --threads 16 bare_proxy:app

bench/gateway.py runs it under the gateway's own gunicorn worker and settings, in the same run as the gateway.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import urllib3

_POOL = urllib3.connection_from_url(os.environ["BARE_PROXY_UPSTREAM"], maxsize=32, block=False, retries=False)
_TIMEOUT = urllib3.Timeout(connect=2.0, read=30.0)
_DROPPED = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"})


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
    headers.pop("Host", None)
    target = environ["PATH_INFO"] + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
    answer = _POOL.urlopen(
        environ["REQUEST_METHOD"],
        target,
        headers=headers,
        retries=False,
        redirect=False,
        timeout=_TIMEOUT,
        preload_content=False,
        decode_content=False,
    )
    body = answer.read(decode_content=False)
    answer.release_conn()
    start_response(
        f"{answer.status} {answer.reason}",
        [(k, v) for k, v in answer.headers.iteritems() if k.lower() not in _DROPPED]
        + [("Content-Length", str(len(body)))],
    )
    return [body]
