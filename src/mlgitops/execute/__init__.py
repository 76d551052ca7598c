"""Executing the plan: each stage a function from typed inputs to a typed result."""
