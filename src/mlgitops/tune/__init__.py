"""Hyperparameter search declared in mlops.yaml (`tuning:`): space forms and the search itself."""
