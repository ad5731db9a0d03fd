"""Who asks: the verified caller as commands carry it into the domain (no Flask, no token, just the facts)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The caller of a command: recorded on every logged decision, and their roles decide what they may do.

    Built from the verified token by :func:`psi_chassis.web.current_actor`; domain rules and tests build it
    directly.
    """

    user_id: str
    username: str
    roles: frozenset[str]
