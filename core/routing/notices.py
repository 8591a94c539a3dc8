"""What a report page says when its reads do not come from a fresh member of its group.

Every notice a read decision or a retry gives, in one place: the texts a person reads
under "Served by" on a report page (``templates/reports/_layout.html``). Those ending
"...reads from the primary" explain a fallback; the others warn that a member that is
read anyway may miss the newest changes (``STANDBY_LAG_POLICY = "notice"``).
"""

PINNED = "You saved something a moment ago, so this page reads from the primary database."
UNREACHABLE = "The reporting replica is unavailable, so this page reads from the primary."
LAGGING = "The reporting replica is {lag:.0f} s behind, so this page reads from the primary."
STALE = "The reporting replica is {lag:.0f} s behind: the newest changes may be missing."
NOT_REPLICATING = (
    "The reporting replica is not replicating from the primary, so this page reads from"
    " the primary."
)
NOT_REPLICATING_NOTICE = (
    "The reporting replica is not replicating from the primary: recent changes are missing."
)
UNMEASURED = "The reporting replica is behind by an unknown time, so this page reads the primary."
UNMEASURED_NOTICE = "The reporting replica is behind by an unknown time: changes may be missing."
NO_STANDBY = (
    "No reporting replica is running (the one there was took over as the primary), so this"
    " page reads from the primary."
)
RETRIED = "The reporting replica failed during this page, so it was read from the primary."
WRITES = "This page writes, so it was read from the primary."
