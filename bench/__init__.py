"""``python -m bench``: how fast events travel, raw kombu against nameko and the platform's path.

Nothing is imported here: ``bench.__main__`` monkey-patches eventlet before anything else loads.
"""
