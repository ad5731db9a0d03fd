"""Shared by the bench scripts: a throw-away stack (databases, gunicorn APIs, consumers) and small measuring tools.

Everything started here is built from psi_chassis.testing (DatabaseFactory, ServiceProcess, free_port, wait_for)
and is torn down by :class:`BenchStack.close` (processes stopped, databases dropped, broker entities deleted),
also on Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy.engine import make_url

from psi_chassis.migrations import upgrade
from psi_chassis.registry import service
from psi_chassis.testing import ServiceProcess, free_port, http_json, wait_for
from psi_chassis.testing.plugin import DatabaseFactory

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
ADMIN_PASSWORD = "psi-bench-admin-password"
APP_MODULES = {
    "inventory": ("psi_inventory.app:create_app()", ROOT / "services/inventory/gunicorn.conf.py"),
    "gateway": ("psi_gateway.app:create_app()", ROOT / "gateway/gunicorn.conf.py"),
}


# -- environment ------------------------------------------------------------------------------------------------------
def require_env() -> tuple[str, str]:
    """TEST_DATABASE_URL and TEST_AMQP_URL, as ``make test`` and bench/run_all.sh set them."""
    db, amqp = os.environ.get("TEST_DATABASE_URL", ""), os.environ.get("TEST_AMQP_URL", "")
    if not db:
        sys.exit("TEST_DATABASE_URL is not set (e.g. postgresql+psycopg://psi_test:psi_test@127.0.0.1:5432/postgres)")
    return db, amqp


def psycopg_dsn(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://...`` -> ``postgresql://...`` for psycopg.connect."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {"nproc": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(next(ln.split()[1] for ln in meminfo.splitlines() if ln.startswith("MemTotal:")))
        info["memory_gib"] = round(kib / 1024 / 1024, 1)
        model = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")
            ),
            "",
        )
        info["cpu"] = model
    except (OSError, StopIteration, ValueError):
        pass
    return info


def server_versions(database_url: str) -> dict[str, Any]:
    import psycopg

    out: dict[str, Any] = {}
    with psycopg.connect(psycopg_dsn(database_url), autocommit=True) as conn:
        out["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
        for setting in ("synchronous_commit", "fsync", "shared_buffers", "wal_level"):
            out[f"pg_{setting}"] = conn.execute(f"SHOW {setting}").fetchone()[0]
    try:
        out["rabbitmq"] = (
            subprocess.run(["rabbitmqctl", "version"], capture_output=True, text=True, timeout=30)
            .stdout.strip()
            .splitlines()[-1]
        )
    except (OSError, IndexError, subprocess.SubprocessError):
        out["rabbitmq"] = None
    try:
        import kombu

        out["kombu"] = kombu.__version__
    except ImportError:
        pass
    return out


# -- statistics -------------------------------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean in milliseconds."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {}
    return {
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(sum(ms) / len(ms), 2),
    }


# -- CPU accounting (from /proc, no psutil) ---------------------------------------------------------------------------
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stats() -> Iterable[tuple[int, int, str, float]]:
    """(pid, pgrp, comm, cpu seconds) of every process."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        yield int(entry.name), int(fields[2]), comm, (int(fields[11]) + int(fields[12])) / _TICK


def _machine_ticks() -> tuple[float, float, float]:
    """(busy, total, irq + softirq) CPU seconds of the whole machine since boot (steal counts as busy)."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    total = sum(parts)
    idle = parts[3] + parts[4]
    return (total - idle) / _TICK, total / _TICK, (parts[5] + parts[6]) / _TICK


class CpuMeter:
    """CPU seconds used between start() and stop(), from /proc: by the process groups the bench started, by
    PostgreSQL and RabbitMQ server processes, by this client process, in interrupts (``kernel_irq``), and
    ``other``: the rest of the machine's busy time (other jobs, kernel threads, processes that came and went).

    Per process, the CPU used is its CPU at stop minus its CPU at start (all of it if it started meanwhile); a
    process that ended meanwhile is lost, so the attribution is approximate by a few hundredths of a second.
    """

    _RABBITMQ = ("beam.smp", "erl_child_setup", "epmd", "inet_gethost")

    def __init__(self, groups: dict[str, int]) -> None:
        self.groups = groups  # label -> process group id (ServiceProcess starts a new session: pgid == pid)
        self.result: dict[str, Any] = {}

    def _sample(self) -> tuple[dict[int, tuple[str, str, float]], float, float, float, float]:
        by_group = {pgid: label for label, pgid in self.groups.items()}
        me = os.getpid()
        procs: dict[int, tuple[str, str, float]] = {}  # pid -> (label, comm, cpu seconds)
        for pid, pgrp, comm, cpu in _proc_stats():
            if pid == me:
                continue
            if pgrp in by_group:
                label = by_group[pgrp]
            elif comm == "postgres":
                label = "postgres"
            elif comm in self._RABBITMQ:
                label = "rabbitmq"
            else:
                label = ""
            procs[pid] = (label, comm, cpu)
        times = os.times()
        busy, total, irq = _machine_ticks()
        return procs, times.user + times.system, busy, total, irq

    def start(self) -> CpuMeter:
        self._before = self._sample()
        self._t0 = time.perf_counter()
        return self

    def stop(self) -> dict[str, Any]:
        procs, client, busy, total, irq = self._sample()
        wall = time.perf_counter() - self._t0
        before, client0, busy0, total0, irq0 = self._before
        used = dict.fromkeys([*self.groups, "postgres", "rabbitmq"], 0.0)
        others: list[tuple[float, str]] = []
        for pid, (label, comm, cpu) in procs.items():
            delta = cpu - before[pid][2] if pid in before else cpu
            if label:
                used[label] += delta
            else:
                others.append((delta, comm))
        used["bench_client"] = client - client0
        used["kernel_irq"] = irq - irq0
        busy -= busy0
        total -= total0
        used["other"] = busy - sum(used.values())
        others.sort(reverse=True)
        self.result = {
            "wall_s": round(wall, 2),
            "cpu_s": {k: round(v, 2) for k, v in used.items()},
            "other_top": [f"{comm}: {cpu:.2f}" for cpu, comm in others[:3] if cpu >= 0.05],
            "machine_busy_pct": round(100 * busy / total, 1) if total else None,
            "machine_busy_cpu_s": round(busy, 2),
        }
        return self.result


def background_busy_pct(seconds: float = 2.0) -> float:
    """How busy the machine is before a run starts (another job on the same box skews every figure)."""
    busy0, total0, _ = _machine_ticks()
    time.sleep(seconds)
    busy1, total1, _ = _machine_ticks()
    return round(100 * (busy1 - busy0) / max(total1 - total0, 1e-9), 1)


class BenchDatabases(DatabaseFactory):
    """DatabaseFactory with its own name prefix, ``psi_bench_<token>_...``: deploy/dev/test-services.sh drops every
    ``psi_t%`` database when a test run starts, which would pull the databases from under a running benchmark."""

    def create(self, service: str, migrations: str) -> str:
        if migrations not in self._templates:
            template = f"psi_bench_{self.token}_{service}_tpl"
            self._create(template)
            upgrade(migrations, self.url_for(template))
            self._templates[migrations] = template
        name = f"psi_bench_{self.token}_{service}_{next(self._counter)}"
        self._create(name, self._templates[migrations])
        return self.url_for(name)


def wait_until_quiet(below_pct: float, max_wait_s: float) -> float:
    """Sample the machine's busy share until it is below ``below_pct`` (or ``max_wait_s`` passed); returns the last
    sample, which every result reports: figures taken on a box shared with another job are not comparable."""
    deadline = time.monotonic() + max_wait_s
    busy = background_busy_pct()
    while busy >= below_pct and time.monotonic() < deadline:
        print(f"bench: machine {busy}% busy, waiting for it to settle below {below_pct}%", file=sys.stderr)
        busy = background_busy_pct()
    return busy


def add_common_arguments(parser: Any) -> None:
    parser.add_argument("--json-out", help="also append the JSON result line to this file")
    parser.add_argument("--keep-logs", action="store_true", help="keep the process logs (always kept on failure)")
    parser.add_argument(
        "--quiet-below",
        type=float,
        default=15.0,
        help="wait until the machine is less busy than this percentage before starting (default 15)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="longest wait for a quiet machine, in seconds; then run anyway (default 120)",
    )


# -- the stack ------------------------------------------------------------------------------------------------------
class BenchStack:
    """Fresh databases, a private topology prefix and the processes of one bench run; ``close()`` removes them."""

    def __init__(self, name: str, keep_logs: bool = False) -> None:
        self.database_admin_url, self.amqp_url = require_env()
        self.token = secrets.token_hex(3)  # databases psi_bench_<token>_<service>_<n>
        self.prefix = f"psibench{self.token}"  # exchanges and queues psibench<token>.<...>
        self.log_dir = Path(tempfile.mkdtemp(prefix=f"psi-bench-{name}-"))
        self.keep_logs = keep_logs
        self.databases = BenchDatabases(self.database_admin_url, self.token)
        self.database_urls: dict[str, str] = {}
        self.api_urls: dict[str, str] = {}
        self.processes: list[ServiceProcess] = []
        self.queues: set[str] = set()
        self.exchanges: set[str] = set()
        self.gateway_port = free_port()
        self._cleanups: list[Callable[[], None]] = []
        self.failed = False
        self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_on_sigterm)

    # context manager: always clean up, keep the logs when the run failed
    def __enter__(self) -> BenchStack:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.failed = self.failed or exc_type is not None
        self.close()

    def database(self, name: str) -> str:
        migrations = "psi_gateway:migrations" if name == "gateway" else service(name).migrations
        url = self.databases.create(name, migrations)
        self.database_urls[name] = url
        return url

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            "AMQP_URL": self.amqp_url or "memory://",
            "PSI_TOPOLOGY_PREFIX": self.prefix,
            "LOG_LEVEL": "INFO",
            "PSI_JWKS_URL": f"http://127.0.0.1:{self.gateway_port}/api/v1/auth/jwks",
            "PSI_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "PSI_ACCESS_TOKEN_TTL": "3600",
            **{f"{svc.upper()}_DATABASE_URL": url for svc, url in self.database_urls.items()},
            **{f"PSI_{svc.upper()}_URL": url for svc, url in self.api_urls.items() if svc != "gateway"},
        }
        env.update(overrides)
        return env

    def _start(self, process: ServiceProcess, ready: Callable[[], Any]) -> ServiceProcess:
        self.processes.append(process.start())

        def probe() -> Any:
            if not process.running():
                raise RuntimeError(f"{process.name} exited early:\n{process.logs()[-4000:]}")
            return ready()

        wait_for(probe, timeout=90, message=f"{process.name} ready")
        return process

    def api(self, name: str, workers: int, *, options: Sequence[str] = (), **env: str) -> str:
        """A gunicorn server as deployed (deploy/Procfile): its own emptied PROMETHEUS_MULTIPROC_DIR; ``env`` adds
        or replaces settings, ``options`` are added to gunicorn's command line (they override its conf file)."""
        app, conf = APP_MODULES[name]
        port = self.gateway_port if name == "gateway" else free_port()
        url = f"http://127.0.0.1:{port}"
        multiproc = self.log_dir / f"prometheus-{name}"
        multiproc.mkdir()
        argv = [GUNICORN, "-c", str(conf), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), *options, app]
        process = ServiceProcess(
            f"{name}-api", argv, self.env(PROMETHEUS_MULTIPROC_DIR=str(multiproc), **env), self.log_dir, cwd=ROOT
        )
        self.api_urls[name] = url
        self._start(process, lambda: requests.get(f"{url}/alive", timeout=1).ok)
        return url

    def declare(self, name: str) -> list[str]:
        """``psi declare <name>`` as a deploy step; remembers the queues and exchanges to delete at the end."""
        process = ServiceProcess.psi(f"{name}-declare", ["declare", name], self.env(), self.log_dir)
        self.remember_topology(name)
        code = process.start().wait_exit(timeout=60)
        if code != 0:
            raise RuntimeError(f"psi declare {name} failed ({code}):\n{process.logs()[-4000:]}")
        return [ln.split(" ", 1)[1] for ln in process.logs().splitlines() if ln.startswith("declared ")]

    def consumer(self, name: str, **env: str) -> tuple[ServiceProcess, str]:
        port = free_port()
        metrics = f"http://127.0.0.1:{port}/metrics"
        self.remember_topology(name)
        process = ServiceProcess.psi(
            f"{name}-consumer",
            ["consume", name],
            self.env(**{f"{name.upper()}_CONSUMER_METRICS_PORT": str(port)}, **env),
            self.log_dir,
        )
        self._start(process, lambda: requests.get(metrics, timeout=1).ok and '"message": "consuming ' in process.logs())
        return process, metrics

    def remember_topology(self, name: str) -> None:
        from psi_contracts.topology import dlq_name, exchange_name, producer_of, queue_name, retry_queue_name

        settings = service(name).load_settings(self.env())
        for handler in service(name).handlers:
            queue = queue_name(name, handler.name, prefix=self.prefix)
            self.queues.update({queue, dlq_name(queue)})
            self.queues.update(retry_queue_name(queue, d) for d in settings.consumer_retry_delays_ms)
            self.exchanges.update(exchange_name(producer_of(t), prefix=self.prefix) for t in handler.event_types)

    def login(self) -> str:
        status, body, _ = http_json(
            "POST",
            f"{self.api_urls['gateway']}/api/v1/auth/token",
            json={"username": "admin", "password": ADMIN_PASSWORD},
        )
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        return str(body["access_token"])

    def on_close(self, cleanup: Callable[[], None]) -> None:
        self._cleanups.append(cleanup)

    def close(self) -> None:
        for process in reversed(self.processes):
            try:
                process.stop()
            except Exception as exc:  # noqa: BLE001 - keep cleaning up
                print(f"bench: could not stop {process.name}: {exc}", file=sys.stderr)
        for cleanup in reversed(self._cleanups):
            try:
                cleanup()
            except Exception as exc:  # noqa: BLE001 - keep cleaning up
                print(f"bench: cleanup failed: {exc}", file=sys.stderr)
        if self.amqp_url and (self.queues or self.exchanges):
            try:
                delete_broker_entities(self.amqp_url, self.queues, self.exchanges)
            except Exception as exc:  # noqa: BLE001 - keep cleaning up
                print(f"bench: could not delete queues/exchanges: {exc}", file=sys.stderr)
        try:
            self.databases.drop_all()
        except Exception as exc:  # noqa: BLE001 - report, the names are printed
            print(f"bench: could not drop databases {self.databases._created}: {exc}", file=sys.stderr)
        if self.failed or self.keep_logs:
            print(f"bench: logs kept in {self.log_dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.log_dir, ignore_errors=True)
        signal.signal(signal.SIGTERM, self._previous_sigterm)


def _raise_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def delete_broker_entities(amqp_url: str, queues: Iterable[str], exchanges: Iterable[str]) -> None:
    from amqp.exceptions import NotFound
    from kombu import Connection

    with Connection(amqp_url) as conn:
        for name in sorted(queues):
            try:
                conn.default_channel.queue_delete(name)
            except NotFound:
                conn.close()  # the channel is closed by the broker on a 404; start a fresh one
                conn.connect()
        for name in sorted(exchanges):
            conn.default_channel.exchange_delete(name)


# -- output ---------------------------------------------------------------------------------------------------------
def report(result: dict[str, Any], summary: list[str], json_out: str | None) -> None:
    """The human summary, then the results as one JSON line (the last line of stdout)."""
    for line in summary:
        print(line)
    line = json.dumps(result, default=str, sort_keys=False)
    print(line, flush=True)
    if json_out:
        with open(json_out, "a") as handle:
            handle.write(line + "\n")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
