"""Drift detection: a small reference profile stored with every model version,
and a streaming comparison of current production data against it.

Modules: `profile` (what training stores), `binning` and `accumulate` (current
data into the profile's bins, batch by batch), `methods` (the statistics),
`detect` (the streaming loop and verdicts), `report` (terminal, Markdown,
JSON, evidence) and `plots` (PNGs of the most drifted features).
"""
