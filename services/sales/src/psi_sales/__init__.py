"""psi_sales: the sales service of PSI."""
