"""Readiness diagnosis: questionnaires, assessments, data checks, roadmaps and matching."""
