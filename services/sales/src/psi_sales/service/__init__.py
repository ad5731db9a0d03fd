"""sales's handlers: one transaction each (load, ask the domain, write, record events)."""
