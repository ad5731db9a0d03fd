"""psi_inventory: the stock ledger, balances and valuation of PSI."""
