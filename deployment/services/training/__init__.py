"""Training jobs on GPU quota (docs/training.md)."""
