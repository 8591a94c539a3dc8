"""One circuit breaker per member: a member that failed is left alone for a cool-down.

Without it, every page would wait for a dead member's connect timeout in turn. A breaker
opens on a failure that says the server is gone (its status query failed, or a query of
a page lost the server: ``core.routing.db_errors``), and the decision skips the member
while it is open. After ``STANDBY_COOL_DOWN_SECONDS`` one caller probes the member (a
fresh status measurement); its answer closes the breaker or keeps it open.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings

from core.routing import signals
from core.routing.db_errors import first_line

__all__ = ["CircuitBreaker", "breaker_for", "record_failure", "reset_breakers"]

logger = logging.getLogger(__name__)


class CircuitBreaker:
    """Open after a failure; after ``cool_down`` seconds let one caller probe again.

    Per process and per alias, shared by the threads of a worker. A state change is
    logged once, not once per request.
    """

    def __init__(self, alias: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.alias = alias
        self._clock = clock
        self._lock = threading.Lock()
        self._opened_at: float | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def allow(self) -> bool:
        """Closed: yes. Open: no, except for one probe once the cool-down has passed."""
        with self._lock:
            if self._opened_at is None:
                return True
            cooled = self._clock() - self._opened_at >= settings.STANDBY_COOL_DOWN_SECONDS
            if cooled and not self._probing:
                self._probing = True
                return True
            return False

    def record_success(self, measured_at: float | None = None) -> None:
        """The member answered. ``measured_at`` (``time.monotonic()``): when, for an answer
        that may be older than a failure recorded since, which then stands."""
        with self._lock:
            if self._opened_at is not None and measured_at is not None:
                if measured_at < self._opened_at:
                    return
            was_open, self._opened_at, self._probing = self._opened_at is not None, None, False
        if was_open:
            logger.warning(
                "Standby %r is reachable again: reads go back to it.",
                self.alias,
                extra={"event": "standby_online", "member": self.alias},
            )
            signals.breaker_changed.send_robust(
                __name__, member=self.alias, is_open=False, error=""
            )

    def record_failure(self, error: str) -> None:
        with self._lock:
            was_open = self._opened_at is not None
            self._opened_at, self._probing = self._clock(), False
        if not was_open:
            logger.error(
                "Standby %r is unreachable (%s): reads leave it alone for %s s.",
                self.alias,
                error,
                settings.STANDBY_COOL_DOWN_SECONDS,
                extra={"event": "standby_offline", "member": self.alias, "error": error},
            )
            signals.breaker_changed.send_robust(
                __name__, member=self.alias, is_open=True, error=error
            )

    def abandon_probe(self) -> None:
        """The probe ended without an answer about the server: let the next caller probe."""
        with self._lock:
            self._probing = False

    def reset(self) -> None:
        with self._lock:
            was_open, self._opened_at, self._probing = self._opened_at is not None, None, False
        if was_open:
            signals.breaker_changed.send_robust(
                __name__, member=self.alias, is_open=False, error=""
            )


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(alias: str) -> CircuitBreaker:
    with _breakers_lock:
        return _breakers.setdefault(alias, CircuitBreaker(alias))


def reset_breakers() -> None:
    """Close every breaker (tests, and an operator's "the standby is back")."""
    with _breakers_lock:
        breakers = list(_breakers.values())
    for breaker in breakers:
        breaker.reset()


def record_failure(alias: str, error: Exception) -> None:
    """A query on ``alias`` failed for a reason that says the server is gone."""
    breaker_for(alias).record_failure(first_line(error))
