"""A TCP proxy in front of the broker, to take the broker away from one client and give it back.

Stopping RabbitMQ itself would cut every service and every other test; a proxy lets a test cut
only the connections it routed through it, and restore them on the same port.
"""
from __future__ import annotations

import socket
import urllib.parse

from demo.launch import free_port


class TcpProxy:
    """A loopback TCP proxy that a test can cut and restore, to take the broker from one service."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        import eventlet
        self._eventlet = eventlet
        self.target = (target_host, target_port)
        self.port = free_port()
        self._sockets: list = []
        self._listener = None
        self.restore()

    def restore(self) -> None:
        self._listener = self._eventlet.listen(("127.0.0.1", self.port))
        self._acceptor = self._eventlet.spawn(self._accept, self._listener)

    def cut(self) -> None:
        """Refuse new connections and drop the open ones, as a vanished broker would."""
        self._acceptor.kill()
        self._listener.close()
        for sock in self._sockets:
            _shutdown(sock)  # the pumps reading them see EOF, close them and end
        self._sockets.clear()

    def uri(self, amqp_uri: str) -> str:
        parts = urllib.parse.urlsplit(amqp_uri)
        netloc = f"{parts.username}:{parts.password}@127.0.0.1:{self.port}"
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def _accept(self, listener) -> None:
        while True:
            client, _ = listener.accept()
            try:
                upstream = self._eventlet.connect(self.target)
            except OSError:  # the broker itself is away (restarting): refuse this one, as it would
                _shutdown(client)
                client.close()
                continue
            self._sockets += [client, upstream]
            self._eventlet.spawn(self._pump, client, upstream)
            self._eventlet.spawn(self._pump, upstream, client)

    @staticmethod
    def _pump(source, sink) -> None:
        # A socket is closed only by the pump that reads it: closing it under another green
        # thread's read would leave that thread's listener on a file number the OS reuses.
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except (OSError, EOFError):
            pass
        finally:
            _shutdown(sink)  # the opposite pump, reading sink, sees EOF and ends too
            source.close()


def _shutdown(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
