"""The MLflow side of bench_serve.py: save the churn pipeline as an MLflow model.

Runs in benchmarks/.venv-mlflow (`make bench-env`) with the repository's
`src/` on PYTHONPATH, so the pipeline is built, split and fitted by
mlgitops's own training code from the same spec and data as the registered
churn-classifier: the same scikit-learn pipeline, served by
`mlflow models serve` instead of `mlgitops serve`.

    PYTHONPATH=src benchmarks/.venv-mlflow/bin/python benchmarks/mlflow_model.py OUT_DIR
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import mlflow.sklearn

from mlgitops.data.read import read_table
from mlgitops.data.validate import coerce_frame
from mlgitops.spec import load_project
from mlgitops.train.fit import train_model

MODEL = "churn-classifier"


def main() -> None:
    out = Path(sys.argv[1])
    root = Path(__file__).resolve().parent.parent
    project = load_project(root, check_estimators=False)
    spec = project.spec.models[MODEL]
    dataset = project.spec.datasets[spec.dataset]
    frame = coerce_frame(read_table(root / dataset.path, dataset.path), dataset)
    trained = train_model(frame, dataset, spec, project.pipelines[MODEL])
    if out.exists():
        shutil.rmtree(out)
    # MLflow 3 stores scikit-learn models with skops, which asks which types to trust; these
    # are the pipeline's own (it reads columns through mlgitops's input function, so the
    # serving process has src/ on PYTHONPATH too).
    mlflow.sklearn.save_model(
        trained.pipeline,
        str(out),
        skops_trusted_types=[
            "mlgitops.train.inputs.model_inputs",
            "numpy.dtype",
            "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        ],
    )
    print(f"saved {MODEL} ({trained.estimator}, holdout {trained.metrics}) to {out}")


if __name__ == "__main__":
    main()
