"""core.routing.deadlines: a read blocked on a silent socket returns once its deadline passes."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from core.routing import deadlines

pytestmark = pytest.mark.slow  # real sockets and waits


def _blocked_read(sock: socket.socket) -> tuple[bytes, float]:
    """Read from ``sock`` until it answers or is shut down; how long that took."""
    started = time.monotonic()
    data = sock.recv(1024)
    return data, time.monotonic() - started


def test_a_read_on_a_silent_socket_returns_when_the_deadline_passes():
    ours, silent_peer = socket.socketpair()
    with ours, silent_peer:
        with deadlines.deadline(ours.fileno(), 0.2) as watch:
            data, waited = _blocked_read(ours)
        assert watch.expired
        assert data == b""  # shut down: the read sees the end, as libpq would
        assert 0.15 <= waited < 2


def test_an_answer_before_the_deadline_leaves_the_socket_alone():
    ours, peer = socket.socketpair()
    with ours, peer:
        with deadlines.deadline(ours.fileno(), 0.3) as watch:
            peer.sendall(b"answer")
            data, _ = _blocked_read(ours)
        time.sleep(0.5)  # past the deadline: it was removed with the block
        assert not watch.expired
        assert data == b"answer"
        peer.sendall(b"still open")
        assert ours.recv(1024) == b"still open"


def test_renewing_keeps_a_flowing_stream_and_pausing_stops_the_clock():
    ours, peer = socket.socketpair()
    with ours, peer:
        with deadlines.deadline(ours.fileno(), 0.3) as watch:
            for _ in range(4):  # 0.6 s in all, never 0.3 s silent
                time.sleep(0.15)
                watch.renew(0.3)
            with watch.paused(0.3):
                time.sleep(0.5)  # waiting on a client, not on the server
            assert not watch.expired
            data, waited = _blocked_read(ours)
        assert watch.expired and data == b""
        assert waited < 1


def test_many_threads_each_get_their_own_deadline():
    pairs = [socket.socketpair() for _ in range(8)]
    results: dict[int, bool] = {}

    def wait(index: int, seconds: float) -> None:
        ours, _ = pairs[index]
        with deadlines.deadline(ours.fileno(), seconds) as watch:
            if seconds < 1:
                ours.recv(1024)
            else:
                time.sleep(0.4)
        results[index] = watch.expired

    threads = [
        threading.Thread(target=wait, args=(index, 0.2 if index % 2 else 30))
        for index in range(len(pairs))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    try:
        assert results == {index: bool(index % 2) for index in range(len(pairs))}
    finally:
        for ours, peer in pairs:
            ours.close()
            peer.close()
