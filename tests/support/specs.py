"""Specs the tests share: the full cluster of the foundation issue, resolved without AWS."""

from __future__ import annotations

import textwrap

from clusterwiz.core.resolve import ResolvedInputs
from clusterwiz.core.spec import ClusterSpec

FULL_CLUSTER_YAML = textwrap.dedent("""\
    name: full
    region: eu-west-2
    os: ubuntu2404
    key_pair: workshop
    network:
      availability_zone: eu-west-2a
      ssh_cidr: 203.0.113.7/32
    head_node:
      instance_type: t3.medium
    queues:
      - name: compute
        instance_types: [c5.large]
        initial_nodes: 1
        max_nodes: 4
      - name: spot
        instance_types: [c5.large, c5.xlarge]
        capacity: spot
        max_nodes: 3
    shared_storage:
      - mount_dir: /shared
        size_gib: 20
      - mount_dir: /data
        volume_id: vol-0123456789abcdef0
    tags:
      project: 'genomics: team/a+b=c@d.e'
    """)

FULL_RESOLVED = ResolvedInputs(ami_id="ami-0123456789abcdef0", architecture="x86_64",
                               availability_zone="eu-west-2a", ssh_cidr="203.0.113.7/32")


def full_spec() -> ClusterSpec:
    return ClusterSpec.from_yaml(FULL_CLUSTER_YAML)
