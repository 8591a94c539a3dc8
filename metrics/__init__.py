"""The routing as numbers an operator scrapes: Prometheus metrics at ``/metrics``.

``core.routing`` counts nothing itself; it sends Django signals (``core.routing.signals``)
and this app turns them into counters (``receivers``), adds the members' replication
state measured at scrape time (``replication``), and serves the lot in Prometheus' text
format to the addresses or the token the settings name (``access``, ``views``). Under
gunicorn each worker process writes its counters to files that a scrape adds up
(prometheus_client's multiprocess mode, set up by ``docker/web/gunicorn.conf.py``).

=================  ============================================================
``instruments``    the metrics' names, labels and help: what operators query
``receivers``      the signals of ``core.routing``, counted
``replication``    each member's state and lag, measured when scraped
``registry``       what one scrape collects: this process, or every worker's files
``access``         who may scrape: an allowed address, or the bearer token
``views``          ``/metrics``
=================  ============================================================
"""
