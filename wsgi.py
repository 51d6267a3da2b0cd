"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`."""
from lms import create_app

app = create_app()
