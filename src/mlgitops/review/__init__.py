"""The review of a change: each affected model's candidate against production, as Markdown.

`gather.py` reads what a review shows (the workspace candidate, the registry's
production version, the spec at the base commit) into typed inputs;
`render.py` turns them into Markdown that fits GitHub's comment limit;
`comment.py` keeps the one comment on the pull request up to date.
"""
