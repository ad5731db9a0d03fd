"""psi_chassis: the runtime every PSI service shares. It holds no business logic."""
