"""The hand-written peer: nameko 2.14 (eventlet, green psycopg2 pool) applying the same GoodsReceived events.

``peer_rate`` measures it exactly like ``consumer.consumer_rate`` measures PSI: a fresh migrated inventory
database, the events pre-published to the producer's exchange, then the service started and the drain timed from
the inbox's first ``received_at`` to its last, with its CPU metered and its effects checked. The peer lives in
its own virtual environment, ``bench/.venv-nameko`` (created on first use from ``bench/peer_nameko/
requirements.txt``), so nameko's dependencies never touch PSI's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from _common import ROOT, BenchStack, CpuMeter, psycopg_dsn

from psi_chassis.testing import ServiceProcess, wait_for
from psi_chassis.testing.helpers import goods_received, publish_raw, queue_depth
from psi_contracts.topology import exchange_name

PEER_DIR = ROOT / "bench" / "peer_nameko"
PEER_VENV = ROOT / "bench" / ".venv-nameko"
EVENT_TYPE = "purchasing.GoodsReceived.v1"


def ensure_peer_venv() -> Path:
    """The peer's virtual environment, installed once; returns its ``nameko`` executable."""
    nameko = PEER_VENV / "bin" / "nameko"
    stamp = PEER_VENV / ".requirements"
    wanted = (PEER_DIR / "requirements.txt").read_text()
    if nameko.exists() and stamp.exists() and stamp.read_text() == wanted:
        return nameko
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [str(PEER_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(PEER_DIR / "requirements.txt")], check=True
    )
    stamp.write_text(wanted)
    return nameko


def _peer_process(stack: BenchStack, nameko: Path, dsn: str, workers: int, run: int) -> ServiceProcess:
    config = stack.log_dir / "nameko.yaml"
    config.write_text(json.dumps({"AMQP_URI": stack.amqp_url, "max_workers": workers}))  # JSON is YAML
    env = {
        "PEER_SOURCE": f"{stack.prefix}.purchasing",
        "PEER_DSN": dsn,
        "PEER_POOL": str(workers),
        "PATH": str(PEER_VENV / "bin"),
        "PYTHONUNBUFFERED": "1",
    }
    return ServiceProcess(
        f"nameko-peer-{run}", [str(nameko), "run", "--config", str(config), "service"], env, stack.log_dir, cwd=PEER_DIR
    )


def peer_rate(stack: BenchStack, events: int, skus: int, workers: int, deadline_s: float) -> dict[str, Any]:
    nameko = ensure_peer_venv()
    url = stack.database("inventory")
    dsn = psycopg_dsn(url)
    queue = f"evt-{stack.prefix}.purchasing-{EVENT_TYPE}--peerinventory.on_goods_received"
    stack.queues.add(queue)
    stack.exchanges.add(exchange_name("purchasing", prefix=stack.prefix))
    # A first start declares the peer's queue and binding; it is stopped before the events are published.
    first = _peer_process(stack, nameko, dsn, workers, 1).start()
    wait_for(lambda: _queue_exists(stack, queue) or _died(first), timeout=60, message="the peer's queue")
    first.stop()

    envelopes = [goods_received(f"SKU-{i % skus:03d}", "2", "1.25", number=f"GRN-{i}") for i in range(events)]
    publish_raw(
        stack.amqp_url,
        exchange_name("purchasing", prefix=stack.prefix),
        EVENT_TYPE,
        [json.dumps(e) for e in envelopes],
        [e["id"] for e in envelopes],
    )
    wait_for(lambda: queue_depth(stack.amqp_url, queue) == events, timeout=60, message=f"{events} in {queue}")

    process = _peer_process(stack, nameko, dsn, workers, 2)
    stack.processes.append(process.start())
    meter = CpuMeter({"peer": process.pid}).start()
    with psycopg.connect(dsn, autocommit=True) as conn:
        deadline = time.monotonic() + deadline_s
        while int(conn.execute("SELECT count(*) FROM inbox").fetchone()[0]) < events:
            if time.monotonic() > deadline or not process.running():
                raise RuntimeError(f"peer drain incomplete:\n{process.logs()[-4000:]}")
            time.sleep(0.05)
        cpu = meter.stop()
        span = float(
            conn.execute("SELECT extract(epoch FROM max(received_at) - min(received_at)) FROM inbox").fetchone()[0]
        )
        moves = int(conn.execute("SELECT count(*) FROM stock_moves").fetchone()[0])
        on_hand = conn.execute("SELECT sum(on_hand) FROM stock_balances").fetchone()[0]
    process.stop()
    return {
        "workers": workers,
        "events": events,
        "events_per_s": round((events - 1) / span, 1) if span > 0 else None,
        "drain_s": round(span, 3),
        "consistent": moves == events and int(on_hand) == 2 * events,
        "cpu": cpu,
        "cpu_ms_per_event": {k: round(1000 * v / events, 3) for k, v in cpu["cpu_s"].items()},
    }


def _queue_exists(stack: BenchStack, queue: str) -> bool:
    try:
        queue_depth(stack.amqp_url, queue)
    except Exception:  # noqa: BLE001 - not declared yet
        return False
    return True


def _died(process: ServiceProcess) -> bool:
    if not process.running():
        raise RuntimeError(f"the nameko peer exited:\n{process.logs()[-4000:]}")
    return False


__all__ = ["peer_rate", "ensure_peer_venv"]
