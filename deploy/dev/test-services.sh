#!/usr/bin/env bash
# Sourced by `make test`: make sure the PostgreSQL role and the RabbitMQ vhost the tests use exist, then export
# TEST_DATABASE_URL and TEST_AMQP_URL. Already-set URLs are respected (point them at any server you like).
# Works with trust or password auth: the role gets a password, and is created through the postgres superuser.

PSI_PG_HOST=${PSI_PG_HOST:-127.0.0.1}
PSI_PG_PORT=${PSI_PG_PORT:-5432}
PSI_AMQP_HOST=${PSI_AMQP_HOST:-127.0.0.1}
PSI_TEST_VHOST=${PSI_TEST_VHOST:-psi_test}

_psql_super() {
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
    su postgres -c "psql -v ON_ERROR_STOP=1 -qAtX -p $PSI_PG_PORT" <<<"$1" 2>/dev/null && return 0
  fi
  psql -v ON_ERROR_STOP=1 -qAtX -h "$PSI_PG_HOST" -p "$PSI_PG_PORT" -U postgres <<<"$1" 2>/dev/null
}

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if command -v psql >/dev/null 2>&1; then
    _psql_super "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'psi_test') THEN CREATE ROLE psi_test LOGIN CREATEDB PASSWORD 'psi_test'; END IF; END \$\$;" \
      || echo "test-services: could not create role psi_test (is PostgreSQL running on $PSI_PG_HOST:$PSI_PG_PORT?)" >&2
    # Each session drops its own databases (psi_t<token>_...); an interrupted run's leftovers are harmless
    # (every session uses a fresh token) and are not dropped here, so two runs side by side never collide.
    export TEST_DATABASE_URL="postgresql+psycopg://psi_test:psi_test@$PSI_PG_HOST:$PSI_PG_PORT/postgres"
  fi
fi

if [ -z "${TEST_AMQP_URL:-}" ]; then
  if command -v rabbitmqctl >/dev/null 2>&1; then
    # Every test has its own topology prefix, so runs sharing the vhost never see each other's messages.
    rabbitmqctl -q list_vhosts 2>/dev/null | grep -qx "$PSI_TEST_VHOST" || rabbitmqctl -q add_vhost "$PSI_TEST_VHOST" >/dev/null
    if rabbitmqctl -q list_vhosts 2>/dev/null | grep -qx "$PSI_TEST_VHOST" && \
       rabbitmqctl -q set_permissions -p "$PSI_TEST_VHOST" guest ".*" ".*" ".*" >/dev/null; then
      export TEST_AMQP_URL="amqp://guest:guest@$PSI_AMQP_HOST:5672/$PSI_TEST_VHOST"
    else
      echo "test-services: could not create vhost $PSI_TEST_VHOST (is RabbitMQ running?)" >&2
    fi
  fi
fi

if [ -z "${TEST_REDIS_URL:-}" ]; then
  # Rate limits shared by gateway workers live in Redis; database 15 is the tests' own and is flushed by them.
  if command -v redis-cli >/dev/null 2>&1 && redis-cli -h "${PSI_REDIS_HOST:-127.0.0.1}" ping >/dev/null 2>&1; then
    export TEST_REDIS_URL="redis://${PSI_REDIS_HOST:-127.0.0.1}:6379/15"
  fi
fi

echo "test-services: TEST_DATABASE_URL=${TEST_DATABASE_URL:-<unset>} TEST_AMQP_URL=${TEST_AMQP_URL:-<unset>} TEST_REDIS_URL=${TEST_REDIS_URL:-<unset>}"
