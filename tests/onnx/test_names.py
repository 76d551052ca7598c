"""Column names with spaces, '-', '.', digits and unicode become ONNX inputs by one rule."""

from __future__ import annotations

import json

import onnx
import pandas as pd
from train.datasets import LOGISTIC, model_spec, pipeline_spec

from mlgitops.onnx.convert import META_COLUMNS, convert
from mlgitops.onnx.names import onnx_input_names
from mlgitops.onnx.score import OnnxScorer
from mlgitops.spec.models import ColumnSpec, DatasetSpec
from mlgitops.train.fit import train_model


def test_identifiers_keep_their_names_and_the_rest_become_distinct_identifiers() -> None:
    names = onnx_input_names(["mean radius", "s-1", "s_1", "a.b", "2nd", "größe", "ok", "a b"])
    assert names == {
        "mean radius": "mean_radius",
        "s-1": "s_1_2",  # s_1 is a column's own name, so it keeps it
        "s_1": "s_1",
        "a.b": "a_b",
        "2nd": "_2nd",
        "größe": "gr__e",
        "ok": "ok",
        "a b": "a_b_2",
    }
    assert len(set(names.values())) == len(names)


def _odd_frame(rows: int = 240) -> tuple[pd.DataFrame, DatasetSpec]:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    frame = pd.DataFrame(
        {
            "mean radius": x.round(3).astype(str),
            "s-1": rng.normal(size=rows).round(3).astype(str),
            "s_1": rng.normal(size=rows).round(3).astype(str),
            "size.band": rng.choice(["small", "large"], size=rows),
            "label": np.where(x + rng.normal(scale=0.5, size=rows) > 0, "yes-ish", "no-ish"),
        }
    )
    number = ColumnSpec(type="number")
    dataset = DatasetSpec(
        path="data/odd.csv",
        target="label",
        columns={
            "mean radius": number,
            "s-1": number,
            "s_1": number,
            "size.band": ColumnSpec(type="category", values=["small", "large"]),
            "label": ColumnSpec(type="category", values=["yes-ish", "no-ish"]),
        },
    )
    return frame, dataset


def test_odd_names_convert_score_and_are_recorded() -> None:
    from mlgitops.data.validate import coerce_frame

    frame, dataset = _odd_frame()
    typed = coerce_frame(frame, dataset)
    spec = model_spec("classification", positive_class="yes-ish")
    result = train_model(typed, dataset, spec, pipeline_spec(LOGISTIC))
    model_bytes = convert(result, 17)
    model = onnx.load_from_string(model_bytes)
    features = ["mean radius", "s-1", "s_1", "size.band"]
    assert [i.name for i in model.graph.input] == [
        onnx_input_names(features)[name] for name in result.features
    ]
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta[META_COLUMNS]) == onnx_input_names(result.features)
    onnx.checker.check_model(model)
    scorer = OnnxScorer(model_bytes)
    assert sorted(scorer.features) == sorted(features)
    labels, proba = scorer.predict(typed)
    sk_labels = result.pipeline.predict(pd.concat([result.X_train, result.X_test]).sort_index())
    assert (labels.astype(str) == sk_labels.astype(str)).all()
    assert proba is not None and proba.shape == (len(frame), 2)


def test_a_model_whose_columns_are_identifiers_keeps_its_bytes() -> None:
    """No mapping is recorded when every input is its column's own name, so models of such
    columns convert to the same bytes as before names were mapped."""
    from train.datasets import churn

    frame, dataset = churn()
    result = train_model(
        frame,
        dataset,
        model_spec("classification", features={"exclude": ["customer_id"]}),
        pipeline_spec(LOGISTIC),
    )
    model = onnx.load_from_string(convert(result, 17))
    assert META_COLUMNS not in {p.key for p in model.metadata_props}
    assert [i.name for i in model.graph.input] == list(result.features)
