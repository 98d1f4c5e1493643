"""Errors meant for the person at the terminal: printed without a traceback."""


class UserError(Exception):
    """A problem the user can fix (a missing file, a bad date); the message says how."""
