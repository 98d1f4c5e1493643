"""Subcommands of `ivr` that belong to the service itself (db, serve, calls, demo)."""
