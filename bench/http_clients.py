"""Which HTTP client should the gateway forward with: CPU per call of requests, urllib3 and httpx, same upstream.

A gunicorn server with threaded workers (keep-alive) answers a small JSON body; each client, from one thread
over one kept-alive connection, makes --calls GETs with the headers a forwarded call carries, reading the body
as bytes. Reports the client process's CPU per call (``time.process_time``) and the wall time per call, each
client measured --rounds times in alternation so a drift of the machine hits all of them alike.

    python bench/http_clients.py [--calls 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import urllib3
from _common import GUNICORN, machine, now_iso, report

from psi_chassis.testing import free_port, wait_for

APP = """
def app(environ, start_response):
    body = b'{"sku":"HOT-1","on_hand":"1000.000000","reserved":"0.000000","warehouses":[]}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
"""
HEADERS = {
    "Accept": "application/json",
    "Authorization": "Bearer " + "x" * 300,
    "X-Request-ID": "a" * 32,
    "X-Forwarded-For": "127.0.0.1",
    "User-Agent": "bench",
}
PATH = "/api/v1/inventory/stock/HOT-1"


def clients(base: str) -> dict[str, Callable[[], bytes]]:
    import httpx
    import requests

    session = requests.Session()
    session.trust_env = False
    pool = urllib3.connection_from_url(base, maxsize=4, block=False, retries=False)
    timeout = urllib3.Timeout(connect=2.0, read=30.0)
    client = httpx.Client(base_url=base, trust_env=False, timeout=httpx.Timeout(30.0, connect=2.0))

    def with_requests() -> bytes:
        answer = session.get(base + PATH, headers=HEADERS, timeout=(2.0, 30.0), allow_redirects=False, stream=True)
        try:
            return answer.raw.read(decode_content=False)
        finally:
            answer.close()

    def with_urllib3() -> bytes:
        answer = pool.urlopen(
            "GET",
            PATH,
            headers=HEADERS,
            retries=False,
            redirect=False,
            timeout=timeout,
            preload_content=False,
            decode_content=False,
        )
        body = answer.read(decode_content=False)
        answer.release_conn()
        return body

    def with_httpx() -> bytes:
        with client.stream("GET", PATH, headers=HEADERS) as answer:
            return b"".join(answer.iter_raw())

    return {"requests": with_requests, "urllib3": with_urllib3, "httpx": with_httpx}


def measure(call: Callable[[], bytes], calls: int) -> tuple[float, float]:
    for _ in range(50):
        call()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        if not call().startswith(b'{"sku"'):
            raise RuntimeError("wrong body")
    return 1e6 * (time.process_time() - cpu) / calls, 1e6 * (time.perf_counter() - wall) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=3000, help="calls per client and round (default 3000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, the clients in alternation (default 3)")
    parser.add_argument("--json-out", help="also append the JSON result line to this file")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="psi-bench-clients-"))
    (workdir / "upstream.py").write_text(APP)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            GUNICORN,
            "--chdir",
            str(workdir),
            "-k",
            "gthread",
            "--threads",
            "4",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "upstream:app",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(
            lambda: urllib3.request("GET", base + PATH, retries=False, timeout=1).status == 200,
            timeout=30,
            message="the upstream answers",
        )
        found: dict[str, list[tuple[float, float]]] = {}
        by_name = clients(base)
        for _ in range(args.rounds):
            for name, call in by_name.items():
                found.setdefault(name, []).append(measure(call, args.calls))
    finally:
        server.terminate()
        server.wait(timeout=30)
    summary = {
        name: {
            "cpu_us_per_call": round(statistics.median(c for c, _ in runs), 1),
            "wall_us_per_call": round(statistics.median(w for _, w in runs), 1),
            "cpu_us_runs": [round(c, 1) for c, _ in runs],
        }
        for name, runs in found.items()
    }
    lines = [f"HTTP clients: {args.calls} GETs x {args.rounds} rounds each, one keep-alive connection"]
    lines += [
        f"  {name:9} CPU {s['cpu_us_per_call']:7.1f} us/call (runs {s['cpu_us_runs']}), "
        f"wall {s['wall_us_per_call']:7.1f} us/call"
        for name, s in summary.items()
    ]
    report(
        {"bench": "http_clients", "date": now_iso(), "machine": machine(), "params": vars(args), "clients": summary},
        lines,
        args.json_out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
