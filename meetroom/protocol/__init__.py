"""Typed messages: the JSON API's bodies now, the meeting WebSocket's messages later."""
