"""psi_purchasing: suppliers, purchase orders and goods receipts of PSI."""
