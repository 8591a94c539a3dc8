"""Reading ``/metrics`` as Prometheus does: its text parsed into samples."""

from __future__ import annotations

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset], float]
"""A scrape's samples by name and labels: ``{("db_writes_detected_total", frozenset()): 3.0}``."""


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: Client | None = None, **headers: str) -> Samples:
    """Scrape ``/metrics`` from the loopback (tests allow it): the samples."""
    response = (client or Client()).get("/metrics", REMOTE_ADDR="127.0.0.1", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return parse(response.content.decode())


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """The sample named ``name`` with exactly ``labels``; ``None`` when there is none."""
    return samples.get((name, frozenset(labels.items())))
