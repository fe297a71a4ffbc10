"""WSGI entry point for another production server: `gunicorn gosmart.dashboard.wsgi:server`
(`gosmart serve` runs the same app on waitress).

Settings come from the environment (README: Environment). Before serving it readies the
store exactly as `gosmart serve` does (built from the bundled snapshot when missing,
rebuilt when it came from an older snapshot, brought up to this schema when an older
version wrote it). Workers doing this at once queue on the store's write lock.
"""

from gosmart.dashboard.app import create_app, warm
from gosmart.readiness import ready_store
from gosmart.settings import Settings

settings = Settings.from_env()
ready_store(settings.db)
app = create_app(settings)
server = app.server
warm()
