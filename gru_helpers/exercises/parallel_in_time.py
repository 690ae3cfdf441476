"""Checks for the exercises of notebook 11, "Parallel in time".

1. ``check_blelloch_scan(blelloch_scan)``: the scan of h_t = a_t h_{t-1} + b_t in about
   2 log2 T levels and 2T combines (Blelloch's scan, Brent and Kung's adder), counted with a
   ``combine`` the check hands in, never timed.
2. ``check_carry_gates(z, h_tilde)``: the update gate and candidate of one minimal-GRU unit, for
   each one-hot bit pair, that make its state exactly the carry.
3. ``check_propagate_keep(propagate_keep)``: how much of its state a ``MinGRUAdder``'s unit keeps
   at a column that propagates the carry, read from its weights.

>>> check_carry_gates(np.array([1.0, 0, 0, 1]), np.array([0.0, 0, 0, 1])).status
'right'
>>> check_carry_gates(np.array([0.0, 1, 1, 0]), np.array([0.0, 0, 0, 1])).status
'wrong'
"""

import numpy as np

from ..bits import carry_chain_batch, make_batch
from ..linear_scan import linear_scan
from ..min_gru import MinGRUAdder
from . import Wrong, exercise, expect_shape

# Exercise 1 --------------------------------------------------------------------------------------


class CountingCombine:
    """The composition of two steps, (a1, b1) then (a2, b2), as (a1 a2, a2 b1 + b2), counting
    its calls (one call combines whole arrays: one level) and the pairs it combines (its work)."""

    def __init__(self, batch):
        self.batch, self.calls, self.pairs = batch, 0, 0

    def __call__(self, earlier, later):
        (a1, b1), (a2, b2) = earlier, later
        a1, b1, a2, b2 = (np.asarray(part, np.float64) for part in (a1, b1, a2, b2))
        self.calls += 1
        self.pairs += max(np.broadcast(a1, b1, a2, b2).size // self.batch, 1)
        return a1 * a2, a2 * b1 + b2


def _steps(rng, batch, steps):
    """Random steps: a near 1 (so that long products neither vanish nor blow up), b of any sign."""
    return rng.uniform(0.5, 1.5, (batch, steps)), rng.normal(size=(batch, steps))


def _loop(a, b, backwards=False):
    """Every h_t from h_0 = 0, one step after another (``backwards``: the steps up to t, last
    first, what a scan gives whose combine takes its arguments in the wrong order)."""
    if not backwards:
        h, states = np.zeros(a.shape[0]), []
        for t in range(a.shape[1]):
            h = a[:, t] * h + b[:, t]
            states.append(h)
        return np.stack(states, axis=1)
    states = []
    for t in range(a.shape[1]):
        h = np.zeros(a.shape[0])
        for s in range(t, -1, -1):
            h = a[:, s] * h + b[:, s]
        states.append(h)
    return np.stack(states, axis=1)


def _scan_values(blelloch_scan, a, b):
    """The answer's states for (a, b), with a fresh counting combine, and that combine."""
    combine = CountingCombine(a.shape[0])
    got = blelloch_scan(a.copy(), b.copy(), combine)
    if isinstance(got, tuple) and len(got) == 2:
        raise Wrong(
            "It returns a pair: return only the states h, the b of each composition (from "
            "h_0 = 0, h_t is the b of the composition of the steps up to t)."
        )
    return np.asarray(got, np.float64), combine


@exercise("Blelloch's scan: fewer combines")
def check_blelloch_scan(blelloch_scan):
    """``blelloch_scan(a, b, combine)`` must return every h_t (batch, T) for a, b (batch, T),
    T a power of two, composing steps only with ``combine``, in O(log T) calls and O(T) pairs."""
    rng = np.random.default_rng(11)
    for steps in (1, 2, 4, 8, 32, 128):
        a, b = _steps(rng, 3, steps)
        got, _ = _scan_values(blelloch_scan, a, b)
        expect_shape(f"blelloch_scan(a, b, combine) for T = {steps}", got, a.shape)
        right = _loop(a, b)
        if np.allclose(got, right, rtol=1e-9, atol=1e-9):
            continue
        if np.allclose(got, np.cumprod(a, axis=1), rtol=1e-9):
            raise Wrong(
                "That is the a of each composition: the states are its b (from h_0 = 0, "
                "h_t = a h_0 + b = b)."
            )
        exclusive = np.pad(right[:, :-1], ((0, 0), (1, 0)))
        if np.allclose(got, exclusive, rtol=1e-9, atol=1e-9):
            raise Wrong(
                "That is the exclusive scan, the state before each step (what the classic "
                "down-sweep leaves): position t must also include step t. Either combine each "
                "position once more with its own step, or let the down-sweep fill in inclusive "
                "prefixes (position i takes in position i - d, where i - d holds a full prefix)."
            )
        if np.allclose(got, _loop(a, b, backwards=True), rtol=1e-9, atol=1e-9):
            raise Wrong(
                "The steps came out in reverse order: combine(earlier, later) takes the step "
                "that comes first in time first, and the composition is not commutative."
            )
        worst = np.unravel_index(np.argmax(np.abs(got - right)), got.shape)
        raise Wrong(
            f"For T = {steps}, h at position {worst[1]} was {got[worst]:.6g}, expected "
            f"{right[worst]:.6g}. Up-sweep: each position i with (i + 1) a multiple of 2d takes "
            "in position i - d, for d = 1, 2, 4, ...; then down the tree again."
        )
    a, b = _steps(rng, 2, 1024)
    got, combine = _scan_values(blelloch_scan, a, b)
    if not np.allclose(got, _loop(a, b), rtol=1e-8, atol=1e-8):
        raise Wrong("Right for short sequences, but not for T = 1024: check the loop bounds.")
    if combine.calls == 0:
        raise Wrong(
            "Right states, but combine was never called: compose the steps with the combine "
            "you are given, so that the check can count the work."
        )
    if combine.calls > 3 * 10:
        raise Wrong(
            f"Right states, but combine was called {combine.calls} times for T = 1024: that is "
            "a loop, as deep as the ripple. Call it once per level, on every position of that "
            "level at once (index arrays with np.arange): about 2 log2 T calls."
        )
    if combine.pairs > 3 * 1024:
        raise Wrong(
            f"Right states in {combine.calls} levels, but {combine.pairs} combines for T = "
            "1024: that is Hillis and Steele's T log2 T. Blelloch's up-sweep combines pairs as "
            "in a tree (T - 1 combines in all), and the way down fills in the rest (about T)."
        )
    return (
        f"For T = 1024: {combine.pairs} combines in {combine.calls} levels. The loop makes 1023 "
        "in 1023 levels, the notebook's scan 10,240 (its padded positions included) in 10: "
        "yours does about twice the loop's work in about twice the levels of the notebook's. "
        "It is Brent and Kung's adder (1982), and Blelloch's scan (1990)."
    )


# Exercise 2 --------------------------------------------------------------------------------------

PAIRS = ["(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"]  # the one-hot order: index 2 A_t + B_t


def _carries(x):
    """The carry out of every column (batch, time) of additions x (batch, time, 2)."""
    A, B = x[..., 0].astype(int), x[..., 1].astype(int)
    carry, carries = np.zeros(len(x), int), []
    for t in range(x.shape[1]):
        carry = (A[:, t] + B[:, t] + carry) // 2
        carries.append(carry)
    return np.stack(carries, axis=1)


def _gate_states(z, h_tilde, x):
    """One minimal-GRU unit's states over x, with the gate and candidate given per pair."""
    pair = (2 * x[..., 0] + x[..., 1]).astype(int)
    a, b = 1 - z[pair], z[pair] * h_tilde[pair]
    return linear_scan(a[..., None], b[..., None]).numpy()[..., 0]


def _as_four(name, value):
    value = np.asarray(value, np.float64)
    if value.shape == (2, 2):
        raise Wrong(
            f"{name} is 2 × 2: give four values in the one-hot order (0, 0), (0, 1), (1, 0), "
            "(1, 1), the index 2 A_t + B_t."
        )
    expect_shape(name, value, (4,))
    if np.isnan(value).any():
        raise Wrong(f"{name} contains NaN.")
    return value


@exercise("A carry the minGRU would keep forever")
def check_carry_gates(z, h_tilde):
    """``z`` and ``h_tilde`` (4,), one value per pair in the one-hot order, must make the unit's
    state h_t = (1 - z_t) h_{t-1} + z_t h̃_t equal the carry out of every column."""
    z, h_tilde = _as_four("z", z), _as_four("h_tilde", h_tilde)
    rng = np.random.default_rng(25)
    short = np.concatenate([make_batch(rng, 64, 17)[0], carry_chain_batch(rng, 64, 17)[0]])
    chain = np.zeros((1, 2001, 2))
    chain[0, :2000, 0], chain[0, 0, 1] = 1, 1  # (2^2000 - 1) + 1: 1999 columns propagate
    for x in (short, chain):
        x = x.astype(np.float64)
        got, right = _gate_states(z, h_tilde, x), _carries(x)
        if np.allclose(got, right, atol=1e-6):
            continue
        if np.allclose(got, right, atol=0.1) or x is chain:
            raise Wrong(
                f"Close, but not the carry: on (2^2000 - 1) + 1 it has fallen to "
                f"{_gate_states(z, h_tilde, chain)[0, -2]:.3g} by the last propagating column, "
                "since each such column keeps only 1 - z of it. The gates must be exactly 0 "
                "and 1."
            )
        if np.allclose(z[[1, 2]], 1):
            raise Wrong(
                "At (0, 1) and (1, 0) the carry passes on unchanged, h_t = h_{t-1}: that is "
                "z = 0 (keep the old state). z = 1 would replace it by the candidate."
            )
        if np.allclose(z[[0, 3]], 0):
            raise Wrong(
                "At (0, 0) and (1, 1) the carry out does not depend on the carry in: z = 1, "
                "so that the candidate replaces the old state."
            )
        if np.allclose(h_tilde[[0, 3]], [1, 0]):
            raise Wrong(
                "The candidates of (0, 0) and (1, 1) are swapped: 0 + 0 kills a carry "
                "(candidate 0), 1 + 1 makes one (candidate 1)."
            )
        wrong = tuple(np.argwhere(~np.isclose(got, right, atol=1e-6))[0])
        pair = int(2 * x[wrong][0] + x[wrong][1])
        raise Wrong(
            f"Addition {wrong[0]}, column {wrong[1]} (pair {PAIRS[pair]}): the state was "
            f"{got[wrong]:.3g}, the carry {right[wrong]}. Ask for each pair: is the carry out "
            "the carry in (keep it), or fixed (replace it, and by what)?"
        )
    return (
        "z is exactly 0 at the propagating pairs and 1 at the others. σ(w) reaches neither for "
        "any finite w, so a trained minimal GRU can only come close, and a carry fades at "
        "every propagating column it crosses."
    )


# Exercise 3 --------------------------------------------------------------------------------------


def _adder_with_random_gates(seed):
    adder = MinGRUAdder(hidden_size=5, readout_size=3, seed=seed)
    rng = np.random.default_rng([seed, 3])
    adder.cell.W_z.assign(rng.normal(0, 2, adder.cell.W_z.shape))
    adder.cell.b_z.assign(rng.normal(0, 1, adder.cell.b_z.shape))
    return adder


@exercise("How far a trained carry reaches")
def check_propagate_keep(propagate_keep):
    """``propagate_keep(adder)`` must give a_t = 1 - z_t of every unit of ``adder.cell`` at the
    pairs (0, 1) and (1, 0), shape (2, hidden)."""
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    for seed in (3, 8):
        adder = _adder_with_random_gates(seed)
        W_z, b_z = adder.cell.W_z.numpy().astype(np.float64), adder.cell.b_z.numpy()
        right = 1 - sigmoid(W_z + b_z)  # (4, hidden): one row per pair, as the one-hot reads
        got = np.asarray(propagate_keep(adder), np.float64)
        expect_shape("propagate_keep(adder)", got, (2, adder.hidden_size))
        if np.allclose(got, right[[1, 2]], atol=1e-5):
            continue
        mistakes = [
            (
                1 - right[[1, 2]],
                "Those are z_t, the share of the candidate taken: the share of the old state "
                "kept is a_t = 1 - z_t.",
            ),
            (
                right[[0, 3]],
                "Those are the rows of (0, 0) and (1, 1), the pairs that kill or make a carry: "
                "the propagating pairs are (0, 1) and (1, 0), one-hot rows 1 and 2.",
            ),
            (right[[2, 1]], "Rows swapped: (0, 1) is one-hot row 1 (2 A + B), (1, 0) row 2."),
            (
                1 - sigmoid(W_z[[1, 2]]),
                "The bias is missing: z_t = σ(x_t W_z + b_z), and a one-hot x_t picks one row "
                "of W_z, to which b_z is added.",
            ),
        ]
        for wrong, hint in mistakes:
            if np.allclose(got, wrong, atol=1e-5):
                raise Wrong(hint)
        off = np.abs(got - right[[1, 2]]).max()
        raise Wrong(
            f"For one adder the largest difference from a_t was {off:.3g}. "
            "The one-hot input of pair (A, B) is row 2 A + B of the identity, so x_t W_z is "
            "row 2 A + B of W_z."
        )
    return (
        "A propagating column multiplies what each unit holds by its a_t < 1: after n of them "
        "a carry is at most max(a)^n of what it was, and the readout must still see it."
    )
