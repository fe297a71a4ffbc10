"""Bodies of /_dash-update-component requests, built the way Dash's renderer builds them.

Used by the hostile-input and header tests to reach every registered callback
over HTTP without a browser.
"""

from __future__ import annotations

import json
from typing import Any

CALLBACK_ROUTE = "/_dash-update-component"
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
WILDCARDS = ('["ALL"]', '["MATCH"]', '["ALLSMALLER"]')


def _component_id(text: str) -> Any:
    """Dash sends dict ids as objects; the dependency list holds them as JSON text."""
    return json.loads(text) if text.startswith("{") else text


def _split_output(output: str) -> list[tuple[Any, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [(_component_id(p.rsplit(".", 1)[0]), p.rsplit(".", 1)[1]) for p in parts]


def has_wildcards(dependency: dict) -> bool:
    """True for pattern-matching callbacks (their bodies carry lists; tested by page owners)."""
    texts = [dependency["output"]] + [d["id"] for d in dependency["inputs"] + dependency["state"]]
    return any(w in t for t in texts for w in WILDCARDS)


def callback_body(dependency: dict, values: list[Any]) -> dict:
    """The request for one callback of /_dash-dependencies, inputs then state taking `values`."""
    specs = dependency["inputs"] + dependency["state"]
    filled = [
        {"id": _component_id(s["id"]), "property": s["property"], "value": v}
        for s, v in zip(specs, values, strict=True)
    ]
    outputs = [{"id": i, "property": p} for i, p in _split_output(dependency["output"])]
    n_inputs = len(dependency["inputs"])
    return {
        "output": dependency["output"],
        "outputs": outputs if dependency["output"].startswith("..") else outputs[0],
        "inputs": filled[:n_inputs],
        "state": filled[n_inputs:],
        "changedPropIds": [f"{s['id']}.{s['property']}" for s in dependency["inputs"][:1]],
    }


def router_body(pathname: Any, search: Any) -> dict:
    """The Dash Pages router request: what a browser sends to render `pathname?search`."""
    dependency = {
        "output": ROUTER_OUTPUT,
        "inputs": [
            {"id": "_pages_location", "property": "pathname"},
            {"id": "_pages_location", "property": "search"},
        ],
        "state": [],
    }
    return callback_body(dependency, [pathname, search])
