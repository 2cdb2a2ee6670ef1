"""MeetRoom: self-hosted video meetings and paperless meeting sessions."""

__version__ = "0.1.0"
