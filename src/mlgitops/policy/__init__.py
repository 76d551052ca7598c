"""Policy files: CEL rules over a candidate's evidence, checked at load and evaluated per model.

`compile.policy_check` checks every rule when the project loads;
`evaluate.evaluate_policies` evaluates a model's rules into a `PolicyReport`.
"""
