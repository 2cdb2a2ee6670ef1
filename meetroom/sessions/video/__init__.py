"""The video room of a meeting: who is in it, the lobby, moderation, and reaching a
room held by another node."""
