"""``make bench``: the site measured at scale against the native PostgreSQL pair.

Each module holds one idea: ``env`` (where the databases are, the machine),
``stats`` (medians and percentiles), ``seeding`` and ``peak`` (the seed against COPY,
its peak memory), ``pages`` and ``plans`` (report pages against their raw SQL),
``overhead`` (the router's cost), ``session`` and ``throughput`` (gunicorn under wrk,
``wrk/pages.lua``), ``export`` (the streamed CSV), ``markdown`` and ``notes``
(BENCHMARKS.md: its tables and its prose), and ``__main__`` runs them in order. The
orchestrator itself never imports Django: the measurements that need it run in child
processes with their own environment, so each one can point at its own database and be
measured on its own (peak RSS).
"""
