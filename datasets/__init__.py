"""Read-only data shipped inside the package: the registry, the snapshot, map boundaries and
kiosk playlists (found through `gosmart.resources`, never relative to a checkout)."""
