"""Loaned-data intake against real files and a real SQLite file (issue 4)."""
