"""Errors a connector raises: one line naming the source, the file or URL, and what was wrong."""

from __future__ import annotations

from gosmart.connectors.secrets import scrub


class IngestError(RuntimeError):
    """A refused load. The message is shown to the user as is, so it must be one clear line."""

    def __init__(self, source_id: str, location: str, problem: str) -> None:
        location, problem = scrub(location), scrub(problem)  # a quoted field may echo a key
        self.source_id = source_id
        self.location = location
        self.problem = problem
        super().__init__(f"{source_id}: {location}: {problem}")
