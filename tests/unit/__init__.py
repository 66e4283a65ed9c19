"""Unit tests: pure code, no database, no services."""
