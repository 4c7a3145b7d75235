"""The cost of checking a partner's API key on every request.

OneStop stores key secrets as HMAC-SHA256, which is enough for random, high-entropy keys. The
peer is what a key stored like a password would cost: Django's default password hasher
(PBKDF2-SHA256), which is deliberately slow because passwords have little entropy.
"""

import time

from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password

from onestop.models import ApiKey


def _per_second(func, *, min_seconds=1.0):
    count, started = 0, time.perf_counter()
    while True:
        func()
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds and count >= 3:
            return count / elapsed


def run():
    _public_id, secret, _raw = ApiKey.generate()
    stored_hmac = ApiKey(secret_hash=ApiKey.hash_secret(secret))
    stored_password = make_password(secret, hasher="pbkdf2_sha256")

    hmac_rate = _per_second(lambda: stored_hmac.matches(secret))
    pbkdf2_rate = _per_second(lambda: check_password(secret, stored_password), min_seconds=2.0)
    rows = [
        {
            "verifier": "OneStop: HMAC-SHA256 (this product)",
            "checks/s": hmac_rate,
            "µs/check": 1e6 / hmac_rate,
        },
        {
            "verifier": f"peer: Django PBKDF2-SHA256, {PBKDF2PasswordHasher.iterations:,} "
            "iterations",
            "checks/s": pbkdf2_rate,
            "µs/check": 1e6 / pbkdf2_rate,
        },
    ]
    return {
        "title": "API key verification cost per request (one core)",
        "columns": ["verifier", "checks/s", "µs/check"],
        "rows": rows,
        "speedup": hmac_rate / pbkdf2_rate,
        "notes": [
            f"HMAC is {hmac_rate / pbkdf2_rate:,.0f}× cheaper per request; keys carry "
            f"{ApiKey.SECRET_BYTES * 8} random bits, so a slow hash adds no safety."
        ],
    }
