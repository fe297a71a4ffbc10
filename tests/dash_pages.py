"""Dash pages as plain functions: import a page module, walk the component tree it returns."""

from __future__ import annotations

import sys
from pathlib import Path


def texts(component) -> list[str]:
    """Every string inside a Dash component tree (children and figure text), depth first."""
    out: list[str] = []
    if component is None:
        return out
    if isinstance(component, str | int | float):
        return [str(component)]
    if isinstance(component, list | tuple):
        for child in component:
            out += texts(child)
        return out
    out += texts(getattr(component, "children", None))
    return out


def find_ids(component) -> set[str]:
    """Every component id in a Dash tree."""
    found: set[str] = set()
    if isinstance(component, list | tuple):
        for child in component:
            found |= find_ids(child)
        return found
    if component is None or isinstance(component, str | int | float):
        return found
    if getattr(component, "id", None):
        found.add(component.id)
    return found | find_ids(getattr(component, "children", None))


def find_by_id(component, wanted: str):
    """The component with this id, or None."""
    if isinstance(component, list | tuple):
        for child in component:
            hit = find_by_id(child, wanted)
            if hit is not None:
                return hit
        return None
    if component is None or isinstance(component, str | int | float):
        return None
    if getattr(component, "id", None) == wanted:
        return component
    return find_by_id(getattr(component, "children", None), wanted)


def find_all(component, keep):
    """Every component in a tree that `keep` accepts, depth first."""
    if isinstance(component, list | tuple):
        for child in component:
            yield from find_all(child, keep)
    elif component is not None and hasattr(component, "children"):
        if keep(component):
            yield component
        yield from find_all(component.children, keep)


def page_module(name: str):
    """A page module as Dash Pages imports it, creating the app once (on no store yet)."""
    module = f"gosmart.dashboard.pages.{name}"
    if module not in sys.modules or not hasattr(sys.modules[module], "layout"):
        from gosmart.dashboard import data
        from gosmart.dashboard.app import create_app
        from gosmart.settings import Settings

        create_app(data._SETTINGS or Settings(db=Path("no-store-yet.duckdb")))
    return sys.modules[module]
