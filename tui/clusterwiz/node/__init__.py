"""The node agent: what runs on a cluster's head and compute nodes at boot and afterwards.

Stdlib-only and python3.9-compatible: it runs with the node's system python3 before anything else is
installed (boto3 is imported only by the pieces that call AWS). On a node it is unpacked as the package
`clusterwiz_node` next to bootstrap.sh; in this repository it is `clusterwiz.node`, so every import in
it is relative.
"""
