"""Endpoints from deployment to deletion.

A deployment walks pending → validating → provisioning → warming → ready in a Celery task,
each step claimed with a conditional update, so a task delivered twice does each step once and
a step whose worker died is found by the sweeper (``endpoints_sweep``), retried from the start,
and after ``ONESTOP_DEPLOY_ATTEMPTS`` tries failed with a reason. Replicas are inference
workloads the allocation engine admits within the company's guarantee; they are never
preempted. Every change a person asks for is audited; every step is an ``EndpointEvent`` the
portal shows.

- ``queries``: the company's grants in force, deployable versions and endpoints.
- ``rules``: replica limits and why a flavor cannot run a model.
- ``transitions``: the claimed state change every step and action goes through.
- ``pipeline``: deploying (create, the steps, the sweeper) and finishing a roll.
- ``lifecycle``: what an owner asks of a running endpoint (stop, resume, delete, roll, scale,
  configure), and replicas following the load.
- ``cluster``: the steps for an endpoint whose replicas run on its pool's Ray cluster, and
  what its endpoints do when the cluster goes away and comes back.
- ``keys``: the endpoint's inference keys."""
