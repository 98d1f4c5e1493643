"""Dispatch IVR: the phone service drivers call for their next stop."""
