"""Integration tests: the apps on a real database, with Redis or Celery where named."""
