"""`predict` streams its input: the output is the one a whole-file read gives, batch after batch."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from builders import REPO_ROOT, copy_demo

from mlgitops.commands import Context, predict
from mlgitops.data.read import read_table
from mlgitops.data.stream import iter_file
from mlgitops.data.validate import coerce_frame
from mlgitops.onnx.score import OnnxScorer
from mlgitops.registry import Registry
from mlgitops.spec import load_project

BATCH = 256  # the smallest CSV batch: the 2,000-row demo files are scored in 8 batches


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = copy_demo(tmp_path / "demo")
    shutil.copytree(REPO_ROOT / "models", root / "models")
    return root


def whole_file(root: Path, model: str, path: Path, keep: list[str]) -> pd.DataFrame:
    """The scored rows as a whole-file read gives them (how `predict` worked before it streamed)."""
    project = load_project(root, check_estimators=False)
    dataset = project.spec.datasets[project.model(model).dataset]
    registry = Registry(root)
    ref = registry.production_ref(model)
    assert ref is not None
    evidence = registry.evidence(ref)
    frame = read_table(path, path.name)
    features = dataset.model_copy(
        update={"columns": {name: dataset.columns[name] for name in evidence.features}}
    )
    scorer = OnnxScorer(registry.read_artifact(ref, "model.onnx"))
    labels, proba = scorer.predict(coerce_frame(frame[evidence.features], features))
    scored = pd.concat(
        [frame[keep].reset_index(drop=True), pd.DataFrame({"prediction": labels})], axis=1
    )
    if proba is not None:
        for index, name in enumerate(evidence.training.classes or range(proba.shape[1])):
            scored[f"proba_{name}"] = proba[:, index]
    return scored


@pytest.mark.parametrize(
    ("model", "data", "keep"),
    [
        ("churn-classifier", "data/churn_current.csv", ["customer_id", "contract"]),
        ("house-price", "data/housing.csv", []),
    ],
)
def test_streamed_output_is_the_whole_file_result(
    demo: Path, tmp_path: Path, model: str, data: str, keep: list[str]
) -> None:
    source = demo / data
    assert len(list(iter_file(source, data, BATCH))) >= 8  # really scored in batches
    expected = whole_file(demo, model, source, keep)
    ctx = Context(root=demo, environ={})
    csv_out, parquet_out = tmp_path / "scored.csv", tmp_path / "scored.parquet"
    for output in (csv_out, parquet_out):
        outcome = predict.run(ctx, model, source, output=output, keep=keep, batch_rows=BATCH)
        assert outcome.data["rows"] == len(expected)
    assert csv_out.read_bytes() == expected.to_csv(index=False, lineterminator="\n").encode()
    # Parquet: one row group per batch; the same columns, types and values
    pd.testing.assert_frame_equal(pd.read_parquet(parquet_out), expected)
    # the same rows whatever the batch size
    predict.run(ctx, model, source, output=csv_out, keep=keep, batch_rows=1_000_000)
    assert csv_out.read_bytes() == expected.to_csv(index=False, lineterminator="\n").encode()


def test_parquet_input_streams_too(demo: Path, tmp_path: Path) -> None:
    source = tmp_path / "current.parquet"
    pd.read_csv(demo / "data/churn_current.csv").to_parquet(source, index=False)
    expected = whole_file(demo, "churn-classifier", source, ["customer_id"])
    ctx = Context(root=demo, environ={})
    outcome = predict.run(
        ctx, "churn-classifier", source, keep=["customer_id"], batch_rows=BATCH
    )  # no --output: every row is in the JSON data
    assert outcome.data["predictions"] == expected.to_dict(orient="records")
    buffer = io.BytesIO()
    expected.to_parquet(buffer, index=False)
    one_batch = tmp_path / "one.parquet"
    predict.run(ctx, "churn-classifier", source, output=one_batch, keep=["customer_id"])
    assert one_batch.read_bytes() == buffer.getvalue()  # one batch: the bytes of a whole write
