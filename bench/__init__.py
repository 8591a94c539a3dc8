"""``make bench``: the site measured at scale against the native PostgreSQL pair.

Each module holds one idea: ``env`` (where the databases are, the machine),
``stats`` (medians and percentiles), ``seeding`` and ``peak`` (the seed against COPY,
its peak memory), ``pages``, ``plans`` and ``floor`` (report pages against their raw
SQL and the stack's fixed cost), ``overhead`` (the router's cost), ``session`` and
``throughput`` (gunicorn under wrk, ``wrk/pages.lua``), ``export`` (the streamed CSV),
``after_write``, ``writers`` and ``position_check`` (reports right after a save),
``mixed`` (saves while reports load), ``markdown`` and ``notes`` (BENCHMARKS.md: its
tables and its prose), and ``__main__`` runs them in order; ``chaos`` and
``reliability`` are ``make chaos`` (RELIABILITY.md). The orchestrator itself never
imports Django: the measurements that need it run in child processes with their own
environment, so each one can point at its own database and be measured on its own (peak
RSS).
"""
