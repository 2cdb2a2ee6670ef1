"""The in-process bus: one node, every subscriber in this process."""

from __future__ import annotations

import logging
from collections.abc import Callable

from meetroom.bus import Envelope

logger = logging.getLogger(__name__)


Subscriber = Callable[[Envelope], None]


class LocalBus:
    def __init__(self) -> None:
        self._topics: dict[str, dict[int, Subscriber]] = {}
        self._next = 0

    def subscribe(self, topic: str, subscriber: Subscriber) -> Callable[[], None]:
        """Start delivering; returns the function that stops it."""
        self._next += 1
        key = self._next
        self._topics.setdefault(topic, {})[key] = subscriber

        def unsubscribe() -> None:
            subscribers = self._topics.get(topic)
            if subscribers is not None:
                subscribers.pop(key, None)
                if not subscribers:
                    del self._topics[topic]

        return unsubscribe

    def publish(self, topic: str, envelope: Envelope) -> None:
        # Subscribers only enqueue (never await), so one slow client cannot hold up
        # the others or the publisher.
        for subscriber in list(self._topics.get(topic, {}).values()):
            try:
                subscriber(envelope)
            except Exception:
                logger.exception("a subscriber of %s failed", topic)

    def subscribers(self, topic: str) -> int:
        return len(self._topics.get(topic, {}))
