"""Polling, ports and subprocesses for integration tests (no sleeps standing in for synchronisation)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import requests

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | None],
    *,
    timeout: float = 30.0,
    interval: float = 0.05,
    message: str = "condition",
) -> T:
    """Call ``probe`` until it returns something truthy, or fail after ``timeout`` seconds with ``message``.

    The last exception raised by ``probe`` (if any) is chained, so a failing poll explains itself.
    """
    deadline = time.monotonic() + timeout
    last_exc: BaseException | None = None
    last_value: Any = None
    while True:
        try:
            last_value = probe()
            if last_value:
                return last_value
        except Exception as exc:  # noqa: BLE001 - kept and reported if the deadline passes
            last_exc = exc
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {message}; last value {last_value!r}"
            ) from last_exc
        time.sleep(interval)


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now, and never one this process handed out before: a test reserves the
    gateway's port before it starts the services, and the kernel would happily give that free port again."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError("no free port that was not handed out already")


def http_json(method: str, url: str, **kwargs: Any) -> tuple[int, Any, requests.Response]:
    kwargs.setdefault("timeout", 10)
    response = requests.request(method, url, **kwargs)
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return response.status_code, body, response


class ServiceProcess:
    """A PSI process (``psi consume inventory``, gunicorn, ...) started for a test, logs kept in a file."""

    def __init__(
        self, name: str, argv: list[str], env: Mapping[str, str], log_dir: Path, cwd: Path | None = None
    ) -> None:
        self.name = name
        self.argv = argv
        self.env = {**os.environ, **env}
        self.log_path = log_dir / f"{name}.log"
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def psi(cls, name: str, args: list[str], env: Mapping[str, str], log_dir: Path) -> ServiceProcess:
        return cls(name, [sys.executable, "-m", "psi_chassis.cli", *args], env, log_dir)

    def start(self) -> ServiceProcess:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.cwd, start_new_session=True
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the process group and wait; SIGKILL if it does not stop in time."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=timeout)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_records(self) -> list[dict[str, Any]]:
        records = []
        for line in self.logs().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
        return records


def scrape(url: str) -> list[tuple[str, dict[str, str], float]]:
    """All samples exposed at a /metrics URL as (name, labels, value)."""
    from prometheus_client.parser import text_string_to_metric_families

    response = requests.get(url, timeout=5)
    response.raise_for_status()
    return [
        (sample.name, dict(sample.labels), float(sample.value))
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def metric_sum(samples: list[tuple[str, dict[str, str], float]], name: str, **labels: str) -> float:
    """Sum of the samples called ``name`` whose labels include ``labels``."""
    return sum(
        value
        for sample_name, sample_labels, value in samples
        if sample_name == name and all(sample_labels.get(k) == v for k, v in labels.items())
    )


def publish_raw(
    amqp_url: str, exchange: str, routing_key: str, bodies: list[bytes | str], message_ids: list[str] | None = None
) -> None:
    """Publish bodies as they are (valid or not) to a topic exchange, with publisher confirms."""
    from kombu import Connection, Exchange, Producer

    with Connection(amqp_url, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel())
        target = Exchange(exchange, type="topic", durable=True)
        for i, body in enumerate(bodies):
            producer.publish(
                body,
                exchange=target,
                routing_key=routing_key,
                content_type="application/json",
                content_encoding="utf-8",
                message_id=message_ids[i] if message_ids else None,
                type=routing_key,
                declare=[target],
                retry=True,
            )


def publish_envelopes(amqp_url: str, prefix: str, envelopes: list[dict[str, Any]]) -> None:
    """Publish envelopes to their producer's exchange exactly as a relay would: in order, on one channel, with
    publisher confirms."""
    from kombu import Connection, Exchange, Producer

    from psi_contracts.topology import exchange_name, producer_of

    with Connection(amqp_url, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel())
        for envelope in envelopes:
            exchange = Exchange(exchange_name(producer_of(envelope["type"]), prefix=prefix), type="topic", durable=True)
            producer.publish(
                json.dumps(envelope),
                exchange=exchange,
                routing_key=envelope["type"],
                content_type="application/json",
                content_encoding="utf-8",
                message_id=envelope["id"],
                type=envelope["type"],
                delivery_mode=2,
                declare=[exchange],
                retry=True,
            )


def queue_depth(amqp_url: str, queue: str) -> int:
    """Messages ready in ``queue`` (passive declare: fails if the queue does not exist)."""
    from kombu import Connection

    with Connection(amqp_url) as conn:
        channel = conn.channel()
        _, count, _ = channel.queue_declare(queue=queue, passive=True)
        return int(count)


def drain_queue(amqp_url: str, queue: str, limit: int = 1000) -> list[Any]:
    """Take every ready message from ``queue`` (acked), returning kombu messages for inspection."""
    from kombu import Connection

    taken = []
    with Connection(amqp_url) as conn:
        channel = conn.channel()
        for _ in range(limit):
            message = channel.basic_get(queue=queue, no_ack=False)
            if message is None:
                break
            channel.basic_ack(message.delivery_tag)
            taken.append(message)
    return taken


#: Every retry delay a test configures (tests/conftest.py: 100,200,400) or leaves at its default.
TEST_RETRY_DELAYS_MS = (100, 200, 400, 1000, 5000, 30000)


def delete_queues(amqp_url: str, queues: list[str], delays_ms: tuple[int, ...] = TEST_RETRY_DELAYS_MS) -> None:
    """Delete handler queues with their DLQs and delay queues (a name that does not exist is no error).

    Tests declare their topology under a private prefix and would otherwise leave it behind for ever; on a
    broker shared by many runs the leftovers add up until RabbitMQ runs out of file handles and stops accepting
    connections.
    """
    from kombu import Connection

    names = [n for q in queues for n in (q, f"{q}.dlq", *(f"{q}.retry.{d}" for d in delays_ms))]
    with Connection(amqp_url, connect_timeout=5) as conn:
        channel = conn.channel()
        for name in names:
            channel.queue_delete(queue=name)


def delete_service_topology(amqp_url: str, prefix: str) -> None:
    """Delete the queues every installed service's consumer declares under ``prefix``."""
    from psi_chassis.registry import installed_services
    from psi_contracts.topology import queue_name

    queues = [
        queue_name(name, handler.name, prefix=prefix)
        for name, definition in installed_services().items()
        for handler in definition.handlers
    ]
    if queues:
        delete_queues(amqp_url, queues)


def free_port_block(count: int, attempts: int = 50) -> int:
    """The first of ``count`` consecutive free ports (``make run`` puts the services next to the gateway)."""
    import random

    for _ in range(attempts):
        base = random.randint(20000, 60000 - count)
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no block of {count} free ports found")


def goods_received(
    sku: str,
    accepted: str,
    unit_cost: str,
    *,
    warehouse: str = "WH1",
    rejected: str = "0",
    number: str = "GRN-T",
    po_number: str = "PO-T",
    line_no: int = 1,
) -> dict[str, Any]:
    """A valid purchasing.GoodsReceived.v1 envelope with one line, built through the producer schema."""
    import uuid
    from datetime import UTC, datetime
    from decimal import Decimal

    from psi_contracts.envelope import make_envelope

    received = Decimal(accepted) + Decimal(rejected)
    return make_envelope(
        "purchasing.GoodsReceived.v1",
        {
            "receipt_id": str(uuid.uuid4()),
            "receipt_number": number,
            "po_id": "1",
            "po_number": po_number,
            "supplier_id": "1",
            "supplier_code": "SUP",
            "warehouse_code": warehouse,
            "received_at": datetime.now(UTC),
            "currency": "CNY",
            "exchange_rate": Decimal(1),
            "lines": [
                {
                    "line_no": line_no,
                    "sku": sku,
                    "received_quantity": received,
                    "accepted_quantity": Decimal(accepted),
                    "rejected_quantity": Decimal(rejected),
                    "unit_cost": Decimal(unit_cost),
                    "unit_cost_base": Decimal(unit_cost),
                }
            ],
        },
        source="purchasing",
        subject=po_number,
    )
