"""`mlgitops serve`: the production models over HTTP (Open Inference Protocol, MLflow's
`/invocations`, Prometheus `/metrics`), with verified hot reload and a replay check.

Modules, each with one job: `loaded` (a verified, scored production version),
`inputs` (request payloads checked against the declared columns), `store`
(the served set, switched atomically), `metrics`, `app` (the ASGI routes),
`watch` (reload on a changed production.yaml), `server` (uvicorn on a socket),
`replay` (rows recorded at registration, replayed through a running server).
"""
