"""Checks for the exercises of notebook 06, "Does it add numbers of any length?".

1. ``check_longest_carry_chain(longest_carry_chain)``: for each addition of a batch, the most
   consecutive columns that carry; how far a carry travels in 4-bit and in 16-bit additions.
2. ``check_seed_4_not_8(seed)``: a seed for which the 2017 recipe adds all 256 4-bit additions
   exactly but not every 8-bit test sum (the check trains that seed: a few seconds).

>>> check_longest_carry_chain(lambda x: np.zeros(len(x), int)).status
'wrong'
>>> check_longest_carry_chain(longest_carry_chain).status
'right'
"""

import functools

import numpy as np

from ..adder import Adder
from ..bits import make_batch, pair_to_input
from ..side_by_side import StackedAdders, train_side_by_side
from ..train import one_batch
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
        f"In 100 random 4-bit additions (the original's batch) no carry travels more than "
        f"{short} columns; one batch of 64 16-bit additions already has a chain of {long}."
    )


# Exercise 2 --------------------------------------------------------------------------------------

STEPS = 5000  # the 2017 recipe: 5000 Adam steps at 0.001 on one fixed batch, squared error
ALL_4_BIT = (
    np.concatenate([pair_to_input(a, b, 5) for a in range(16) for b in range(16)]),
    np.concatenate([pair_to_input(a + b, 0, 5)[..., :1] for a in range(16) for b in range(16)]),
)  # every one of the 256 additions of two 4-bit numbers, and their sums
TEST_8 = make_batch(np.random.default_rng(8), batch_size=300, width=9)


def original_recipe(seeds):
    """The 2017 recipe for each seed, trained side by side as in notebook 06; a ``StackedAdders``.

    Each seed gives the adder's initial weights and its one fixed batch of 100 4-bit additions.
    """
    adders = [Adder(hidden_size=16, seed=seed) for seed in seeds]
    train_side_by_side(
        adders,
        STEPS,
        seeds,
        width=5,
        loss="squared_error",
        learning_rate=0.001,
        batches=one_batch(lambda rng: make_batch(rng, 100, 5)),
        eval_every=STEPS,
    )
    return StackedAdders(adders)


@functools.lru_cache(maxsize=None)
def exact_at_4_and_8(seed):
    """The shares of all 256 4-bit additions and of 300 8-bit test additions that ``seed``'s
    2017-recipe adder gets exact."""
    stacked = original_recipe([seed])
    return float(stacked.exact_share(*ALL_4_BIT)[0]), float(stacked.exact_share(*TEST_8)[0])


@exercise("Perfect at 4 bits, wrong at 8")
def check_seed_4_not_8(seed):
    """``seed`` (an int) must train, with the 2017 recipe, an adder exact on all 256 4-bit
    additions and not on every one of 300 8-bit test additions. Trains it: a few seconds."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise Wrong(f"Give one seed, a non-negative int, not {seed!r}.")
    at_4, at_8 = exact_at_4_and_8(int(seed))
    if at_4 < 1:
        raise Wrong(
            f"Seed {seed} gets only {at_4:.1%} of the 256 4-bit additions exact: it has not even "
            "learned the length it was trained on. Look for one that is perfect there."
        )
    if at_8 == 1:
        raise Wrong(
            f"Seed {seed} is exact on every 8-bit test sum too: this run learned more than its "
            "4-bit training needed. Look for one that is perfect at 4 bits and breaks at 8."
        )
    return (
        f"Seed {seed}: all 256 4-bit additions exact, {at_8:.1%} of the 8-bit ones. Perfect on "
        "everything its training could show it, and still not the rule: its training never had "
        "a carry travel more than four columns."
    )
