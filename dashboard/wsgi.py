"""WSGI entry point for a production server: `gunicorn dashboard.wsgi:server`."""

from dashboard.app import create_app, warm

app = create_app()
server = app.server
warm()
