"""Checks for the exercises of notebook 04, "The whole sequence with tf.scan".

1. ``check_sum_scan(sum_bits)``: the exact ripple-carry adder as a ``tf.scan`` whose state is the
   carry.
2. ``check_while_scan(while_scan)``: the GRU's scan written with ``tf.while_loop`` and a
   ``tf.TensorArray``, traced once for every length.
3. ``check_reverse_scan(reverse_states)``: what ``tf.scan(..., reverse=True)`` returns, built from
   the forward GRU and flips.

>>> check_sum_scan(lambda x: x[..., 0]).status
'wrong'
>>> check_reverse_scan(lambda gru, x: gru(x[:, ::-1])[:, ::-1]).status
'right'
"""

import numpy as np
import tensorflow as tf

from ..bits import make_batch
from ..gru import GRU
from . import Wrong, exercise, expect_close, expect_shape

# Exercise 1 --------------------------------------------------------------------------------------


def _ripple(x, first_carry=0, carries_when=lambda total: total >= 2, carry_out_bit=False):
    """Sum bits (batch, time) of x by the ripple rule; the keywords make the likely mistakes."""
    a, b = x[..., 0].astype(int), x[..., 1].astype(int)
    carry, sums, carries = np.full(len(x), first_carry), [], []
    for t in range(x.shape[1]):
        total = a[:, t] + b[:, t] + carry
        new_carry = carries_when(total).astype(int)
        sums.append((a[:, t] + b[:, t] + (new_carry if carry_out_bit else carry)) % 2)
        carries.append(new_carry)
        carry = new_carry
    return np.stack(sums, axis=1), np.stack(carries, axis=1)


@exercise("The carry as the state of a scan")
def check_sum_scan(sum_bits):
    """``sum_bits(x)`` must give the bits of each sum (batch, time) for ``x`` (batch, time, 2)."""
    x, y = make_batch(np.random.default_rng(4), batch_size=6, width=9)
    got = np.asarray(sum_bits(tf.constant(x)))
    if got.ndim == 3 and got.shape[-1] == 1:
        got = got[..., 0]
    if got.shape == (9, 6):
        raise Wrong(
            "The result has shape (time, batch): tf.scan stacks its states along a new first "
            "axis. Transpose it back to (batch, time)."
        )
    expect_shape("sum_bits(x)", got, (6, 9))
    right = y[..., 0]
    if np.array_equal(got, right):
        return "A scan with one number of state, the carry, adds exactly: the rule the GRU learns."
    sums, carries = _ripple(x)
    mistakes = [
        (carries, "Those are the carries, not the sum bits: each sum bit is a ⊕ b ⊕ carry_in."),
        (
            (x[..., 0] + x[..., 1]) % 2,
            "That is a ⊕ b with no carry ever: a column carries when a + b + carry_in is 2 or "
            "more (1 + 1 = 10 in binary), and the state takes that carry to the next column.",
        ),
        (_ripple(x, first_carry=1)[0], "The carry into the first column is 0: start from 0."),
        (
            _ripple(x, carry_out_bit=True)[0],
            "The sum bit uses the carry coming in to the column, the state before this step, not "
            "the carry going out.",
        ),
    ]
    for wrong, hint in mistakes:
        if np.array_equal(got, wrong):
            raise Wrong(hint)
    bad = np.argwhere(got != right)[0]
    raise Wrong(
        f"Addition {bad[0]}, bit {bad[1]}: you gave {got[tuple(bad)]:g}, expected "
        f"{right[tuple(bad)]:g}. Least significant bit first, carry_in 0 at the first column."
    )


# Exercise 2 --------------------------------------------------------------------------------------


def _scan_states(step, x, h0):
    time_major = tf.scan(step, tf.transpose(x, [1, 0, 2]), initializer=h0)
    return tf.transpose(time_major, [1, 0, 2]).numpy()


def _compare_states(name, got, step, x, h0):
    """Raise Wrong with a hint if ``got`` is not the scan's states for ``x`` from ``h0``."""
    right = _scan_states(step, x, h0)
    batch, steps, hidden = right.shape
    got = np.asarray(got)
    if got.shape == (steps, batch, hidden):
        raise Wrong(
            f"{name} is time-major, (time, batch, hidden): transpose it back to "
            "(batch, time, hidden)."
        )
    if got.shape == (batch, hidden):
        raise Wrong(f"{name} is one state per example: return every h_t, not only the last.")
    if got.shape == (batch, steps + 1, hidden):
        raise Wrong(
            f"{name} has {steps + 1} states for {steps} steps: h0 is not one of the outputs, "
            "as with tf.scan; start at h_1."
        )
    expect_shape(name, got, right.shape)
    if np.allclose(got, _scan_states(step, x, tf.zeros_like(h0)), atol=1e-5):
        raise Wrong(f"{name} starts from zeros: start from the h0 you are given.")
    expect_close(name, got, right, atol=1e-5)


@exercise("The scan as a tf.while_loop")
def check_while_scan(while_scan):
    """``while_scan(step, x, h0)`` must give every state (batch, time, hidden), as ``tf.scan``
    does, and trace once for inputs of any length."""
    gru = GRU(input_size=2, hidden_size=5, seed=4)
    rng = np.random.default_rng(4)
    x = tf.constant(rng.normal(size=(3, 7, 2)), tf.float32)
    h0 = tf.constant(rng.normal(size=(3, 5)), tf.float32)
    _compare_states("while_scan(step, x, h0)", while_scan(gru.step, x, h0), gru.step, x, h0)
    traced = tf.function(
        lambda x, h0: while_scan(gru.step, x, h0),
        input_signature=[tf.TensorSpec([None, None, 2]), tf.TensorSpec([None, 5])],
    )
    try:
        for steps in (4, 11):
            x = tf.constant(rng.normal(size=(2, steps, 2)), tf.float32)
            h0 = tf.constant(rng.normal(size=(2, 5)), tf.float32)
            _compare_states(f"traced, {steps} steps", traced(x, h0), gru.step, x, h0)
    except (TypeError, ValueError) as error:
        raise Wrong(
            "It runs eagerly but cannot be traced for a length left open (None): "
            f"{str(error).strip().splitlines()[-1][:150]}. Take the length from tf.shape(x)[1] "
            "and keep the states in a tf.TensorArray."
        ) from None
    return (
        "The same states as tf.scan, from one graph for every length: that loop, with its "
        "TensorArray, is what tf.scan writes for you."
    )


# Exercise 3 --------------------------------------------------------------------------------------


@exercise("tf.scan backwards")
def check_reverse_scan(reverse_states):
    """``reverse_states(gru, x)`` must equal ``tf.scan(gru.step, ..., reverse=True)`` brought back
    to (batch, time, hidden), computed with ``gru(...)`` and flips."""
    gru = GRU(input_size=2, hidden_size=4, seed=7)
    x = make_batch(np.random.default_rng(7), batch_size=3, width=6)[0]
    h0 = gru.initial_state(x)
    right = tf.transpose(
        tf.scan(gru.step, tf.transpose(x, [1, 0, 2]), initializer=h0, reverse=True), [1, 0, 2]
    ).numpy()
    got = np.asarray(reverse_states(gru, x))
    expect_shape("reverse_states(gru, x)", got, right.shape)
    forward = gru(x).numpy()
    mistakes = [
        (
            gru(x[:, ::-1]).numpy(),
            "Right states, wrong order: reverse=True stores the state computed at column t at "
            "position t, so flip the result back along time too.",
        ),
        (
            forward[:, ::-1],
            "That flips the forward states, but each of them has still read the columns from "
            "the first. Running backwards means feeding the last column first.",
        ),
        (
            forward,
            "That is the forward scan: with reverse=True the first step reads the last column.",
        ),
    ]
    for wrong, hint in mistakes:
        if np.allclose(got, wrong, atol=1e-5):
            raise Wrong(hint)
    expect_close("reverse_states(gru, x)", got, right, atol=1e-5)
    return (
        "reverse=True reads the last column first and returns h_t at position t, the state "
        "after columns T-1 down to t: the backward half of a bidirectional GRU."
    )
