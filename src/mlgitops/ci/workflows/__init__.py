"""One builder per generated workflow: spec in, `Workflow` objects out."""
