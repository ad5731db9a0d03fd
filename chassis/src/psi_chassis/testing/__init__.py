"""Test helpers shared by every PSI package: real databases and broker, processes, polling with a deadline."""

from psi_chassis.testing.helpers import ServiceProcess, free_port, http_json, metric_sum, scrape, wait_for

__all__ = ["ServiceProcess", "free_port", "http_json", "metric_sum", "scrape", "wait_for"]
