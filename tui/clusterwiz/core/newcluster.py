"""Save a finished wizard: register the cluster and, when asked, create its key pair."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusterwiz.core.keypair import create_key_pair
from clusterwiz.core.steps import CREATE, Context, WizardState

if TYPE_CHECKING:
    from clusterwiz.core.aws.catalog import Catalog
    from clusterwiz.core.registry import ClusterRecord, Registry
    from clusterwiz.core.settings import Settings


def creates_key(state: WizardState) -> bool:
    answer = state.answers.get("key_pair")
    return isinstance(answer, dict) and answer.get("key") == CREATE


def save_new_cluster(state: WizardState, registry: Registry, session: Any) -> ClusterRecord:
    """Write cluster.yaml into the registry; a new key pair's private key goes to the cluster's keys/ (0600)."""
    spec = state.spec()
    record = registry.create(spec)
    if not creates_key(state):
        return record
    assert spec.key_pair is not None
    try:
        key_file = create_key_pair(session, spec.region, spec.key_pair, record.keys_dir, spec.name)
    except BaseException:
        # Nothing half-made: a cluster whose key pair could not be created is not registered.
        registry.remove(spec.name, force=True)
        raise
    return registry.save_spec(spec.model_copy(update={"ssh_key_file": str(key_file)}))


def registry_for(settings: Settings) -> Registry:
    """The settings' registry area; asked for a cluster of the other area, it says how to reach it."""
    from clusterwiz.core.sandbox import area_registry

    return area_registry(settings)


def catalog_for(settings: Settings) -> Catalog:
    """The live catalog for these settings (on the sandbox's emulator, started if need be, under --sandbox),
    caching slow-changing lookups under the clusterwiz home."""
    from clusterwiz.core.aws.catalog import Catalog
    from clusterwiz.core.sandbox import ensure_emulator, session_for

    emulator = ensure_emulator(settings.home) if settings.sandbox else None
    return Catalog(session_for(settings, emulator), cache_dir=settings.home / "cache")


def new_context(settings: Settings, catalog: Catalog, registry: Registry) -> Context:
    return Context(catalog=catalog, registry_names=frozenset(registry.names()), default_region=settings.region,
                   profile=settings.profile, sandbox=settings.sandbox)
