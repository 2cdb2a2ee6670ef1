"""The meeting domain: meetings, participants, their roles, grants and join links."""
