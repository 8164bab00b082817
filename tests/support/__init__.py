"""What the tests run against: the real broker and database, services in-process, a subscriber.

One module per concern. The pieces the demo needs as well (free_port, wait_until, ServiceClient and
DEV_KEYS, Broker) live in demo/launch.py, since the demo may not import from tests/; tests import
them from there.
"""
