"""Fan-out on a real dask.distributed cluster gives the local search's result."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tune.searches import C_RANGE, search_inputs

from mlgitops.errors import ExternalError
from mlgitops.tune import search
from mlgitops.tune.search import SearchInputs, run_search

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address


def _on(inputs: SearchInputs, address: str) -> SearchInputs:
    tuning = inputs.tuning.model_copy(update={"backend": "dask", "scheduler": address})
    return SearchInputs(tuning, inputs.task, inputs.pipeline, inputs.x, inputs.y)


@pytest.mark.parametrize("strategy", ["random", "halving"])
def test_dask_gives_the_same_trials_and_best_params(scheduler: str, strategy: str) -> None:
    local = search_inputs(
        {"strategy": strategy, "metric": "accuracy", "trials": 6, "space": C_RANGE}
    )
    here, there = run_search(local), run_search(_on(local, scheduler))
    assert there.backend == "dask"
    assert there.best_params == here.best_params
    assert there.best_score == here.best_score
    assert [(t.params, t.mean) for t in there.trials] == [(t.params, t.mean) for t in here.trials]


def test_an_unreachable_scheduler_is_an_outside_failure(
    unused_tcp_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SCHEDULER_TIMEOUT", "1s")
    local = search_inputs(
        {"strategy": "random", "metric": "accuracy", "trials": 2, "space": C_RANGE}
    )
    with pytest.raises(ExternalError, match="cannot reach the Dask scheduler"):
        run_search(_on(local, f"tcp://127.0.0.1:{unused_tcp_port}"))


@pytest.fixture
def unused_tcp_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
