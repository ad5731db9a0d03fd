"""Consumer rules that need no server: what counts as too deep, what counts as the database's fault."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from psycopg import errors as pg
from sqlalchemy import exc as sa

from psi_chassis.broker import BROKER_DELIVERY_LIMIT, handler_queue_arguments
from psi_chassis.consumer import MAX_JSON_NESTING, ConsumerRunner, _Rejected, check_nesting, is_transient, load_body
from psi_chassis.db import Database
from psi_chassis.settings import ServiceSettings, SettingsError


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_up_to_the_limit_passes_and_one_more_level_is_refused() -> None:
    check_nesting(_nested(MAX_JSON_NESTING))
    check_nesting('{"a": ' * MAX_JSON_NESTING + "1" + "}" * MAX_JSON_NESTING)
    with pytest.raises(_Rejected, match="nested deeper than 32 levels") as refused:
        check_nesting(_nested(MAX_JSON_NESTING + 1))
    assert refused.value.reason == "undecodable"
    with pytest.raises(_Rejected):
        check_nesting(_nested(100_000))


def test_brackets_inside_strings_and_escaped_quotes_do_not_count() -> None:
    # 100 brackets, all inside one string whose escaped quotes do not end it: depth 1 (the outer array).
    text = '["' + '\\"[' * 100 + '"]'
    check_nesting(text)
    # 33 levels of arrays, each holding a string with an escaped quote and a closing bracket: still 33 deep.
    deep = '["\\"]",' * (MAX_JSON_NESTING + 1) + "1" + "]" * (MAX_JSON_NESTING + 1)
    with pytest.raises(_Rejected):
        check_nesting(deep)


def test_a_body_that_is_not_utf8_or_not_json_is_undecodable() -> None:
    with pytest.raises(_Rejected, match="not UTF-8"):
        load_body(b"\xff\xfe{}")
    with pytest.raises(_Rejected, match="not JSON: JSONDecodeError"):
        load_body(b"{this is not json")
    assert load_body(b'{"lines": [{"sku": "[x]"}]}') == {"lines": [{"sku": "[x]"}]}


@pytest.mark.parametrize(
    "error",
    [
        pg.AdminShutdown("terminating connection due to administrator command"),  # pg_terminate_backend, 57P01
        pg.DeadlockDetected("deadlock detected"),  # 40P01
        pg.SerializationFailure("could not serialize access"),  # 40001
        pg.LockNotAvailable("canceling statement due to lock timeout"),  # 55P03
        pg.QueryCanceled("canceling statement due to statement timeout"),  # 57014
        pg.TooManyConnections("sorry, too many clients already"),  # 53300
        pg.CannotConnectNow("the database system is starting up"),  # 57P03
        psycopg.OperationalError("server closed the connection unexpectedly"),  # no SQLSTATE: client side
    ],
)
def test_database_unavailability_is_transient(error: Exception) -> None:
    assert is_transient(sa.OperationalError("INSERT INTO inbox ...", {}, error))
    assert is_transient(error), "also unwrapped"


@pytest.mark.parametrize(
    "error",
    [
        sa.IntegrityError("INSERT ...", {}, pg.UniqueViolation("duplicate key")),  # 23505
        sa.DataError("INSERT ...", {}, pg.NumericValueOutOfRange("numeric field overflow")),  # 22003
        sa.ProgrammingError("SELECT ...", {}, pg.UndefinedTable("relation does not exist")),  # 42P01
        sa.OperationalError("SELECT ...", {}, pg.ProgramLimitExceeded("statement too complex")),  # 54001
        sa.OperationalError("SELECT ...", {}, pg.DatabaseDropped("database dropped")),  # 57P04: for good
        sa.OperationalError("SELECT ...", {}, sqlite3.OperationalError("no such table: inbox")),
        ValueError("a bug in a handler"),
    ],
)
def test_failures_of_the_message_or_the_code_are_not_transient(error: Exception) -> None:
    assert not is_transient(error)


def test_other_transient_shapes() -> None:
    assert is_transient(sa.OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked")))
    assert is_transient(sa.TimeoutError("QueuePool limit of size 5 overflow 10 reached"))
    invalidated = sa.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    assert is_transient(invalidated)
    try:
        try:
            raise sa.OperationalError("UPDATE ...", {}, pg.AdminShutdown("terminating"))
        except sa.OperationalError as inner:
            raise RuntimeError("posting failed") from inner
    except RuntimeError as wrapped:
        assert is_transient(wrapped), "a handler that wraps the database error is still understood"


def test_handler_queues_carry_their_dead_letter_target_and_a_single_active_consumer() -> None:
    arguments = handler_queue_arguments("amqp://x", "psi.inventory.on_purchasing_events")
    assert arguments == {
        "x-queue-type": "quorum",
        "x-single-active-consumer": True,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": "psi.inventory.on_purchasing_events.dlq",
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
        "x-delivery-limit": BROKER_DELIVERY_LIMIT,
    }
    assert handler_queue_arguments("memory://", "psi.inventory.on_purchasing_events") == {}


def test_the_consumer_refuses_a_redelivery_limit_the_broker_would_reach_first() -> None:
    settings = ServiceSettings("toy", "sqlite://", consumer_max_redeliveries=BROKER_DELIVERY_LIMIT)
    with pytest.raises(SettingsError, match="PSI_CONSUMER_MAX_REDELIVERIES"):
        ConsumerRunner(settings, Database("sqlite://"), [])


def test_in_place_retry_and_heartbeat_settings() -> None:
    s = ServiceSettings.from_env(
        {"PSI_CONSUMER_IN_PLACE_RETRY_MAX_DELAY": "2.5", "PSI_CONSUMER_HEARTBEAT_SECONDS": "10"},
        "inventory",
        "sqlite://",
    )
    assert (s.consumer_in_place_retry_max_delay, s.consumer_heartbeat_seconds) == (2.5, 10)
    defaults = ServiceSettings.from_env({}, "inventory", "sqlite://")
    assert (defaults.consumer_in_place_retry_max_delay, defaults.consumer_heartbeat_seconds) == (10.0, 30)
