"""psi_reporting: the reporting service of PSI."""
