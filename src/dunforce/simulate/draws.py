"""Random numbers that are a function of what they decide: (seed, account, day, purpose).

A simulation compares scenario sets on the same portfolio. For the comparison to measure the
scenarios and not the luck of the draw, the tenant who pays on a day with one scenario set must
pay on that day with the other too, unless a contact changed the odds (common random numbers).
So no draw comes from a shared generator whose state depends on how many numbers were drawn
before: each one is a hash of its coordinates (SplitMix64's finaliser, applied in turn to the
seed, the account, the day and the purpose). The same coordinates always give the same number,
in Python or over a numpy array, on any machine. Nothing here reads the clock.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["code_of", "uniform", "uniforms"]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_TO_UNIT = 2.0**-53


def code_of(text: str) -> int:
    """A 64-bit code for an account id or an action key (BLAKE2b: stable across runs)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _mix(value: int) -> int:
    value = (value + _GOLDEN) & _MASK
    value = ((value ^ (value >> 30)) * _M1) & _MASK
    value = ((value ^ (value >> 27)) * _M2) & _MASK
    return value ^ (value >> 31)


def _start(seed: int) -> int:
    return _mix(seed & _MASK)


def uniform(seed: int, account: int, day: int, purpose: int) -> float:
    """A number in [0, 1) for one account (its :func:`code_of`), day ordinal and purpose."""
    value = _mix(_start(seed) ^ account)
    value = _mix(value ^ ((day * _GOLDEN) & _MASK))
    value = _mix(value ^ ((purpose * _M1) & _MASK))
    return (value >> 11) * _TO_UNIT


def _mix_array(value: np.ndarray) -> np.ndarray:
    value = value + np.uint64(_GOLDEN)
    value = (value ^ (value >> np.uint64(30))) * np.uint64(_M1)
    value = (value ^ (value >> np.uint64(27))) * np.uint64(_M2)
    return value ^ (value >> np.uint64(31))


def uniforms(seed: int, accounts: np.ndarray, day: int, purpose: int) -> np.ndarray:
    """:func:`uniform` for many accounts at once (``accounts``: their codes, ``uint64``)."""
    value = _mix_array(np.uint64(_start(seed)) ^ accounts)
    value = _mix_array(value ^ np.uint64((day * _GOLDEN) & _MASK))
    value = _mix_array(value ^ np.uint64((purpose * _M1) & _MASK))
    return (value >> np.uint64(11)).astype(np.float64) * _TO_UNIT
