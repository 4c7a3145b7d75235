"""Allocation of accelerator units: guarantees, lending, borrowing and reclaim, with the
rules docs/allocation.md states (Kueue's cohort model, Run:ai's preemptible split).

`scheduler.py` is the engine: one flavor's tenants, grants, running and queued work, and the
phases of one scheduling round. The simulator (`simulate.py`) drives it hour by hour over a
trace; the portal's admissions drive the same engine over the database's state."""
