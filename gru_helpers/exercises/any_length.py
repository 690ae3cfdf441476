"""Checks for the exercises of notebook 06, "Does it add numbers of any length?".

1. ``check_longest_carry_chain(longest_carry_chain)``: for each addition of a batch, the most
   consecutive columns that carry; how far a carry travels in 4-bit and in 16-bit additions.
2. ``check_adder_4_not_8(adder)``: a trained adder exact on all 256 additions of two 4-bit
   numbers and not on all 65 536 additions of two 8-bit numbers (``all_additions(4)`` and
   ``all_additions(8)``; ``count_exact(adder, bits)`` counts the ones it gets right). The check
   runs the adder on exactly those; it trains nothing.

>>> check_longest_carry_chain(lambda x: np.zeros(len(x), int)).status
'wrong'
>>> check_longest_carry_chain(longest_carry_chain).status
'right'
"""

import numpy as np

from ..bits import make_batch, pair_to_input
from . import Wrong, exercise, expect_shape

# Exercise 1 --------------------------------------------------------------------------------------


def carries(x):
    """The carry out of every column of ``x`` (batch, time, 2), least significant first: 0 or 1."""
    carry, out = np.zeros(len(x), int), []
    for t in range(x.shape[1]):
        carry = (x[:, t, 0] + x[:, t, 1] + carry >= 2).astype(int)
        out.append(carry)
    return np.stack(out, axis=1)


def longest_run(flags):
    """The longest run of consecutive 1s in each row of ``flags`` (batch, time)."""
    run, best = np.zeros(len(flags), int), np.zeros(len(flags), int)
    for column in np.asarray(flags).T:
        run = np.where(column == 1, run + 1, 0)
        best = np.maximum(best, run)
    return best


def longest_carry_chain(x):
    """The reference answer: the longest run of columns that carry out, one number per addition."""
    return longest_run(carries(np.asarray(x).astype(int)))


def _cases():
    """Additions whose chains are known, then random ones of several widths."""
    pairs = [(2**20 - 1, 1, 22), (0, 0, 4), (5, 3, 5), (2**8 - 1, 2**8 - 1, 10), (1, 1, 4)]
    yield np.concatenate([pair_to_input(a, b, w)[:, :4] for a, b, w in pairs])  # first 4 columns
    yield np.concatenate([pair_to_input(a, b, 22) for a, b, _ in pairs])
    for width in (5, 17, 33):
        yield make_batch(np.random.default_rng(width), batch_size=50, width=width)[0]


@exercise("How far a carry travels")
def check_longest_carry_chain(answer):
    """``longest_carry_chain(x)`` must give, for each addition in ``x`` (batch, time, 2), the most
    consecutive columns whose carry out is 1."""
    cases = list(_cases())
    got = []
    for x in cases:
        got.append(np.asarray(answer(x.copy())))
        expect_shape("longest_carry_chain(x)", got[-1], (len(x),))

    def gives(rule):
        return all(np.array_equal(g, rule(x.astype(int))) for g, x in zip(got, cases))

    if gives(longest_carry_chain):
        pass
    elif gives(lambda x: longest_run(x[..., 0] & x[..., 1])):
        raise Wrong(
            "You count the columns where both bits are 1. A carry also travels through a "
            "column with one 1-bit when a carry comes in: 0111 + 0001 carries out of three "
            "columns. Compute the carry column by column: (a + b + carry_in) >= 2."
        )
    elif gives(lambda x: carries(x).sum(axis=1)):
        raise Wrong("That is how many columns carry in all, not the longest run of them in a row.")
    elif gives(lambda x: longest_carry_chain(x) + 1) or gives(
        lambda x: np.maximum(longest_carry_chain(x) - 1, 0)
    ):
        raise Wrong("Off by one: (2^20 - 1) + 1 carries out of exactly 20 columns.")
    elif gives(lambda x: longest_carry_chain(x[:, ::-1])):
        raise Wrong("The bits run least significant first: the carry goes from column t to t + 1.")
    else:
        x, g = next(
            (x, g) for x, g in zip(cases, got) if not np.array_equal(g, longest_carry_chain(x))
        )
        x_int, right = x.astype(int), longest_carry_chain(x)
        raise Wrong(
            f"For the additions {x_int[:3, :, 0].tolist()} + {x_int[:3, :, 1].tolist()} (columns "
            f"least significant first) you gave {g[:3].tolist()}, expected {right[:3].tolist()}."
        )
    rng = np.random.default_rng(2017)
    short = longest_carry_chain(make_batch(rng, batch_size=100, width=5)[0]).max()
    long = longest_carry_chain(make_batch(rng, batch_size=64, width=17)[0]).max()
    return (
        f"In 100 random 4-bit additions (the 2017 recipe's batch) no carry travels more than "
        f"{short} columns; one batch of 64 16-bit additions already has a chain of {long}."
    )


# Exercise 2 --------------------------------------------------------------------------------------


def all_additions(bits):
    """Every addition of two ``bits``-bit numbers, ``4**bits`` of them, as (x, y) for an adder
    that reads ``bits + 1`` steps: x (4**bits, bits + 1, 2) and y (4**bits, bits + 1, 1), least
    significant bit first. Row ``a * 2**bits + b`` is ``a + b``.

    >>> x, y = all_additions(4)
    >>> x.shape, y.shape
    ((256, 5, 2), (256, 5, 1))
    >>> x[15 * 16 + 1, :, 0].tolist(), y[15 * 16 + 1, :, 0].tolist()   # 15 + 1 = 16
    ([1.0, 1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0])
    """
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 1 <= bits <= 10:
        raise ValueError(f"bits: expected an int from 1 to 10, got {bits!r}")
    a, b = np.divmod(np.arange(4**bits), 2**bits)
    columns = np.arange(bits + 1)

    def bits_of(numbers):
        return ((numbers[:, np.newaxis] >> columns) & 1).astype(np.float32)

    return np.stack([bits_of(a), bits_of(b)], axis=-1), bits_of(a + b)[..., np.newaxis]


def wrong_additions(adder, bits, chunk=4096):
    """The additions of ``all_additions(bits)`` that ``adder`` gets wrong, in three parts: their
    inputs x (wrong, bits + 1, 2), their operands as a list of int pairs (a, b), and the adder's
    answers as a list of ints. The adder answers ``chunk`` additions at a time, so that 65 536
    of them need only a few megabytes."""
    x, y = all_additions(bits)
    predicted = np.concatenate(
        [np.asarray(adder.predict_bits(x[i : i + chunk])) for i in range(0, len(x), chunk)]
    )
    expect_shape("adder.predict_bits(x)", predicted, y.shape[:2])
    wrong = np.flatnonzero((predicted != y[..., 0]).any(axis=1))
    a, b = np.divmod(wrong, 2**bits)
    answers = (predicted[wrong] * (1 << np.arange(bits + 1))).sum(axis=1)
    return x[wrong], [(int(i), int(j)) for i, j in zip(a, b)], [int(v) for v in answers]


def count_exact(adder, bits):
    """How many of the ``4**bits`` additions of two ``bits``-bit numbers ``adder`` gets exactly
    right (every bit of the sum)."""
    return 4**bits - len(wrong_additions(adder, bits)[1])


@exercise("Perfect at 4 bits, wrong at 8")
def check_adder_4_not_8(adder):
    """``adder`` (one trained ``Adder``) must get every one of the 256 additions of two 4-bit
    numbers exactly right, and not every one of the 65 536 additions of two 8-bit numbers.
    Runs the adder on those two sets (``all_additions``); trains nothing."""
    if isinstance(adder, (list, tuple)) or hasattr(adder, "models"):
        raise Wrong(
            "Give one adder, such as recipe_2017[0] or one of the adders you trained, not a "
            "list or a stack of them."
        )
    if not hasattr(adder, "predict_bits"):
        raise Wrong(f"Give a trained Adder (it has predict_bits), not {type(adder).__name__}.")
    _, pairs, answers = wrong_additions(adder, 4)
    if pairs:
        (a, b), answer = pairs[0], answers[0]
        raise Wrong(
            f"It gets {len(pairs)} of the 256 4-bit additions wrong, such as {a} + {b} (it "
            f"answered {answer}): it has not learned even the length it was trained on. Train "
            "it with recipe D (5000 steps), or look for another seed."
        )
    x_wrong, pairs, answers = wrong_additions(adder, 8)
    if not pairs:
        raise Wrong(
            "It is exact on all 65 536 8-bit additions too: this run learned more than its "
            "4-bit training needed. Look for a seed whose adder is perfect at 4 bits and "
            "breaks at 8."
        )
    n = len(pairs)
    long = longest_carry_chain(x_wrong) > 4  # a carry travels farther than in any 4-bit addition
    i = int(np.argmin(long))  # an example without such a carry, if there is one
    (a, b), answer = pairs[i], answers[i]
    said = (
        f"Exact on all 256 4-bit additions, wrong on {n} of the 65 536 8-bit ones, such as "
        f"{a} + {b} (it answered {answer}). In {long.sum()} of the {n} a carry travels more than "
        "four columns, farther than in any 4-bit addition"
    )
    if long.all():
        return said + ": it breaks where carries go farther than its training ever showed it."
    return (
        said + f"; in the other {n - long.sum()} none does: it breaks on longer numbers even "
        "where no carry travels far."
    )
