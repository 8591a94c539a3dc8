"""Demo data for a local site: clients, people, weeks of timecards and their invoices.

``manage.py seed`` runs :func:`seed_demo_data`. The package holds three things: the
words people write (``vocabulary``), the planner of the demo year (``planner``: who logs
what and when, which time is approved and invoiced), and the writers (``writers``: each
row built by its factory, on every core, and written in bulk).
"""

from timetrack.demo.planner import (
    DEFAULT_SEED,
    DEFAULT_USERS,
    DEFAULT_WEEKS,
    DEMO_PASSWORD,
    MAX_SEED,
    MAX_USERS,
    MAX_WEEKS,
    MEMBER_USERNAME,
    MIN_USERS,
    MIN_WEEKS,
    STAFF_USERNAME,
    ExistingData,
    SeedArgumentError,
    SeedSummary,
    existing_data,
    seed_demo_data,
    validate_arguments,
)

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_USERS",
    "DEFAULT_WEEKS",
    "DEMO_PASSWORD",
    "MAX_SEED",
    "MAX_USERS",
    "MAX_WEEKS",
    "MEMBER_USERNAME",
    "MIN_USERS",
    "MIN_WEEKS",
    "STAFF_USERNAME",
    "ExistingData",
    "SeedArgumentError",
    "SeedSummary",
    "existing_data",
    "seed_demo_data",
    "validate_arguments",
]
