"""sha256 of a stream, read by one thread while another hashes.

hashlib releases the GIL while it hashes a large block, so a reader thread
filling the next block overlaps the read (a page-cache copy, or a network
round trip for a remote object) with the hashing of the last one.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from typing import BinaryIO, Protocol

BLOCK = 4 << 20  # large blocks: few Python-level calls per GiB
_DEPTH = 4  # blocks in flight between the reader and the hasher


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


def sha256_stream(handle: BinaryIO, sink: Sink | None = None) -> tuple[str, int]:
    """(hex digest, bytes read) of everything `handle` still holds; each block also goes to `sink`."""
    blocks: queue.Queue[bytes | BaseException] = queue.Queue(_DEPTH)
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                block = handle.read(BLOCK)
                blocks.put(block)
                if not block:
                    return
        except BaseException as exc:  # handed to the hashing thread, which raises it
            blocks.put(exc)

    reader = threading.Thread(target=read, name="sha256-reader", daemon=True)
    reader.start()
    digest = hashlib.sha256()
    size = 0
    try:
        while True:
            block = blocks.get()
            if isinstance(block, BaseException):
                raise block
            if not block:
                break
            digest.update(block)
            size += len(block)
            if sink is not None:
                sink.write(block)
    finally:
        stop.set()
        _drain(blocks, reader)
    return digest.hexdigest(), size


def _drain(blocks: queue.Queue[bytes | BaseException], reader: threading.Thread) -> None:
    """Unblock a reader waiting on a full queue (after an error), then wait for it."""
    while reader.is_alive():
        try:
            blocks.get(timeout=0.05)
        except queue.Empty:
            continue
    reader.join()
