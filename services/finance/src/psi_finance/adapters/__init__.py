"""finance's persistence: its tables, repositories and read queries (all of its SQL lives here)."""
