"""Checks for the exercises of notebook 08, the interactive adder.

1. ``check_longest_carry(pair)``: two 8-bit numbers whose sum carries through the most bits.
2. ``check_subtraction_batch(subtraction_batch)``: subtractions in the format ``make_batch`` uses.
3. ``check_subtractor(subtractor)``: the same network, trained to subtract.

>>> check_longest_carry((255, 1))  # doctest: +ELLIPSIS
✓ The longest carry: right. 255 + 1: a carry comes into every bit from 1 to 8, ...
>>> print(check_longest_carry((170, 85)).message)
170 + 85 carries nothing: a carry starts in a column where both bits are 1.
"""

import numpy as np

from ..bits import from_bits, make_batch
from ..train import exact_share
from ..widgets import carries_in
from . import Wrong, exercise, expect_shape

# Exercise 1: the longest carry ---------------------------------------------------------------


def longest_run(carries):
    """The longest run of 1 bits in ``carries``: how far one carry travels."""
    return max(len(run) for run in bin(carries)[2:].split("0"))


@exercise("The longest carry")
def check_longest_carry(pair):
    """``pair = (a, b)``: two numbers from 0 to 255 whose sum has the longest run of carries."""
    try:
        a, b = pair
    except (TypeError, ValueError):
        raise Wrong(f"give two numbers as a pair, such as (12, 30), not {pair!r}") from None
    for name, value in (("a", a), ("b", b)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise Wrong(f"{name} should be a whole number, got {value!r}")
        if not 0 <= value <= 255:
            raise Wrong(f"{name} = {value} does not fit in 8 bits: use 0 to 255")
    carries = carries_in(int(a), int(b))
    if carries == 0:
        raise Wrong(
            f"{a} + {b} carries nothing: a carry starts in a column where both bits are 1."
        )
    run = longest_run(carries)
    if run < 8:
        raise Wrong(
            f"in {a} + {b} a carry runs through {run} bit{'s' if run > 1 else ''} in a row; with "
            "8-bit numbers it can run through 8. It has to start at bit 0 (both lowest bits 1), "
            "and every column above must pass it on (at least one of its two bits 1)."
        )
    return (
        f"{a} + {b}: a carry comes into every bit from 1 to 8, so the network must pass it on "
        "at every step. Type it into the app: eight amber cells in a row."
    )


# Exercise 2: a batch of subtractions ----------------------------------------------------------


def subtractions(rng, batch_size, width):
    """The reference: operands below 2**(width - 1) as in ``make_batch``, swapped so a >= b."""
    x, _ = make_batch(rng, batch_size, width)
    a, b = x[..., 0], x[..., 1]
    swap = _numbers(a) < _numbers(b)
    x = np.stack([np.where(swap[:, None], b, a), np.where(swap[:, None], a, b)], axis=-1)
    difference = [_to_bits(n, width) for n in _numbers(x[..., 0]) - _numbers(x[..., 1])]
    return x, np.array(difference, dtype=np.float32)[..., np.newaxis]


def _numbers(bits):
    """The numbers whose bits, least significant first, are the rows of ``bits``."""
    return np.array([from_bits(row) for row in bits], dtype=object)


def _to_bits(number, width):
    return [(int(number) >> t) & 1 for t in range(width)]


@exercise("A batch of subtractions")
def check_subtraction_batch(subtraction_batch):
    """``subtraction_batch(rng, batch_size, width)``: x and y as make_batch gives, for a - b."""
    batch_size, width = 256, 9
    x, y = (np.asarray(part) for part in subtraction_batch(np.random.default_rng(0), 256, 9))
    expect_shape("x", x, (batch_size, width, 2))
    if y.shape == (batch_size, width):
        raise Wrong("y has shape (batch, width): give it a last axis of 1, as make_batch does.")
    expect_shape("y", y, (batch_size, width, 1))
    if not (np.isin(x, (0, 1)).all() and np.isin(y, (0, 1)).all()):
        raise Wrong("x and y should hold bits, 0s and 1s only.")
    a, b, d = _numbers(x[..., 0]), _numbers(x[..., 1]), _numbers(y[..., 0])
    ra, rb, rd = _numbers(x[:, ::-1, 0]), _numbers(x[:, ::-1, 1]), _numbers(y[:, ::-1, 0])
    if (ra >= rb).all() and (rd == ra - rb).all() and not (d == a - b).all():
        raise Wrong(
            "the bits are in the wrong order: least significant first, as make_batch writes "
            "them, so the borrow moves forward in time."
        )
    if len(set(zip(a, b))) < batch_size // 4:
        raise Wrong("most rows are the same: draw every pair at random, with the rng given.")
    if (b == 0).all():
        raise Wrong("b is 0 in every row: draw both operands at random.")
    if (d == a + b).all():
        raise Wrong("y holds a + b: make it a - b.")
    if (d == b - a).all():
        raise Wrong("y holds b - a: make it a - b, with the larger number in a.")
    if (a < b).any():
        raise Wrong(
            f"{int((a < b).sum())} of {batch_size} rows have a < b, so a - b is negative: "
            "swap the two operands in those rows, so that a >= b."
        )
    wrong = np.flatnonzero(d != a - b)
    if wrong.size:
        i = wrong[0]
        raise Wrong(f"row {i}: {a[i]} - {b[i]} is {a[i] - b[i]}, but y holds {d[i]}.")
    again, _ = subtraction_batch(np.random.default_rng(1), batch_size, width)
    if np.array_equal(np.asarray(again), x):
        raise Wrong("another rng gave the same batch: draw the numbers with the rng given.")
    return "x and y as make_batch gives them, for a - b: ready for train(..., batches=...)."


# Exercise 3: a network that subtracts --------------------------------------------------------


@exercise("A network that subtracts")
def check_subtractor(subtractor):
    """``subtractor``: an ``Adder`` trained on subtractions, tested on held-out ones."""
    if not callable(subtractor):
        raise Wrong(f"expected a trained Adder, got {type(subtractor).__name__}")
    rng = np.random.default_rng([8, 2026])  # held-out: no reader draws from this seed
    right = exact_share(subtractor, *subtractions(rng, 1000, 17))
    adds = exact_share(subtractor, *make_batch(rng, 1000, 17))
    if adds > 0.9 and right < 0.5:
        raise Wrong(
            f"it adds ({adds:.0%} of 16-bit sums exact) instead of subtracting: train it on "
            "subtraction batches (train's batches= and validation=), not train's default "
            "additions."
        )
    if right < 1.0:
        raise Wrong(
            f"{right:.1%} of 1000 held-out 16-bit subtractions exactly right: "
            + (
                "nearly; train it longer, or on a larger batch."
                if right > 0.5
                else "train it longer, and check that y holds a - b."
            )
        )
    long = exact_share(subtractor, *subtractions(rng, 200, 65))
    return (
        f"every one of 1000 held-out 16-bit subtractions exactly right, and {long:.0%} of 200 "
        "64-bit ones: the borrow, like the carry, is one bit passed from step to step."
    )
