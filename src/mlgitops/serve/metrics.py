"""Prometheus metrics of one server, in their own registry (two servers in one process
never share counts). Labels hold only model names and versions the server serves,
never text from a request, so a client cannot grow the label sets."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
# single-row scoring takes well under a millisecond; batches up to the body limit take longer
LATENCY_BUCKETS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


@dataclass
class ServeMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        labels = ["model", "version", "protocol"]
        self.requests = Counter(
            "mlgitops_requests", "Scoring requests", labels, registry=self.registry
        )
        self.errors = Counter(
            "mlgitops_request_errors",
            "Scoring requests answered with an error",
            [*labels, "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mlgitops_request_seconds",
            "Time to answer a scoring request",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rows = Counter(
            "mlgitops_rows_scored", "Rows scored", ["model", "version"], registry=self.registry
        )
        self.unrouted = Counter(
            "mlgitops_unrouted_requests",
            "Requests for an unknown model or path",
            ["status"],
            registry=self.registry,
        )
        self.serving = Gauge(
            "mlgitops_model_version",
            "The version each model serves",
            ["model"],
            registry=self.registry,
        )
        self.reloads = Counter(
            "mlgitops_reloads",
            "Reloads of a model after its production.yaml changed",
            ["model", "result"],
            registry=self.registry,
        )
        self.reload_failed = Gauge(
            "mlgitops_reload_failed",
            "1 while a model's newest production version failed to load (the old one serves)",
            ["model", "version"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
