"""Slowing repeated failed authentications from one address: a token bucket per address.

Each address has a bucket of ``failures`` tokens that refills at ``refill_per_s`` tokens a second;
each failed authentication takes a token. While an address's bucket holds less than one token,
every request from it that needs a credential is answered 429 with ``Retry-After`` before its
credential is looked at, so guessing keys or replaying bad tokens costs time, not only a 401.
A client that authenticates correctly never spends a token. Configuration: ``AUTH_THROTTLE``.

The clock is a parameter (``time.monotonic`` by default): tests drive it.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

from nameko.extensions import SharedExtension

from shared.config import setting


class TokenBucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, now: float):
        self.tokens, self.updated = tokens, now


class FailureThrottle:
    def __init__(self, failures: int, refill_per_s: float, *, clock=time.monotonic,
                 max_addresses: int = 10000):
        if failures < 1 or refill_per_s <= 0:
            raise ValueError("AUTH_THROTTLE: failures >= 1 and refill_per_s > 0")
        self.capacity = float(failures)
        self.rate = float(refill_per_s)
        self.clock = clock
        self.max_addresses = max_addresses
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def _bucket(self, address: str, now: float) -> TokenBucket | None:
        bucket = self._buckets.get(address)
        if bucket is not None:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= self.capacity:  # full again: nothing to remember
                del self._buckets[address]
                return None
        return bucket

    def retry_after(self, address: str | None) -> int:
        """Whole seconds until the address may try again; 0 if it may now."""
        if address is None:
            return 0
        with self._lock:
            bucket = self._bucket(address, self.clock())
            if bucket is None or bucket.tokens >= 1:
                return 0
            return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def failed(self, address: str | None) -> None:
        if address is None:
            return
        with self._lock:
            now = self.clock()
            bucket = self._bucket(address, now)
            if bucket is None:
                bucket = self._buckets[address] = TokenBucket(self.capacity, now)
            bucket.tokens = max(0.0, bucket.tokens - 1)
            self._buckets.move_to_end(address)
            while len(self._buckets) > self.max_addresses:  # bounded memory: forget the oldest
                self._buckets.popitem(last=False)


class AuthThrottle(SharedExtension):
    """One throttle per service container, shared by all its routes."""

    def setup(self):
        section = setting(self.container.config, "AUTH_THROTTLE")
        self.throttle = FailureThrottle(int(section["failures"]), float(section["refill_per_s"]))
