"""WSGI entry point for a production server: `gunicorn dashboard.wsgi:server`.

Before serving it readies the store exactly as `gosmart serve` does (built from the bundled
snapshot when missing, rebuilt when it came from an older snapshot, brought up to this
schema when an older version wrote it), so restarting after an update never serves a store
the pages cannot read. Workers doing this at once queue on the store's write lock.
"""

from dashboard.app import create_app, warm
from gosmart.cli import ensure_store
from gosmart.paths import db_path

ensure_store(db_path())
app = create_app()
server = app.server
warm()
