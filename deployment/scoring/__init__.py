"""Batch scoring: a file's rows answered by a deployed model, chunk by chunk."""
