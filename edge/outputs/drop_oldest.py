"""A bounded queue for a producer that must never wait: when it is full, the oldest item goes.

The loop hands events to outputs that may stall (a broker away for a night); holding every
event would grow without bound, and waiting would stall the camera. The newest events are
the ones worth keeping, so the oldest make room, and each one dropped is counted.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class DropOldestQueue(Generic[T]):
    def __init__(self, limit: int):
        if limit < 1:
            raise ValueError("a queue holds at least one item")
        self.limit = limit
        self.dropped = 0  # items pushed out by newer ones, since the start
        self._items: deque[T] = deque()
        self._lock = threading.Lock()

    def put(self, item: T) -> bool:
        """Append ``item``; False when the oldest item was dropped to make room."""
        with self._lock:
            room = len(self._items) < self.limit
            if not room:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)
            return room

    def take(self) -> T | None:
        """The oldest item, or None when there is none."""
        with self._lock:
            return self._items.popleft() if self._items else None

    def give_back(self, item: T) -> bool:
        """Return an item just taken to the front (its consumer could not pass it on yet). It is
        the oldest, so when newer items have filled the queue meanwhile, it is the one dropped:
        False then."""
        with self._lock:
            if len(self._items) >= self.limit:
                self.dropped += 1
                return False
            self._items.appendleft(item)
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __bool__(self) -> bool:
        return len(self) > 0
