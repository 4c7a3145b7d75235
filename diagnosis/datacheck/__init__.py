"""The data check: read a manufacturer's own file, profile it, score its readiness for AI and
test whether a baseline model beats guessing. Plain functions over files; the Django side
(models, tasks, views) lives in `diagnosis.services.datachecks`."""
