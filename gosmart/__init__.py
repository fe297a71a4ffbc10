"""GO SMART Evidence: did award-winning smart-city projects change their cities?

One import package. Its layers, lowest first: the core here (settings, resources, schema,
store, snapshot, registry, texts); `gosmart.connectors` (ingest), `gosmart.evidence` and
`gosmart.dashboard` (the web app), each importing the core only; `gosmart.cli` on top.
"""

from __future__ import annotations

import subprocess
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gosmart-evidence")
except PackageNotFoundError:  # pragma: no cover - the package is always installed
    __version__ = "0+unknown"


def code_version() -> str:
    """The package version, plus the git commit when the code runs from a checkout.

    Stamped on snapshots and effect rows so a result names the code that made it.
    """
    from gosmart.resources import checkout_root

    root = checkout_root()
    if root is None:
        return __version__
    try:
        git = ["git", "-C", str(root)]
        commit = subprocess.run(
            [*git, "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__}+g{commit}{'.dirty' if dirty else ''}"
