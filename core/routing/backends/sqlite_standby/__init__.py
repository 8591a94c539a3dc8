"""SQLite opened read-only: the embedded stand-in for a hot standby."""
