"""GO SMART Evidence: shared core (paths, store, registry, command line)."""

__version__ = "0.1.0"
