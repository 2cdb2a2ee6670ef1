"""Scheduling: meeting rooms and the rules for booking them."""
