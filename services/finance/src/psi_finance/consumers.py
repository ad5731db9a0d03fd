"""Which incoming event types map to which handlers (one queue per handler); none yet."""

from __future__ import annotations

from psi_chassis.service import EventHandler

HANDLERS: tuple[EventHandler, ...] = ()
