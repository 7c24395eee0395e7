"""Numbers that cannot poison an analytic's state: every value a message may hold (any finite
float, any int, however large) folds into finite state that a checkpoint can save.

* ``to_float``: a message's number as a float; an int too large for a float becomes the
  largest float of its sign (the decoder rejects NaN and infinities, so nothing else can be
  out of range).
* Sums that would overflow are kept *scaled*: ``(total, scale)`` stands for
  ``total * 2**scale`` with ``total`` finite. A power of two scales exactly, so a sum that
  never overflows (``scale`` 0) is the plain float sum it always was.
* ``mean`` of a window (and its ``std``) without overflow, however large its values.
"""

import math
import sys
from collections.abc import Iterable, Sequence
from typing import Any

MAX = sys.float_info.max
STEP = 64  # the scale grows and shrinks by 2**64 at a time
_ROOM = 2.0 ** (1023 - 2 * STEP)  # a total below this has room to be scaled back down


def to_float(value: Any) -> float:
    """``float(value)``, an int beyond the float range clamped to +-MAX, an infinity too."""
    try:
        number = float(value)
    except OverflowError:  # an int of more than 308 digits
        return MAX if value > 0 else -MAX
    if number - number:  # inf (or NaN, which stays: the decoder never lets one through)
        return math.copysign(MAX, number) if number == number else number
    return number


def clamp(value: float) -> float:
    """An overflowed result back into the float range (the sign kept)."""
    return value if -MAX <= value <= MAX else math.copysign(MAX, value)


def add_scaled(total: float, scale: int, value: float, value_scale: int = 0) -> tuple[float, int]:
    """``total * 2**scale + value * 2**value_scale`` as a ``(total, scale)`` pair whose total
    is finite; the scale comes back down once the sum is small again."""
    if value_scale > scale:
        total, scale = math.ldexp(total, scale - value_scale), value_scale
    added = total + math.ldexp(value, value_scale - scale) if value_scale != scale \
        else total + value
    while added - added:  # overflowed: scale up
        scale += STEP
        total = math.ldexp(total, -STEP)
        added = total + math.ldexp(value, value_scale - scale)
    while scale > 0 and abs(added) < _ROOM:
        scale -= STEP
        added = math.ldexp(added, STEP)
    return added, scale


def scaled_value(total: float, scale: int) -> float:
    """``total * 2**scale``, clamped to the float range."""
    try:
        return math.ldexp(total, scale)
    except OverflowError:
        return math.copysign(MAX, total)


def scaled_mean(total: float, scale: int, count: int) -> float:
    """``total * 2**scale / count``: finite, since a mean lies within its values."""
    return scaled_value(total / count, scale)


def scaled_sum(values: Iterable[float]) -> tuple[float, int]:
    """The sum of finite ``values`` as ``(total, scale)``."""
    total, scale = 0.0, 0
    for value in values:
        total, scale = add_scaled(total, scale, value)
    return total, scale


def mean(values: Sequence[float]) -> float:
    """The mean of finite ``values`` (not empty), finite whatever their size."""
    total = sum(values)
    if not total - total:
        return total / len(values)
    return scaled_mean(*scaled_sum(values), len(values))


def std(values: Sequence[float], center: float) -> float:
    """The population standard deviation of ``values`` around their mean ``center``."""
    n = len(values)
    plain = math.sqrt(sum((v - center) * (v - center) for v in values) / n)  # inf, no error
    if not plain - plain:
        return plain
    # the values span more than the float range allows squaring: work in units of the largest
    unit = max(abs(v) for v in values)
    scaled = math.sqrt(sum((v / unit - center / unit) ** 2 for v in values) / n)
    return clamp(scaled * unit)


def finite_number(value: Any) -> float:
    """A number read back from a checkpoint: a finite float, else ``ValueError``/``TypeError``
    (the state is damaged)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return to_float(value)


def finite_numbers(values: Iterable[Any]) -> list[float]:
    """``finite_number`` of each."""
    return [finite_number(v) for v in values]


def count(value: Any) -> int:
    """A count read back from a checkpoint: an int >= 0, else ``ValueError``/``TypeError``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a count, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"a count cannot be negative ({value})")
    return value
