#!/usr/bin/env bash
# RabbitMQ policies for PSI: a broker-side safety net behind the consumer's own dead-lettering.
#
#   deploy/rabbitmq/policies.sh                      # vhost "/", prefix "psi"
#   RABBITMQ_VHOST=psi PSI_TOPOLOGY_PREFIX=psi deploy/rabbitmq/policies.sh
#
# Run it where `rabbitmqctl` can reach the broker (on a broker node, or with RABBITMQ_NODENAME / --node set up).
# It is idempotent: set_policy replaces a policy of the same name.
#
# How PSI dead-letters, and why this is only a safety net
# --------------------------------------------------------
# Dead-letter routing is done by the consumer itself (psi_chassis.consumer), not by the broker:
#   * an undecodable or invalid message, a handler out of attempts (PSI_CONSUMER_MAX_ATTEMPTS) or a
#     PoisonMessage is republished by the consumer, with publisher confirms, to <queue>.dlq with the headers
#     x-psi-dead-letter-reason, x-psi-error and x-psi-original-queue, and only then acked;
#   * retries go through the delay queues <queue>.retry.<ms>, declared by the consumer with their own TTL and
#     dead-letter arguments (they need no policy);
#   * a message the process dies on keeps coming back with a higher x-delivery-count; at
#     PSI_CONSUMER_MAX_REDELIVERIES (default 10) the consumer dead-letters it (reason "redelivered").
# The handler queues are declared with nothing but x-queue-type=quorum, because x-arguments cannot be changed on
# an existing queue; anything broker-side belongs in a policy, which can.
#
# The policy below sets a quorum-queue delivery-limit above PSI_CONSUMER_MAX_REDELIVERIES, so it only acts if the
# consumer cannot reach its own check (for example, it crashes while reading a message before validating it).
# When a quorum queue's delivery-limit is exceeded, RabbitMQ dead-letters the message to the queue's
# dead-letter-exchange, or DROPS it when there is none. To keep such messages, set PSI_POLICY_DLX to the name of
# an exchange you have declared and bound a queue to (for example a fanout exchange "psi.broker-dead-letters"
# bound to a quorum queue of the same name); the messages keep their routing key and gain an x-death header.
#
# The pattern matches exactly the handler queues, <prefix>.<service>.<handler> (the segments hold no dots), and
# neither <queue>.dlq nor <queue>.retry.<ms>: inspecting a DLQ with "get and requeue" can never make the broker
# drop what is in it, and the delay queues keep the dead-letter arguments the consumer gave them.

set -euo pipefail

VHOST="${RABBITMQ_VHOST:-/}"
PREFIX="${PSI_TOPOLOGY_PREFIX:-psi}"
DELIVERY_LIMIT="${PSI_DELIVERY_LIMIT:-20}"   # keep above PSI_CONSUMER_MAX_REDELIVERIES (default 10)
DLX="${PSI_POLICY_DLX:-}"
PRIORITY="${PSI_POLICY_PRIORITY:-10}"

escaped_prefix="${PREFIX//./\\.}"
# <prefix>.<service>.<handler> and nothing longer.
pattern="^${escaped_prefix}\\.[^.]+\\.[^.]+\$"

definition="{\"delivery-limit\": ${DELIVERY_LIMIT}"
if [ -n "$DLX" ]; then
  definition+=", \"dead-letter-exchange\": \"${DLX}\""
fi
definition+="}"

# --apply-to quorum_queues exists from RabbitMQ 3.12. Older brokers only know "queues"; delivery-limit is a
# quorum-queue key that classic queues ignore, and the pattern only matches the (quorum) handler queues.
if ! rabbitmqctl set_policy -p "$VHOST" --priority "$PRIORITY" --apply-to quorum_queues \
       psi-delivery-limit "$pattern" "$definition" >/dev/null 2>&1; then
  echo "policies.sh: this broker does not know --apply-to quorum_queues; applying to queues" >&2
  rabbitmqctl set_policy -p "$VHOST" --priority "$PRIORITY" --apply-to queues \
    psi-delivery-limit "$pattern" "$definition"
fi

rabbitmqctl list_policies -p "$VHOST"
# To see which policy each queue has:
#   rabbitmqctl list_queues -p "$VHOST" name type policy messages
# To remove it:
#   rabbitmqctl clear_policy -p "$VHOST" psi-delivery-limit
