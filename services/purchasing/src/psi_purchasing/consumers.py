"""Which incoming event types map to which handlers (one queue per handler); purchasing consumes none yet."""

from psi_chassis.service import EventHandler

HANDLERS: tuple[EventHandler, ...] = ()
