"""The drop-oldest queue between the loop and an output that may stall (MQTT)."""

from __future__ import annotations

import threading

import pytest

from edgecam.edge.outputs.drop_oldest import DropOldestQueue


def test_a_full_queue_drops_its_oldest_items_and_counts_them():
    queue: DropOldestQueue[int] = DropOldestQueue(3)
    assert [queue.put(i) for i in range(5)] == [True, True, True, False, False]
    assert (len(queue), queue.dropped) == (3, 2)
    assert [queue.take() for _ in range(4)] == [2, 3, 4, None]  # first in, first out; empty says None
    assert not queue


def test_an_item_given_back_goes_first_unless_newer_ones_filled_the_queue():
    queue: DropOldestQueue[str] = DropOldestQueue(2)
    queue.put("a")
    queue.put("b")
    first = queue.take()
    assert queue.give_back(first) and [queue.take(), queue.take()] == ["a", "b"]
    queue.put("c")
    taken = queue.take()
    queue.put("d")
    queue.put("e")  # full again while "c" was out: "c" is now the oldest, and it is the one that goes
    assert not queue.give_back(taken) and queue.dropped == 1
    assert [queue.take(), queue.take()] == ["d", "e"]


def test_producers_and_a_consumer_at_once_lose_nothing_but_what_was_counted():
    queue: DropOldestQueue[int] = DropOldestQueue(50)
    taken: list[int] = []
    done = threading.Event()

    def consume():
        while not done.is_set() or queue:
            item = queue.take()
            if item is not None:
                taken.append(item)

    consumer = threading.Thread(target=consume)
    consumer.start()
    producers = [
        threading.Thread(target=lambda k=k: [queue.put(k * 10_000 + i) for i in range(5_000)]) for k in range(4)
    ]
    for producer in producers:
        producer.start()
    for producer in producers:
        producer.join()
    done.set()
    consumer.join(timeout=30)
    assert len(taken) + queue.dropped == 20_000 and len(set(taken)) == len(taken)
    for k in range(4):  # each producer's items arrive in the order it put them
        mine = [item for item in taken if item // 10_000 == k]
        assert mine == sorted(mine)


def test_a_queue_must_hold_something():
    with pytest.raises(ValueError):
        DropOldestQueue(0)
