"""finance's rules: pure Python, no I/O (no SQLAlchemy, Flask or kombu; see .importlinter)."""
