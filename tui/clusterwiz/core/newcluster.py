"""Save a finished wizard: register the cluster and, when asked, create its key pair."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusterwiz.core.keypair import create_key_pair
from clusterwiz.core.steps import CREATE, Context, WizardState

if TYPE_CHECKING:
    from clusterwiz.core.aws.catalog import Catalog
    from clusterwiz.core.registry import ClusterRecord, Registry
    from clusterwiz.core.review import Review
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


def save_cluster(state: WizardState, registry: Registry, session: Any) -> ClusterRecord:
    """Save the wizard's answers: a new cluster is registered (save_new_cluster), the cluster it edits gets them as
    its new spec. From then on the wizard edits that cluster, so saving again updates it."""
    if state.context.editing is None:
        record = save_new_cluster(state, registry, session)
    else:
        record = _save_edited(state, registry, session)
    state.context.editing = record.name
    return record


def _save_edited(state: WizardState, registry: Registry, session: Any) -> ClusterRecord:
    spec = state.spec()
    record = registry.get(spec.name)
    if creates_key(state):
        assert spec.key_pair is not None
        key_file = create_key_pair(session, spec.region, spec.key_pair, record.keys_dir, spec.name)
        spec = spec.model_copy(update={"ssh_key_file": str(key_file)})
    return registry.save_spec(spec)


def review_answers(state: WizardState, registry: Registry) -> Review:
    """The review of the wizard's cluster: a new one is checked against every registered name, the one it edits as a
    plan of it would be (lifecycle.preflight_scope)."""
    from clusterwiz.core.lifecycle import preflight_scope
    from clusterwiz.core.review import build_review

    spec = state.spec()
    if state.context.editing is None:
        others, updating = registry.names(), False
    else:
        others, updating = preflight_scope(registry, spec.name)
    return build_review(spec, state.context.catalog, others, creates_key(state), updating=updating)


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


def new_context(settings: Settings, catalog: Catalog, registry: Registry, editing: str | None = None) -> Context:
    """What the wizard's steps read; `editing`: the registered cluster whose spec the answers replace."""
    return Context(catalog=catalog, registry_names=frozenset(registry.names()), default_region=settings.region,
                   profile=settings.profile, sandbox=settings.sandbox, editing=editing)
