"""Checks for the exercises of notebook 09, "Making it fast".

A speed idea is only an idea if the faster step still computes the same function, so these
checks test that, and count operations with ``count_operations`` (``gru_helpers.operations``:
the same count as the notebook's, which does not change from run to run), never time.

1. ``check_multiply_adds(multiply_adds)``: the arithmetic of a training step, as a function of
   the sizes.
2. ``check_lean_gru(LeanGRU)``: a ``GRU`` subclass whose step gives the same states with fewer
   TensorFlow operations.
3. ``check_adam_step(adam_step)``: Adam's update written out, which gives the same numbers as
   the one fused operation per variable that ``train`` uses.

>>> check_multiply_adds(multiply_adds).status
'right'
>>> check_multiply_adds(lambda B, T, n, H: multiply_adds(B, T, n, H) // 3).status
'wrong'
"""

import numpy as np
import tensorflow as tf

from ..gru import GRU
from ..operations import count_operations
from . import Wrong, exercise, expect_close, expect_shape

# Exercise 1 --------------------------------------------------------------------------------------


def multiply_adds(batch, width, inputs, hidden):
    """Multiply-adds of one training step of the adder: forward pass, and twice that backward.

    Per time step and addition: the three input products ``x_t W`` (inputs * 3 * hidden), the
    three state products ``h_tm1 U`` (3 * hidden**2) and the readout ``h_t W_y`` (hidden).
    """
    return 3 * width * batch * (3 * inputs * hidden + 3 * hidden**2 + hidden)


def _mistakes():
    """Formulas with the likely mistakes, each with its hint."""
    one = lambda B, T, n, H: T * B * (3 * n * H + 3 * H**2 + H)  # noqa: E731  (the forward pass)
    return [
        (
            one,
            "That is the forward pass: the backward pass costs about twice as much (two products "
            "for each product of the forward pass), so a training step is about three forward "
            "passes.",
        ),
        (
            lambda B, T, n, H: 3 * T * B * (3 * n * H + 2 * H**2 + H),
            "One product with the state is missing: besides h_tm1 U_z and h_tm1 U_r, the "
            "candidate multiplies (r_t ∘ h_tm1) U_h, so 3 H² per step.",
        ),
        (
            lambda B, T, n, H: 3 * T * B * (3 * n * H + 3 * H**2),
            "The readout is missing: y_t = h_t W_y adds H multiply-adds per step and addition.",
        ),
        (
            lambda B, T, n, H: 3 * T * B * (n * H + 3 * H**2 + H),
            "Each of the three gates has its own input weights: x_t W_z, x_t W_r and x_t W_h are "
            "3 n H multiply-adds, not n H.",
        ),
        (
            lambda B, T, n, H: 3 * B * (3 * n * H + 3 * H**2 + H),
            "That is one time step: the GRU runs once for every bit, width times.",
        ),
        (
            lambda B, T, n, H: 3 * T * (3 * n * H + 3 * H**2 + H),
            "That is one addition: every product is done for each of the batch's additions.",
        ),
    ]


SIZES = [(64, 17, 2, 16), (1, 1, 1, 1), (8, 5, 3, 7), (2, 9, 4, 64), (32, 65, 2, 128)]


@exercise("The arithmetic of a training step")
def check_multiply_adds(multiply_adds_answer):
    """``multiply_adds_answer(batch, width, inputs, hidden)`` must count a training step."""
    got = {size: multiply_adds_answer(*size) for size in SIZES}
    for formula, hint in _mistakes():
        if all(np.isclose(got[size], formula(*size), rtol=1e-9) for size in SIZES):
            raise Wrong(hint)
    for size in SIZES:
        if not np.isclose(got[size], multiply_adds(*size), rtol=1e-9):
            raise Wrong(
                f"multiply_adds{size} gave {got[size]}, expected {multiply_adds(*size)}: count "
                "x_t W (3 gates), h_tm1 U (3 gates), the readout, then the backward pass."
            )
    ratio = multiply_adds(64, 17, 2, 256) / multiply_adds(64, 17, 2, 16)
    return (
        f"At hidden 256 a step is {ratio:.0f} times the arithmetic of hidden 16: the H² products "
        "dominate once the state is large, and only then would faster arithmetic pay."
    )


# Exercise 2 --------------------------------------------------------------------------------------


def _wrong_states(gru, x, mistake):
    """``gru``'s states with one likely mistake in the step, in NumPy."""
    p = {name: value.astype(np.float64) for name, value in gru.get_parameters().items()}
    sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    h, states = np.zeros((x.shape[0], gru.hidden_size)), []
    for x_t in np.moveaxis(x, 1, 0):
        z = sigmoid(x_t @ p["W_z"] + h @ p["U_z"] + p["b_z"])
        r = sigmoid(x_t @ p["W_r"] + h @ p["U_r"] + p["b_r"])
        reset = h if mistake == "no_reset" else r * h
        h_tilde = np.tanh(x_t @ p["W_h"] + reset @ p["U_h"] + p["b_h"])
        h = h_tilde + z * (h - h_tilde) if mistake == "flip_z" else h + z * (h_tilde - h)
        if mistake == "candidate":
            h = z * h_tilde
        states.append(h)
    return np.stack(states, axis=1)


LEAN_MISTAKES = [
    (
        "flip_z",
        "z's convention is flipped: here z is the share of the candidate taken, h_t = (1 − z) ∘ "
        "h_tm1 + z ∘ h̃_t = h_tm1 + z ∘ (h̃_t − h_tm1).",
    ),
    ("no_reset", "The reset gate is missing: the candidate multiplies (r_t ∘ h_tm1) U_h."),
    (
        "candidate",
        "The old state is missing: h_t = h_tm1 + z ∘ (h̃_t − h_tm1) keeps 1 − z of it.",
    ),
]


@exercise("A leaner step, the same GRU")
def check_lean_gru(LeanGRU):
    """``LeanGRU(input_size, hidden_size, seed=...)``: ``GRU``'s states in fewer operations."""
    lean, gru = LeanGRU(2, 4, seed=3), GRU(2, 4, seed=3)
    if not isinstance(lean, GRU):
        raise Wrong("make it a subclass, class LeanGRU(GRU), and define only its step.")
    rng = np.random.default_rng(3)
    for name in ("b_z", "b_r", "b_h"):  # biases that are not zero, so that a missing one shows
        value = rng.normal(0, 0.5, 4)
        for model in (lean, gru):
            getattr(model, name).assign(value)
    x = rng.integers(0, 2, (5, 6, 2)).astype(np.float32)
    got = np.asarray(lean(x), np.float64)
    expect_shape("the states", got, (5, 6, 4))
    for mistake, hint in LEAN_MISTAKES:
        if np.allclose(got, _wrong_states(gru, x, mistake), atol=1e-5):
            raise Wrong(hint)
    expect_close("the states", got, gru(x), atol=1e-5)
    h_tm1, x_t = tf.zeros((5, 4)), tf.constant(x[:, 0])
    ours = count_operations(lean.step, h_tm1, x_t).operations
    theirs = count_operations(gru.step, h_tm1, x_t).operations
    if ours >= theirs:
        raise Wrong(
            f"The same states, but the step records {ours} operations, GRU.step {theirs}. Fewer, "
            "with the same value: (1 − z) ∘ h + z ∘ h̃ is h + z ∘ (h̃ − h), one operation less; "
            "or the two gates' products with [U_z | U_r] at once, as FastGRU does."
        )
    return (
        f"The same states with {ours} operations per step instead of {theirs}: "
        f"{17 * (theirs - ours)} fewer in the adder's forward pass of 17 steps."
    )


# Exercise 3 --------------------------------------------------------------------------------------


def adam_numpy(value, gradients, learning_rate=0.01, beta_1=0.9, beta_2=0.999, mistake=None):
    """``value`` after Adam's updates with each of ``gradients`` in turn, in NumPy.

    The arithmetic of ``keras.optimizers.Adam`` and of TensorFlow's fused kernel: the step size
    ``learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` holds both bias corrections.
    ``mistake`` is one of None, "no_correction", "no_square", "betas_swapped", "ascent".
    """
    value, m, v = value.astype(np.float64), np.zeros_like(value), np.zeros_like(value)
    b1, b2 = (beta_2, beta_1) if mistake == "betas_swapped" else (beta_1, beta_2)
    for t, g in enumerate(gradients, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * (g if mistake == "no_square" else g * g)
        if mistake == "no_correction":
            size = learning_rate
        else:
            size = learning_rate * np.sqrt(1 - b2**t) / (1 - b1**t)
        step = size * m / (np.sqrt(np.abs(v)) + 1e-7)
        value = value + step if mistake == "ascent" else value - step
    return value


ADAM_MISTAKES = [
    (
        "no_correction",
        "The bias correction is missing: m and v start at 0, so early on they are too small; "
        "divide by 1 − β₁ᵗ and 1 − β₂ᵗ (t = 1 at the first step).",
    ),
    ("no_square", "v is the running mean of the squared gradient, g ∘ g, not of g."),
    ("betas_swapped", "The betas are swapped: m uses β₁ = 0.9, v uses β₂ = 0.999."),
    (
        "ascent",
        "The update climbs: subtract the step from the variable, as gradient descent does.",
    ),
]


@exercise("Adam by hand, and what the fused kernel saves")
def check_adam_step(adam_step):
    """``adam_step(variable, gradient, m, v, t)`` must do Adam's update in place (tf.Variables)."""
    rng = np.random.default_rng(4)
    start = rng.normal(0, 1, (3, 4))
    gradients = [rng.normal(0, 1, (3, 4)) for _ in range(4)]
    variable = tf.Variable(start, dtype=tf.float32)
    m, v = tf.Variable(tf.zeros((3, 4))), tf.Variable(tf.zeros((3, 4)))
    for t, gradient in enumerate(gradients, start=1):
        adam_step(variable, tf.constant(gradient, tf.float32), m, v, t)
    got = variable.numpy()
    if np.array_equal(got, start.astype(np.float32)):
        raise Wrong("The variable did not change: assign the update to it (variable.assign_sub).")
    if not np.isfinite(got).all():
        raise Wrong(
            "The variable holds NaN or infinity: t counts from 1 at the first step "
            "(at t = 0 the bias correction divides by 1 − β⁰ = 0)."
        )
    for mistake, hint in ADAM_MISTAKES:
        if np.allclose(got, adam_numpy(start, gradients, mistake=mistake), atol=1e-5):
            raise Wrong(hint)
    expect_close("the variable after 4 steps", got, adam_numpy(start, gradients), atol=1e-5)
    graph_variable, graph_m, graph_v = (tf.Variable(tf.zeros((3, 4))) for _ in range(3))
    count = count_operations(
        lambda g: adam_step(graph_variable, g, graph_m, graph_v, 1), tf.zeros((3, 4))
    ).operations
    return (
        f"Four steps match Adam. Traced, your update records {count} operations for one "
        "variable; train's adam does all of its arithmetic in one, the fused ResourceApplyAdam."
    )
