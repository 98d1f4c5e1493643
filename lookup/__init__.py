"""Turns what a driver said into normalized keys and matches them strictly against the schedule."""
