"""The RS512 signing ceiling: RSA-2048 PKCS#1 v1.5 signatures with SHA-512 per second, in one
or more processes at once. An OpenID token from GetOpenIdTokenForDeveloperIdentity costs one
such signature, so no server on this machine can issue tokens faster than this."""

from __future__ import annotations

import multiprocessing
import time

MESSAGE = b"x" * 600  # about the size of a token's header and claims


def _signer(start_at: float, seconds: float, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    time.sleep(max(0.0, start_at - time.time()))  # every process starts signing at once
    count, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        key.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA512())
        count += 1
    results.put(count)


def signing_ceiling(processes: int, seconds: float) -> float:
    """Signatures per second of ``processes`` processes signing together for ``seconds``."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 1.5  # after the interpreters have started and made their keys
    workers = [context.Process(target=_signer, args=(start_at, seconds, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    total = sum(results.get(timeout=60 + seconds) for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds
