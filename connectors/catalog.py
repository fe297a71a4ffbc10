"""Every declared source, discovered from the modules in `connectors/sources/`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import gosmart.connectors.sources as sources_pkg
from gosmart.connectors.core import SourceSpec


@cache
def all_specs() -> dict[str, SourceSpec]:
    """Source id -> spec, in a stable order."""
    specs: dict[str, SourceSpec] = {}
    for info in sorted(pkgutil.iter_modules(sources_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{sources_pkg.__name__}.{info.name}")
        for spec in getattr(module, "SPECS", []):
            if spec.source_id in specs:
                raise ValueError(f"source id {spec.source_id!r} declared twice")
            specs[spec.source_id] = spec
    return specs


def get_spec(source_id: str) -> SourceSpec:
    specs = all_specs()
    if source_id not in specs:
        known = ", ".join(sorted(specs))
        raise KeyError(f"unknown source {source_id!r}; known sources: {known}")
    return specs[source_id]
