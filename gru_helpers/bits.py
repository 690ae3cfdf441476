"""Numbers as bit sequences, least significant bit first, and random addition batches.

An adder reads its two operands one bit per time step. Writing the least significant bit first
means the carry moves forward in time, the same way you carry from right to left on paper.
"""

import numpy as np


def _check_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {value!r} ({type(value).__name__})")
    return int(value)


def check_non_negative(name, value):
    """Return ``value`` as a Python int, or raise a clear error if it is not a whole number >= 0.

    >>> check_non_negative("a", 7)
    7
    >>> check_non_negative("a", -3)
    Traceback (most recent call last):
    ...
    ValueError: a: expected a non-negative integer, got -3
    """
    value = _check_int(name, value)
    if value < 0:
        raise ValueError(f"{name}: expected a non-negative integer, got {value}")
    return value


def check_width(width):
    """Return ``width`` as a Python int, or raise if it is not an integer of at least 1."""
    width = _check_int("width", width)
    if width < 1:
        raise ValueError(f"width: expected an integer of at least 1, got {width}")
    return width


def to_bits(number, width):
    """The ``width`` bits of ``number``, least significant first, as a float32 array of 0s and 1s.

    Any Python int works, however large. The width must hold the number.

    >>> to_bits(6, 4)          # 6 = 0b110, reversed and padded to 4 bits
    array([0., 1., 1., 0.], dtype=float32)
    >>> to_bits(4, 2)
    Traceback (most recent call last):
    ...
    ValueError: width 2 is too small for 4, which needs 3 bits
    """
    number = check_non_negative("number", number)
    width = check_width(width)
    if number.bit_length() > width:
        raise ValueError(
            f"width {width} is too small for {number}, which needs {number.bit_length()} bits"
        )
    text = format(number, f"0{width}b")[::-1]
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8).astype(np.float32) - ord("0")


def from_bits(bits):
    """The number whose bits, least significant first, are ``bits`` (0s and 1s of any dtype).

    >>> from_bits([0, 1, 1, 0])
    6
    >>> from_bits(to_bits(2**100 + 1, 101)) == 2**100 + 1
    True
    """
    bits = np.asarray(bits).ravel()
    if not np.isin(bits, (0, 1)).all():
        raise ValueError(f"expected only 0s and 1s, got {np.unique(bits)[:5].tolist()}")
    if bits.size == 0:
        raise ValueError("expected at least one bit, got none")
    return int("".join("1" if bit else "0" for bit in bits[::-1]), 2)


def width_for_sum(a, b):
    """The number of bits the sum of ``a`` and ``b`` needs (at least 1).

    >>> width_for_sum(3, 1)    # 3 + 1 = 4 = 0b100
    3
    """
    a = check_non_negative("a", a)
    b = check_non_negative("b", b)
    return max((a + b).bit_length(), 1)


def pair_to_input(a, b, width):
    """The input an adder reads for ``a + b``: shape (1, width, 2), one row per bit.

    >>> pair_to_input(3, 1, 3)[0]
    array([[1., 1.],
           [1., 0.],
           [0., 0.]], dtype=float32)
    """
    return np.stack([to_bits(a, width), to_bits(b, width)], axis=-1)[np.newaxis]


def add_bits(a_bits, b_bits):
    """Ripple-carry addition of bit arrays (..., width), least significant bit first.

    Returns the sum's bits with the same shape; a carry out of the last bit is dropped,
    so give the operands a spare top bit.

    >>> add_bits(to_bits(3, 3), to_bits(1, 3))
    array([0., 0., 1.], dtype=float32)
    """
    a_bits, b_bits = np.asarray(a_bits), np.asarray(b_bits)
    total = np.zeros(np.broadcast_shapes(a_bits.shape, b_bits.shape), dtype=np.float32)
    carry = np.zeros(total.shape[:-1], dtype=np.float32)
    for t in range(total.shape[-1]):
        column = a_bits[..., t] + b_bits[..., t] + carry
        total[..., t] = column % 2
        carry = column // 2
    return total


def sum_bits(a_bits, b_bits):
    """What ``add_bits`` returns, all columns at once: the operands as 64-bit integers, added,
    and split into bits again, when the width allows it (62 bits at most; beyond, ``add_bits``).
    A training run draws a batch at every step, and this is several times quicker.

    >>> a, b = np.random.default_rng(0).integers(0, 2, (2, 5, 9)).astype(np.float32)
    >>> bool((sum_bits(a, b) == add_bits(a, b)).all())
    True
    """
    a_bits, b_bits = np.asarray(a_bits), np.asarray(b_bits)
    width = a_bits.shape[-1]
    if width > 62:
        return add_bits(a_bits, b_bits)
    place = 2 ** np.arange(width, dtype=np.int64)  # what a 1 in each column is worth
    total = a_bits.astype(np.int64) @ place + b_bits.astype(np.int64) @ place
    return ((total[..., np.newaxis] >> np.arange(width)) & 1).astype(np.float32)


def make_batch(rng, batch_size, width):
    """A random batch of additions for an adder that reads ``width`` steps.

    Each operand is uniform over every number of ``width - 1`` bits (0 to 2**(width-1) - 1, both
    ends included), so every sum fits in ``width`` bits. ``rng`` is a ``numpy.random.Generator``.

    Returns ``x`` of shape (batch_size, width, 2) and ``y`` of shape (batch_size, width, 1),
    float32, least significant bit first.

    >>> x, y = make_batch(np.random.default_rng(0), batch_size=4, width=5)
    >>> x.shape, y.shape, x.dtype
    ((4, 5, 2), (4, 5, 1), dtype('float32'))
    >>> from_bits(x[0, :, 0]) + from_bits(x[0, :, 1]) == from_bits(y[0])
    True
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    batch_size = check_non_negative("batch_size", batch_size)
    width = check_width(width)
    operands = rng.integers(0, 2, size=(batch_size, width, 2)).astype(np.float32)
    operands[:, -1, :] = 0  # the top bit is left free for the carry
    total = sum_bits(operands[..., 0], operands[..., 1])
    return operands, total[..., np.newaxis]


def carry_chain_batch(rng, batch_size, width):
    """Additions with a long carry chain, shaped like ``make_batch``'s: (x, y).

    Each addition of two ``width - 1``-bit numbers has a run of random length where exactly one
    operand's bit is 1, after a position where both bits are equal (both 1: a carry starts;
    both 0: none does) or from the first bit (no carry), and before two equal bits again.
    Through the run the sum bit is 0 with a carry and 1 without, and the bit after it depends
    on the carry too: the network must hold in its state, all along the run, which it is.

    >>> x, y = carry_chain_batch(np.random.default_rng(0), 3, 9)
    >>> x.shape, y.shape
    ((3, 9, 2), (3, 9, 1))
    """
    if check_width(width) < 3:
        raise ValueError(f"width: expected at least 3 (operands of 2 bits or more), got {width}")
    x, _ = make_batch(rng, batch_size, width)
    a, b = x[..., 0], x[..., 1]  # views: writing them writes x
    rows = np.arange(batch_size)
    starts = rng.integers(0, width - 2, batch_size)
    starts[rng.random(batch_size) < 0.5] = -1  # half the runs start at the first bit
    ends = starts + 1 + rng.integers(1, width - 1 - starts)
    column = np.arange(width)
    run = (column > starts[:, np.newaxis]) & (column < ends[:, np.newaxis])
    b[run] = 1 - a[run]  # exactly one operand's bit is 1 all along the run
    for edge, inside in [(starts, starts >= 0), (ends, ends < width - 1)]:
        # before the run and after it, two equal bits: a carry starts (or not), then lands
        a[rows[inside], edge[inside]] = b[rows[inside], edge[inside]] = rng.integers(
            0, 2, inside.sum()
        )
    return x, sum_bits(a, b)[..., np.newaxis]  # the top bits are still 0: the sums fit


def long_carry_batch(rng, batch_size, width):
    """Additions of ``width`` bits, half random (``make_batch``), half built around a long
    carry chain (``carry_chain_batch``): the batches of the longer-additions phase of
    notebook 06.

    >>> x, y = long_carry_batch(np.random.default_rng(0), 4, 33)
    >>> x.shape, y.shape
    ((4, 33, 2), (4, 33, 1))
    """
    chains = batch_size // 2
    random_x, random_y = make_batch(rng, batch_size - chains, width)
    chain_x, chain_y = carry_chain_batch(rng, chains, width)
    return np.concatenate([random_x, chain_x]), np.concatenate([random_y, chain_y])
