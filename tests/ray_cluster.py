"""The local Ray cluster of the tests marked ``ray`` (deployment/compute/local_cluster.py);
a test that needs it is skipped, with the reason, where Ray is not installed (never in CI,
where the ``ray`` marker may not skip)."""

import pytest

from deployment.compute import local_cluster
from deployment.compute.local_cluster import LocalCluster, free_port, stop_cluster

__all__ = ["LocalCluster", "free_port", "start_cluster", "stop_cluster"]


def start_cluster(tmp_dir, units, gpus=0):
    try:
        return local_cluster.start_cluster(tmp_dir, units, gpus)
    except local_cluster.RayMissing as exc:
        pytest.skip(str(exc))
