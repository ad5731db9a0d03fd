"""PSI API gateway: the one public entry point, routing an allow-list of /api/v1 routes to the services."""

__version__ = "0.1.0"
