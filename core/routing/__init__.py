"""Per-view read routing: ``@read_from("standby")`` and the router that honours it.

A report view is declared once::

    from core.routing import read_from

    @read_from("standby")
    def hours_report(request):
        weeks = request.user.profile.timecards.filter(...)   # read on a standby
        ...

Everything that runs underneath the view, model properties and related managers
included, reads from a member of the ``standby`` group without an alias being passed
around, while every write still goes to the primary. The same object is a block::

    with read_from("standby"):
        invoices = selectors.invoice_summary(today=today)

Where a read goes is decided by one function, :func:`core.routing.decision.
database_for_read`, whose docstring states every rule in order. The modules, each one
idea:

=====================  ===============================================================
``groups``             the vocabulary: the primary, a group, its members
``scope``              the scope in a ``ContextVar``; ``in_scope`` for other threads
``decorators``         ``read_from``: functions, async views, class-based views, blocks
``carry``              the scope kept past the return (streamed bodies, templates)
``decision``           where a read goes: every rule, in order
``members``            whether one member qualifies (rule 7)
``notices``            what a page says when it does not read a fresh member
``router``             the router named in ``DATABASE_ROUTERS``: asks ``decision``
``status``             each member's replication state, cached briefly for decisions
``measure``            one measurement of a member: its lag against the primary
``positions``          WAL positions: the primary's, and what a member has replayed
``breaker``            a member that failed is left alone for a cool-down
``retry``              a failed scope run once more on the primary, when it may be
``writes``             a write known by the statement the primary runs
``statements``         which statements only read
``read_your_writes``   a caller reads only members that have its last write
``middleware``         read-your-writes per browser (a cookie); failures as 503 pages
``db_errors``          what a database error says about the server that raised it
``deadlines``          a bounded wait for a member that stops answering
``signals``            what the routing tells listeners (the ``metrics`` app counts them)
``outage_log``         one log line while a group's scopes find no member, not one a page
``backends``           the members' database backends (PostgreSQL, the embedded SQLite)
=====================  ===============================================================
"""

from core.routing.decision import ReadDecision, read_decision
from core.routing.decorators import read_from
from core.routing.router import ScopedReadRouter
from core.routing.scope import in_scope, requested_group

__all__ = [
    "ReadDecision",
    "ScopedReadRouter",
    "in_scope",
    "read_decision",
    "read_from",
    "requested_group",
]
