#!/usr/bin/env bash
# RabbitMQ and PSI: why PSI needs no policy, and a check for brokers set up by an older version.
#
#   deploy/rabbitmq/policies.sh                      # vhost "/", prefix "psi"
#   RABBITMQ_VHOST=psi PSI_TOPOLOGY_PREFIX=psi deploy/rabbitmq/policies.sh
#
# Run it where `rabbitmqctl` can reach the broker (on a broker node, or with RABBITMQ_NODENAME / --node set up),
# with python3 on the PATH (it reads rabbitmqctl's JSON). It changes nothing but the one policy named below, and
# running it again is harmless.
#
# One source of truth: the queue arguments
# ----------------------------------------
# Every handler queue <prefix>.<service>.<handler> is declared by `psi declare <service>` and by its consumer
# with all the broker needs to know (psi_chassis.broker.handler_queue_arguments):
#   x-queue-type              quorum
#   x-single-active-consumer  true: a second consumer process is a hot standby, so the queue applies in order
#   x-dead-letter-exchange    ""  (the default exchange) and
#   x-dead-letter-routing-key <queue>.dlq: where the broker itself dead-letters
#   x-delivery-limit          20: after that many returns RabbitMQ dead-letters a message instead of handing it
#                             out again; above the consumer's own limit, PSI_CONSUMER_MAX_REDELIVERIES (10)
#   x-dead-letter-strategy    at-least-once, with x-overflow reject-publish: the DLQ confirms the message
#                             before it leaves the handler queue
# Why arguments and not a policy: a single active consumer can only be an argument, and the dead-letter routing
# key differs for every queue (<queue>.dlq), which one policy for all queues cannot say. A policy on top would
# only blur which value is in force, so PSI installs none. The price: arguments cannot change on an existing
# queue, so a queue declared by an older version must be re-created once (deploy/README.md, "Upgrading handler
# queues to their arguments"); until then `psi declare` and `psi consume` refuse it with TopologyMismatch.
#
# Dead-lettering is still done by the consumer first (psi_chassis.consumer): an undecodable or invalid message,
# a handler out of attempts, a PoisonMessage or a message redelivered PSI_CONSUMER_MAX_REDELIVERIES times is
# republished with confirms to <queue>.dlq with x-psi-dead-letter-reason, x-psi-error and x-psi-original-queue,
# then acked. The broker's limit acts only when the consumer never gets that far; such a dead letter has no
# x-psi-* headers but an x-death header with reason "delivery_limit". DLQs and the delay queues
# <queue>.retry.<ms> have no delivery limit: looking into a DLQ can never make the broker drop what is in it.
#
# What this script does
# ---------------------
# Older versions of this script installed a policy "psi-delivery-limit" (a delivery-limit, no dead-letter target:
# RabbitMQ DROPPED what it stopped). This script lists the handler queues that still lack their arguments;
# when none is left it removes that policy. While some are left it keeps the policy (on an old queue it at least
# stops a message from looping for ever) and exits 1, naming the queues to migrate.

set -euo pipefail

VHOST="${RABBITMQ_VHOST:-/}"
PREFIX="${PSI_TOPOLOGY_PREFIX:-psi}"
LEGACY_POLICY="psi-delivery-limit"

queues_json="$(rabbitmqctl -q list_queues -p "$VHOST" name arguments --formatter json)"

outdated="$(PREFIX="$PREFIX" python3 -c '
import json, os, re, sys
prefix = re.escape(os.environ["PREFIX"])
handler = re.compile(rf"^{prefix}\.[^.]+\.[^.]+$")   # <prefix>.<service>.<handler>, not .dlq or .retry.<ms>
for queue in json.load(sys.stdin):
    name = queue["name"]
    if not handler.match(name):
        continue
    args = {entry[0]: entry[-1] for entry in queue.get("arguments") or []}
    if args.get("x-single-active-consumer") is not True or args.get("x-dead-letter-routing-key") != f"{name}.dlq":
        print(name)
' <<<"$queues_json")"

if [ -n "$outdated" ]; then
  echo "policies.sh: these handler queues were declared by an older PSI and lack their arguments:" >&2
  sed 's/^/  /' <<<"$outdated" >&2
  echo "Migrate them (deploy/README.md, \"Upgrading handler queues to their arguments\"), then run this again." >&2
  exit 1
fi

if rabbitmqctl -q list_policies -p "$VHOST" --formatter json | grep -q "\"name\":\"${LEGACY_POLICY}\""; then
  rabbitmqctl -q clear_policy -p "$VHOST" "$LEGACY_POLICY"
  echo "policies.sh: removed the policy ${LEGACY_POLICY}; the handler queues carry their own arguments"
else
  echo "policies.sh: every handler queue carries its arguments; no PSI policy is installed (none is needed)"
fi
# To see each queue's arguments and policy:
#   rabbitmqctl list_queues -p "$VHOST" name type arguments policy messages consumers
