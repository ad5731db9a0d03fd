"""psi_contracts: what PSI services agree on, and nothing they do.

The event envelope (:mod:`.envelope`), the event schemas by type and version (:mod:`.events`), the names of
the messaging topology (:mod:`.topology`) and the golden examples (:mod:`.examples`). No business logic and no
connections, so every service, the gateway and the cross-service tests can depend on it cheaply.
"""

from __future__ import annotations

from psi_contracts.envelope import EnvelopeSchema, make_envelope, parse_envelope
from psi_contracts.events import EVENT_TYPES, UnknownEventType, decode_data, encode_data
from psi_contracts.schema import ContractSchema, DecimalString, tolerant

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "ContractSchema",
    "DecimalString",
    "tolerant",
    "EnvelopeSchema",
    "make_envelope",
    "parse_envelope",
    "EVENT_TYPES",
    "UnknownEventType",
    "encode_data",
    "decode_data",
]
