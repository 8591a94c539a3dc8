"""PostgreSQL for a standby: Django's backend, with a bound on waiting for an answer."""
