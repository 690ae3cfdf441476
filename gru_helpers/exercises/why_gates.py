"""Checks for the exercises of notebook 07, why gates at all.

1. ``check_numerical_gradient(numerical_gradient)``: a gradient from finite differences.
2. ``check_rnn_gradient(rnn_gradient)``: backpropagation through time, by hand, for a plain RNN.
3. ``check_step_backward(step_backward)``: one GRU step's backward pass, by hand.

Each check tries the answer on cases whose results it knows, and when the answer is wrong, looks
for the usual slips (a one-sided difference, a gradient not carried back in time, z's convention
flipped, a path through the step left out, a matrix not transposed) to say which one it is.

>>> check_rnn_gradient(rnn_gradient_variant).status
'right'
>>> no_slope = lambda W, U, b, x, dh: rnn_gradient_variant(W, U, b, x, dh, slope=False)
>>> print(check_rnn_gradient(no_slope).message)
the slope of tanh is missing: δ_t = g_t ∘ (1 - h_t²) before it meets U.
"""

import numpy as np
import tensorflow as tf

from . import Wrong, exercise, expect_close, expect_shape


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


# ---------------------------------------------------------------------------------------------
# Exercise 1: a numerical gradient


def _test_function(x):
    """A smooth scalar function of an array, with curvature, so one-sided differences show."""
    return float(np.sum(np.sin(x) * x**2) + np.prod(np.cos(x[:2])))


def _gradient_of_test_function(x):
    grad = np.cos(x) * x**2 + 2 * x * np.sin(x)
    c = np.cos(x[:2])
    grad[0] += -np.sin(x[0]) * c[1]
    grad[1] += -np.sin(x[1]) * c[0]
    return grad


def _differences(f, x, eps, forward):
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - (f(x) if forward else f(x - step))) / (
            eps if forward else 2 * eps
        )
    return grad


@exercise("A numerical gradient")
def check_numerical_gradient(numerical_gradient):
    """``numerical_gradient(f, x, eps)``: the gradient of a scalar ``f`` at a float64 ``x``."""
    x = np.array([0.7, -1.3, 2.1, 0.4])
    before = x.copy()
    eps = 1e-3  # large enough that a one-sided difference shows its error
    answer = np.asarray(numerical_gradient(_test_function, x, eps), dtype=np.float64)
    if not np.array_equal(x, before):
        raise Wrong(
            "numerical_gradient changed the x it was given: nudge a copy (x.copy()), "
            "or put each entry back after nudging it."
        )
    expect_shape("numerical_gradient(f, x, eps)", answer, x.shape)
    exact = _gradient_of_test_function(x)
    if np.allclose(answer, _differences(_test_function, x, eps, forward=True), atol=1e-9):
        raise Wrong(
            "that is the one-sided difference (f(x + ε) - f(x)) / ε: its error is about "
            "ε·f''/2, here up to "
            f"{np.abs(answer - exact).max():.0e}. Step both ways: "
            "(f(x + ε) - f(x - ε)) / (2ε) errs by about ε²·f'''/6."
        )
    if np.allclose(answer, 2 * exact, atol=1e-5):
        raise Wrong("every entry is twice the gradient: divide f(x + ε) - f(x - ε) by 2ε, not ε.")
    if np.allclose(answer, -exact, atol=1e-5):
        raise Wrong("every entry has the wrong sign: it is f(x + ε) - f(x - ε), in that order.")
    expect_close("numerical_gradient(f, x, eps=1e-3)", answer, exact, atol=1e-5)
    matrix = np.arange(6.0).reshape(2, 3) / 5
    expect_close(
        "numerical_gradient for an x of shape (2, 3)",
        np.asarray(numerical_gradient(lambda m: float(np.sum(m**3)), matrix, eps)),
        3 * matrix**2,
        atol=1e-5,
    )
    return (
        "the central difference matches the exact gradient to about ε², "
        "close enough to check a gradient written by hand."
    )


# ---------------------------------------------------------------------------------------------
# Exercise 2: backpropagation through time, for the plain RNN's U


def rnn_gradient_variant(
    W, U, b, x, dh, carry_back=True, slope=True, previous_state=True, every_step=True
):
    """∂L/∂U for the plain RNN h_t = tanh(x_t W + h_tm1 U + b), h_0 = 0, by walking back in time.

    ``dh`` (batch, time, hidden) holds e_t = ∂L/∂h_t through each step's own output only; δ_t is
    the gradient just inside the tanh. With the defaults it is the right answer; a flag set to
    False makes one of the usual mistakes.
    """
    batch, time, hidden = dh.shape
    h, h_t = np.zeros((batch, time, hidden)), np.zeros((batch, hidden))
    for t in range(time):
        h_t = np.tanh(x[:, t] @ W + h_t @ U + b)
        h[:, t] = h_t
    grad, g = np.zeros_like(U), np.zeros((batch, hidden))
    for t in reversed(range(time)):
        g = (g if carry_back else 0) + dh[:, t]  # ∂L/∂h_t: its own output and every later step
        delta = g * (1 - h[:, t] ** 2) if slope else g  # ∂L/∂(x_t W + h_tm1 U + b)
        h_tm1 = h[:, t - 1] if t > 0 else np.zeros((batch, hidden))
        if every_step or t == time - 1:
            grad += (h_tm1 if previous_state else h[:, t]).T @ delta
        g = delta @ U.T  # ∂L/∂h_tm1 through this step
    return grad


def _rnn_case(seed=1, batch=3, time=6, input_size=2, hidden=4):
    rng = np.random.default_rng(seed)
    W = rng.normal(scale=0.8, size=(input_size, hidden))
    U = rng.normal(scale=0.6, size=(hidden, hidden))
    b = rng.normal(scale=0.3, size=hidden)
    x = rng.integers(0, 2, size=(batch, time, input_size)).astype(np.float64)
    dh = rng.normal(size=(batch, time, hidden))
    return W, U, b, x, dh


def _rnn_tape_gradient(W, U, b, x, dh):
    """∂L/∂U from tf.GradientTape, for L = Σ dh ∘ h: the reference."""
    U = tf.Variable(U)
    with tf.GradientTape() as tape:
        h_t, loss = tf.zeros((x.shape[0], U.shape[0]), tf.float64), 0.0
        for t in range(x.shape[1]):
            h_t = tf.tanh(x[:, t] @ W + h_t @ U + b)
            loss += tf.reduce_sum(dh[:, t] * h_t)
    return tape.gradient(loss, U).numpy()


RNN_MISTAKES = [
    (
        dict(carry_back=False),
        "each step only gets the gradient of its own output: ∂L/∂h_t also has what flows back "
        "from every later step, g_t = e_t + δ_(t+1) Uᵀ with e_t = dh[:, t]. Walk from the last "
        "step to the first, carrying g.",
    ),
    (
        dict(every_step=False),
        "only the last step's term is there: U is used at every step, so ∂L/∂U sums "
        "h_(t-1)ᵀ δ_t over all of them.",
    ),
    (
        dict(slope=False),
        "the slope of tanh is missing: δ_t = g_t ∘ (1 - h_t²) before it meets U.",
    ),
    (
        dict(previous_state=False),
        "off by one step: U multiplies the previous state, so step t adds h_(t-1)ᵀ δ_t, "
        "not h_tᵀ δ_t (and h_0 = 0).",
    ),
]


@exercise("Backpropagation through time")
def check_rnn_gradient(rnn_gradient):
    """``rnn_gradient(W, U, b, x, dh)``: ∂L/∂U of the plain RNN, compared with tf.GradientTape."""
    W, U, b, x, dh = _rnn_case()
    answer = np.asarray(rnn_gradient(W, U, b, x.copy(), dh.copy()), dtype=np.float64)
    expect_shape("rnn_gradient(W, U, b, x, dh)", answer, U.shape)
    expected = _rnn_tape_gradient(W, U, b, x, dh)
    if np.allclose(answer, expected, atol=1e-8):
        return (
            "your walk back through time gives tf.GradientTape's gradient: one Jacobian per "
            "step, and every step's share of U summed."
        )
    if np.allclose(answer, expected.T, atol=1e-8):
        raise Wrong(
            "it is the transpose: ∂L/∂U[i, j] = Σ_t h_(t-1)[i] δ_t[j], so h_(t-1)ᵀ @ δ_t, "
            "not δ_tᵀ @ h_(t-1)."
        )
    if np.allclose(answer, -expected, atol=1e-8):
        raise Wrong("every entry has the wrong sign.")
    for changes, hint in RNN_MISTAKES:
        if np.allclose(answer, rnn_gradient_variant(W, U, b, x, dh, **changes), atol=1e-8):
            raise Wrong(hint)
    expect_close("rnn_gradient(W, U, b, x, dh)", answer, expected, atol=1e-8)


# ---------------------------------------------------------------------------------------------
# Exercise 3: one GRU step's backward pass


def step_backward_variant(
    p,
    h_tm1,
    x_t,
    g,
    direct=True,
    through_z=True,
    through_h=True,
    through_r=True,
    r_on_h=True,
    flip_z=False,
    transpose=True,
):
    """∂(g · h_t)/∂h_tm1 for a GRU step in NumPy; the flags leave out or change one part.

    With the defaults it is the right answer; the checks use the variants to name a mistake.
    """
    T = (lambda m: m.T) if transpose else (lambda m: m)
    z = _sigmoid(x_t @ p["W_z"] + h_tm1 @ p["U_z"] + p["b_z"])
    r = _sigmoid(x_t @ p["W_r"] + h_tm1 @ p["U_r"] + p["b_r"])
    h_tilde = np.tanh(x_t @ p["W_h"] + (r * h_tm1) @ p["U_h"] + p["b_h"])
    keep, take = (z, 1 - z) if flip_z else (1 - z, z)  # the shares of h_tm1 and of h̃
    grad = g * keep if direct else np.zeros_like(h_tm1)
    if through_z:  # h_t moves with z by ±(h̃ - h_tm1); σ' = z (1 - z)
        dz = g * (h_tm1 - h_tilde if flip_z else h_tilde - h_tm1)
        grad = grad + (dz * z * (1 - z)) @ T(p["U_z"])
    if through_h:  # through h̃ = tanh(... + (r ∘ h_tm1) U_h ...)
        d_rh = (g * take * (1 - h_tilde**2)) @ T(p["U_h"])  # ∂/∂(r ∘ h_tm1)
        grad = grad + (d_rh * r if r_on_h else d_rh)
        if through_r:  # and through r, which multiplies h_tm1 there
            grad = grad + (d_rh * h_tm1 * r * (1 - r)) @ T(p["U_r"])
    return grad


def _tape_gradient(p, h_tm1, x_t, g):
    """The same gradient from tf.GradientTape, through the GRU step as gru_helpers writes it."""
    from ..gru import GRU

    gru = GRU(x_t.shape[1], h_tm1.shape[1], dtype=tf.float64)
    gru.set_parameters(p)
    h = tf.constant(h_tm1)
    with tf.GradientTape() as tape:
        tape.watch(h)
        projection = tf.reduce_sum(g * gru.step(h, tf.constant(x_t)))
    return tape.gradient(projection, h).numpy()


def _step_case(seed=0, batch=3, input_size=2, hidden=4):
    """Parameters and inputs where no gate is near 0 or 1, so that every path counts."""
    rng = np.random.default_rng(seed)
    p = {
        name: rng.normal(scale=0.8, size=shape)
        for name, shape in [
            ("W_z", (input_size, hidden)),
            ("U_z", (hidden, hidden)),
            ("b_z", (hidden,)),
            ("W_r", (input_size, hidden)),
            ("U_r", (hidden, hidden)),
            ("b_r", (hidden,)),
            ("W_h", (input_size, hidden)),
            ("U_h", (hidden, hidden)),
            ("b_h", (hidden,)),
        ]
    }
    h_tm1 = rng.uniform(-0.9, 0.9, size=(batch, hidden))
    x_t = rng.integers(0, 2, size=(batch, input_size)).astype(np.float64)
    g = rng.normal(size=(batch, hidden))
    return p, h_tm1, x_t, g


MISTAKES = [  # (what the variant changes, the hint for an answer that matches it)
    (
        dict(flip_z=True),
        "z's convention is flipped: here h_t = (1 - z_t) ∘ h_tm1 + z_t ∘ h̃_t, so h_tm1 "
        "passes straight through with 1 - z, and h̃ with z.",
    ),
    (
        dict(direct=False),
        "the direct path is missing: h_t = (1 - z_t) ∘ h_tm1 + ... contains h_tm1 itself, "
        "which gives g ∘ (1 - z_t).",
    ),
    (
        dict(through_z=False),
        "the path through the update gate is missing: z_t depends on h_tm1 through U_z, and "
        "∂h_t/∂z_t = h̃_t - h_tm1.",
    ),
    (
        dict(through_h=False),
        "the path through the candidate h̃_t is missing (and the reset gate's with it).",
    ),
    (
        dict(through_r=False),
        "the path through the reset gate is missing: r_t depends on h_tm1 through U_r, and "
        "h̃_t reads r_t ∘ h_tm1.",
    ),
    (
        dict(r_on_h=False),
        "on the path through h̃_t, the gradient reaching r_t ∘ h_tm1 must be multiplied by "
        "r_t to reach h_tm1 (the product rule's first half).",
    ),
    (
        dict(transpose=False),
        "a matrix is not transposed: going backwards through a ∘ = h U, the gradient is "
        "(∂L/∂a) Uᵀ, not (∂L/∂a) U.",
    ),
]


@exercise("One GRU step backwards")
def check_step_backward(step_backward):
    """``step_backward(p, h_tm1, x_t, g)``: ∂(g · h_t)/∂h_tm1, for the nine parameters ``p``.

    It is compared with ``tf.GradientTape`` through ``GRU.step`` and with a finite difference.
    """
    p, h_tm1, x_t, g = _step_case()
    answer = np.asarray(step_backward(p, h_tm1.copy(), x_t.copy(), g.copy()), dtype=np.float64)
    expect_shape("step_backward(p, h_tm1, x_t, g)", answer, h_tm1.shape)
    by_tape = _tape_gradient(p, h_tm1, x_t, g)
    by_differences = _differences(
        lambda h: float(np.sum(g * _step(p, h, x_t))), h_tm1, 1e-6, forward=False
    )
    np.testing.assert_allclose(by_tape, by_differences, atol=1e-7)  # the two references agree
    if np.isnan(answer).any():
        raise Wrong("step_backward(...) contains NaN.")
    if np.allclose(answer, by_tape, atol=1e-8):
        return (
            "your gradient matches tf.GradientTape and a central difference: the direct "
            "path (1 - z), and the paths through z, h̃ and r, all there."
        )
    if np.allclose(answer, -by_tape, atol=1e-8):
        raise Wrong("every entry has the wrong sign.")
    for changes, hint in MISTAKES:
        if np.allclose(answer, step_backward_variant(p, h_tm1, x_t, g, **changes), atol=1e-8):
            raise Wrong(hint)
    expect_close("step_backward(p, h_tm1, x_t, g)", answer, by_tape, atol=1e-8)


def _step(p, h_tm1, x_t):
    z = _sigmoid(x_t @ p["W_z"] + h_tm1 @ p["U_z"] + p["b_z"])
    r = _sigmoid(x_t @ p["W_r"] + h_tm1 @ p["U_r"] + p["b_r"])
    h_tilde = np.tanh(x_t @ p["W_h"] + (r * h_tm1) @ p["U_h"] + p["b_h"])
    return (1 - z) * h_tm1 + z * h_tilde
