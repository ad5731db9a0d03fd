"""psi_finance: the finance service of PSI."""
