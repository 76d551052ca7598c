"""Training: the scikit-learn pipeline, the split, metrics, gates and the fit itself.

Modules import scikit-learn inside functions, so importing this package is cheap.
"""
