"""What the gateway costs: the same GET straight to inventory and through the gateway, in one run.

One inventory API and the gateway, both under gunicorn as deployed, on fresh databases; one SKU with stock. Then
--requests calls of ``GET /api/v1/inventory/stock/<sku>`` from --clients threads (each with its own keep-alive
urllib3 connection pool and the admin's token), first straight to the inventory API, then through the gateway,
then through ``bench/bare_proxy.py`` (a WSGI app that only forwards, under the gateway's gunicorn worker: the floor
of any Python forwarder on this machine), then straight again (so a drift of the machine shows). Reports the rate
of each phase, the ratio through / direct (the direct rate is the mean of the two direct phases), latency, and the
CPU each party used per request: the gateway's is the figure the gateway is judged by. Every answer must be a 200
whose body names the SKU.

With ``--profile`` the through-gateway phase runs a second time with py-spy attached to one gateway worker and the
top functions are printed (py-spy must be installed: ``.venv/bin/pip install py-spy``).

    python bench/gateway.py [--requests 5000] [--clients 16] [--inventory-workers 2] [--gateway-workers 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import urllib3
from _common import (
    GUNICORN,
    ROOT,
    BenchStack,
    CpuMeter,
    add_common_arguments,
    latency_summary,
    machine,
    now_iso,
    report,
    server_versions,
    wait_until_quiet,
)
from reservations import HOT, seed

from psi_chassis.testing import ServiceProcess, free_port, wait_for

PATH = f"/api/v1/inventory/stock/{HOT}"


def phase(base_url: str, token: str, requests: int, clients: int, groups: dict[str, int]) -> dict[str, Any]:
    """``requests`` GETs from ``clients`` threads; rate, latency, statuses and the CPU of each party."""
    local = threading.local()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    expected = f'"sku":"{HOT}"'.encode()

    def one(_: int) -> tuple[int | str, float]:
        pool = getattr(local, "pool", None)
        if pool is None:
            pool = local.pool = urllib3.connection_from_url(base_url, maxsize=1, block=True)
        started = time.perf_counter()
        try:
            answer = pool.urlopen("GET", PATH, headers=headers, retries=False, timeout=30)
            status: int | str = answer.status
            if status == 200 and expected not in answer.data.replace(b" ", b""):
                status = "wrong body"
        except urllib3.exceptions.HTTPError as exc:
            status = type(exc).__name__
        return status, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(clients * 10)))  # warm-up: every worker has its code, keys and connections
        meter = CpuMeter(groups).start()
        started = time.perf_counter()
        results = list(pool.map(one, range(requests)))
        elapsed = time.perf_counter() - started
        cpu = meter.stop()
    statuses = Counter(str(status) for status, _ in results)
    ok = statuses.get("200", 0)
    return {
        "requests_per_s": round(ok / elapsed, 1),
        "elapsed_s": round(elapsed, 3),
        "statuses": dict(statuses),
        "latency": latency_summary([lat for status, lat in results if status == 200]),
        "cpu": cpu,
        "cpu_ms_per_request": {k: round(1000 * v / max(ok, 1), 3) for k, v in cpu["cpu_s"].items()},
    }


def profile_gateway(stack: BenchStack, gateway: str, token: str, args: argparse.Namespace) -> list[str]:
    """The through-gateway phase again under py-spy (one worker); the functions with most own samples."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    workers = subprocess.run(
        ["pgrep", "-P", str(pid_of(stack, "gateway-api"))], capture_output=True, text=True
    ).stdout.split()
    if not Path(spy).exists() or not workers:
        return ["py-spy not installed (.venv/bin/pip install py-spy) or no gateway worker found"]
    out = Path(tempfile.mkdtemp(prefix="psi-bench-pyspy-")) / "gateway.json"
    recorder = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            workers[0],
            "--format",
            "speedscope",
            "--output",
            str(out),
            "--rate",
            "250",
            "--nonblocking",
            "--gil",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        phase(gateway, token, args.requests, args.clients, {})
    finally:
        recorder.send_signal(2)
        recorder.wait(timeout=60)
    return top_functions(out, 40)


def top_functions(speedscope: Path, count: int) -> list[str]:
    """Own and total share of the samples per function, from a py-spy speedscope file."""
    data = json.loads(speedscope.read_text())
    frames = data["shared"]["frames"]
    own: Counter[int] = Counter()
    total: Counter[int] = Counter()
    samples = 0
    for profile in data["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not stack:
                continue
            samples += weight
            own[stack[-1]] += weight
            for frame in set(stack):
                total[frame] += weight
    lines = [f"{samples:.1f} s sampled (GIL held); own% total% function (file:line)"]
    for frame, weight in own.most_common(count):
        info = frames[frame]
        lines.append(
            f"{100 * weight / samples:5.1f} {100 * total[frame] / samples:5.1f}  {info['name']} "
            f"({'/'.join(Path(info.get('file', '?')).parts[-2:])}:{info.get('line', '?')})"
        )
    return lines


def bare_proxy(stack: BenchStack, upstream: str, args: argparse.Namespace) -> str:
    """bench/bare_proxy.py under the gateway's gunicorn worker class and threads, forwarding to ``upstream``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    threads = str(args.gateway_threads or 16)
    argv = [
        GUNICORN,
        "--chdir",
        str(ROOT / "bench"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.gateway_workers),
        "--worker-class",
        "psi_chassis.gunicorn_workers.ThreadWorker",
        "--threads",
        threads,
        "bare_proxy:app",
    ]
    process = ServiceProcess("bare-proxy", argv, {"BARE_PROXY_UPSTREAM": upstream}, stack.log_dir, cwd=ROOT)
    stack.processes.append(process.start())
    wait_for(
        lambda: urllib3.request("GET", f"{url}/alive", retries=False, timeout=1).status == 200,
        timeout=60,
        message="the bare proxy answers",
    )
    return url


def pid_of(stack: BenchStack, name: str) -> int:
    return next(p.pid for p in stack.processes if p.name == name)


def run(args: argparse.Namespace) -> int:
    background = wait_until_quiet(args.quiet_below, args.quiet_wait)
    with BenchStack("gateway", keep_logs=args.keep_logs) as stack:
        url = stack.database("inventory")
        stack.database("gateway")
        seed(url, 1000, 1)
        threaded = (
            ["--worker-class", "psi_chassis.gunicorn_workers.ThreadWorker", "--threads", str(args.inventory_threads)]
            if args.inventory_threads
            else []
        )
        inventory = stack.api("inventory", workers=args.inventory_workers, options=threaded)
        # The limits stay on (their cost is part of every request) but far above what the bench sends.
        limits = {"PSI_RATE_LIMIT_PER_USER": "10000000/minute", "PSI_RATE_LIMIT_PER_IP": "10000000/minute"}
        if args.rate_limit_storage:
            limits["PSI_RATE_LIMIT_STORAGE"] = args.rate_limit_storage
        gateway = stack.api(
            "gateway",
            workers=args.gateway_workers,
            **limits,
            options=["--threads", str(args.gateway_threads)] if args.gateway_threads else [],
        )
        token = stack.login()
        bare = bare_proxy(stack, inventory, args)
        groups = {
            "inventory_api": pid_of(stack, "inventory-api"),
            "gateway_api": pid_of(stack, "gateway-api"),
            "bare_proxy": pid_of(stack, "bare-proxy"),
        }
        direct = phase(inventory, token, args.requests, args.clients, groups)
        through = phase(gateway, token, args.requests, args.clients, groups)
        floor = phase(bare, token, args.requests, args.clients, groups)
        direct_again = phase(inventory, token, args.requests, args.clients, groups)
        profile = profile_gateway(stack, gateway, token, args) if args.profile else []

        direct_rate = (direct["requests_per_s"] + direct_again["requests_per_s"]) / 2
        ratio = round(through["requests_per_s"] / direct_rate, 3) if direct_rate else None
        gateway_cpu = through["cpu_ms_per_request"]["gateway_api"]
        ok = all(p["statuses"] == {"200": args.requests} for p in (direct, through, floor, direct_again))
        floor_cpu = floor["cpu_ms_per_request"]["bare_proxy"]
        floor_ratio = round(floor["requests_per_s"] / direct_rate, 3) if direct_rate else None
        result: dict[str, Any] = {
            "bench": "gateway",
            "date": now_iso(),
            "params": {
                "requests": args.requests,
                "clients": args.clients,
                "inventory_workers": args.inventory_workers,
                "inventory_threads": args.inventory_threads,
                "gateway_workers": args.gateway_workers,
                "path": PATH,
            },
            "machine": machine(),
            "servers": server_versions(stack.database_admin_url),
            "background_busy_pct": background,
            "direct": direct,
            "through_gateway": through,
            "bare_proxy": floor,
            "direct_again": direct_again,
            "ratio_through_to_direct": ratio,
            "ratio_bare_proxy_to_direct": floor_ratio,
            "gateway_cpu_ms_per_request": gateway_cpu,
            "bare_proxy_cpu_ms_per_request": floor_cpu,
            "all_ok": ok,
            "profile": profile,
        }
        summary = [
            f"gateway: {args.requests} x GET {PATH}, {args.clients} clients; inventory {args.inventory_workers} "
            f"workers, gateway {args.gateway_workers} workers"
            + (f"   [machine {background}% busy before the run]" if background >= args.quiet_below else ""),
        ]
        for name, p in (
            ("direct", direct),
            ("through gateway", through),
            ("bare proxy", floor),
            ("direct again", direct_again),
        ):
            summary.append(
                f"  {name:16} {p['requests_per_s']:8.1f}/s  p50 {p['latency'].get('p50_ms')} ms  "
                f"p99 {p['latency'].get('p99_ms')} ms  statuses {p['statuses']}  CPU ms/request "
                f"{p['cpu_ms_per_request']}"
            )
        summary.append(f"  through / direct = {ratio}; gateway CPU {gateway_cpu} ms per forwarded request")
        summary.append(f"  floor: bare proxy / direct = {floor_ratio}; bare proxy CPU {floor_cpu} ms per request")
        summary.extend(f"  {line}" for line in profile)
        report(result, summary, args.json_out)
        stack.failed = not ok
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000, help="GETs per phase (default 5000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads (default 16)")
    parser.add_argument("--inventory-workers", type=int, default=2, help="inventory API workers (default 2)")
    parser.add_argument(
        "--inventory-threads",
        type=int,
        default=0,
        help="run the inventory API with threaded workers of this many threads (keep-alive); "
        "default 0: its gunicorn.conf.py (sync workers)",
    )
    parser.add_argument("--gateway-workers", type=int, default=2, help="gateway workers (default 2)")
    parser.add_argument(
        "--rate-limit-storage",
        default="",
        help="where the gateway counts rate limits, e.g. redis://127.0.0.1:6379 (default: memory)",
    )
    parser.add_argument(
        "--gateway-threads",
        type=int,
        default=0,
        help="threads per gateway worker (default 0: gateway/gunicorn.conf.py's)",
    )
    parser.add_argument("--profile", action="store_true", help="also profile one gateway worker with py-spy")
    add_common_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
