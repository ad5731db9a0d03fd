"""sales's HTTP layer: thin routes and their schemas (schemas.py)."""
