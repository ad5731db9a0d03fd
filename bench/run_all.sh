#!/usr/bin/env bash
# Run the three benchmarks with their defaults (a few minutes in all) and collect their JSON lines.
#
#   bench/run_all.sh                      # from the repository root, after `make install`
#   BENCH_RESULTS=/tmp/r.jsonl bench/run_all.sh
#
# The servers come from TEST_DATABASE_URL and TEST_AMQP_URL, set the way `make test` sets them: by sourcing
# deploy/dev/test-services.sh. That script keeps URLs that are already set; when they are not, it creates the
# psi_test role and a fresh psi_test vhost and drops left-over psi_t* databases, which disturbs any test run going
# on at the same moment against the same servers. To stay out of its way, set both URLs first, e.g.
#   TEST_DATABASE_URL=postgresql+psycopg://psi_test:psi_test@127.0.0.1:5432/postgres \
#   TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/psi_test bench/run_all.sh
# Each benchmark uses its own databases (psi_bench_<token>_*) and topology prefix (psibench<token>) and removes
# them, and every process it started, when it ends. Arguments are passed to every script, so only the common ones
# make sense here (--quiet-below, --quiet-wait, --keep-logs); run a script on its own (python bench/<name>.py
# --help) to change its own parameters.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3

# shellcheck source=../deploy/dev/test-services.sh
source deploy/dev/test-services.sh
if [ -z "${TEST_DATABASE_URL:-}" ] || [ -z "${TEST_AMQP_URL:-}" ]; then
  echo "run_all: TEST_DATABASE_URL and TEST_AMQP_URL are needed (PostgreSQL and RabbitMQ)" >&2
  exit 2
fi

RESULTS=${BENCH_RESULTS:-$(mktemp -t psi-bench-XXXXXX.jsonl)}
echo "run_all: results appended to $RESULTS"
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
pg=$(psql --version 2>/dev/null || echo "psql not installed")
mq=$(rabbitmqctl version 2>/dev/null || echo "rabbitmqctl not available")
echo "run_all: $(nproc) CPUs, $mem; $pg; RabbitMQ $mq"

status=0
for bench in reservations consumer balance_lookup; do
  echo
  echo "=== $bench ($(date -u +%FT%TZ)) ==="
  start=$SECONDS
  if ! "$PY" "bench/$bench.py" --json-out "$RESULTS" "$@"; then
    echo "run_all: $bench FAILED" >&2
    status=1
  fi
  echo "=== $bench took $((SECONDS - start)) s ==="
done
echo
echo "run_all: results in $RESULTS"
exit $status
