"""Checks for the exercises of notebook 02, "One GRU step by hand".

1. ``check_parameter_count(count)``: how many numbers a GRU layer learns, in both conventions.
2. ``check_keep_most(b_z, p, x_t, h_tm1)``: an update-gate bias that keeps 90% of the old state.
3. ``check_keras_step(step)``: one step of ``keras.layers.GRU(reset_after=True)`` from its own
   fused weights.

>>> check_parameter_count(lambda n, H, reset_after: 3 * (n * H + H * H + H)).status
'wrong'
>>> check_keras_step(keras_step).status
'right'
"""

import numpy as np

from . import Wrong, exercise, expect_close, expect_shape


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


# Exercise 1 --------------------------------------------------------------------------------------


def _count(n, H, reset_after):
    """Three gates, each with W (n, H), U (H, H) and one bias of H, or two with reset_after."""
    return 3 * (n * H + H * H + (2 if reset_after else 1) * H)


SIZES = [(2, 16), (1, 1), (5, 3), (3, 5), (10, 64)]


@exercise("Counting parameters")
def check_parameter_count(count):
    """``count(n, H, reset_after)`` must give the number of parameters of a GRU layer."""
    cases = [(n, H, after) for n, H in SIZES for after in (False, True)]
    got = {case: count(*case) for case in cases}
    mistakes = [
        (
            lambda n, H, after: _count(n, H, False),
            "That is the count for reset_after=False "
            "every time: reset_after=True adds a second bias for each gate.",
        ),
        (
            lambda n, H, after: _count(n, H, after) // 3,
            "That is one gate's worth: z, r and the candidate each have their own W, U and bias.",
        ),
        (
            lambda n, H, after: 3 * (n * H + H * H),
            "The biases are missing: each gate has H of them (2H with reset_after=True).",
        ),
        (
            lambda n, H, after: 3 * (n * H + n * H + (2 if after else 1) * H),
            "U maps the state to the state, so it is (H, H), not (n, H).",
        ),
        (
            lambda n, H, after: _count(n, H, not after),
            "reset_after is the wrong way round: "
            "reset_after=True is the one with two biases per gate.",
        ),
    ]
    for formula, hint in mistakes:
        if all(got[case] == formula(*case) for case in cases):
            raise Wrong(hint)
    for case in cases:
        if got[case] != _count(*case):
            n, H, after = case
            raise Wrong(
                f"count({n}, {H}, reset_after={after}) gave {got[case]}, expected {_count(*case)}."
            )
    return (
        f"The adder's GRU (n = 2, H = 16) learns {_count(2, 16, False)} numbers; Keras's "
        f"default, reset_after=True, {_count(2, 16, True)}."
    )


# Exercise 2 --------------------------------------------------------------------------------------


@exercise("A unit that keeps 90% of its state")
def check_keep_most(b_z, p, x_t, h_tm1):
    """With ``p["b_z"]`` replaced by ``b_z``, the step at ``x_t``, ``h_tm1`` must have z = 0.1."""
    H = np.shape(p["U_z"])[0]
    b_z = np.asarray(b_z, dtype=np.float64)
    if b_z.size == H:
        b_z = b_z.reshape(H)  # a row (1, H), as x_t @ W_z gives, is fine too
    expect_shape("b_z", b_z, (H,))
    W_z, U_z = (np.asarray(p[name], np.float64) for name in ("W_z", "U_z"))
    gate_input = np.asarray(x_t, np.float64) @ W_z + np.asarray(h_tm1, np.float64) @ U_z
    z = _sigmoid(gate_input + b_z)[0]
    if np.allclose(z, 0.9, atol=1e-3):
        raise Wrong(
            "Your z is 0.9. In these equations z is the share of the candidate taken, "
            "h_t = (1 − z) ∘ h_tm1 + z ∘ h̃_t, so keeping 90% of the old state needs z = 0.1 "
            "(Keras's z is the other way round)."
        )
    if np.allclose(b_z, np.log(0.1 / 0.9), atol=1e-3) or np.allclose(b_z, np.log(0.9 / 0.1)):
        raise Wrong(
            f"σ(b_z) alone would be right, but the gate also adds x_t W_z + h_tm1 U_z = "
            f"{np.round(gate_input[0], 3)}: subtract it from your b_z."
        )
    expect_close("z with your b_z", z, np.full(H, 0.1), atol=1e-4)
    return (
        f"b_z = {np.round(b_z, 3)} gives z = 0.1 in every unit: the logit of 0.1, "
        "ln(1/9) ≈ −2.197, minus what the input and the old state already add."
    )


# Exercise 3 --------------------------------------------------------------------------------------


def keras_step(
    h_tm1,
    x_t,
    kernel,
    recurrent_kernel,
    bias,
    flip_z=False,
    swap_gates=False,
    reset_before=False,
    swap_bias_rows=False,
):
    """One step of ``keras.layers.GRU(reset_after=True)`` from its weights, in NumPy.

    ``kernel`` (n, 3H) and ``recurrent_kernel`` (H, 3H) hold the gates side by side in the order
    z, r, h; ``bias`` (2, 3H) holds the input biases in row 0 and the recurrent biases in row 1.
    The keyword arguments make the likely mistakes, so that a check can recognise them.
    """
    input_bias, recurrent_bias = bias[::-1] if swap_bias_rows else bias
    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    h_z, h_r, h_h = np.split(h_tm1 @ recurrent_kernel + recurrent_bias, 3, axis=-1)
    if swap_gates:
        x_z, x_r, h_z, h_r = x_r, x_z, h_r, h_z
    z = _sigmoid(x_z + h_z)  # Keras's z: the share of the OLD state kept
    r = _sigmoid(x_r + h_r)
    if reset_before:
        U_h, bhat_h = np.split(recurrent_kernel, 3, axis=-1)[2], np.split(recurrent_bias, 3)[2]
        h_tilde = np.tanh(x_h + (r * h_tm1) @ U_h + bhat_h)
    else:
        h_tilde = np.tanh(x_h + r * h_h)  # the reset acts after the product
    if flip_z:
        return (1 - z) * h_tm1 + z * h_tilde
    return z * h_tm1 + (1 - z) * h_tilde


def keras_step_case(seed=0, batch=4, n=2, H=3):
    """A random case for the check: ``h_tm1, x_t, kernel, recurrent_kernel, bias`` in float64."""
    rng = np.random.default_rng(seed)
    h_tm1 = rng.uniform(-1, 1, (batch, H))
    x_t = rng.integers(0, 2, (batch, n)).astype(np.float64)
    kernel = rng.normal(0, 1, (n, 3 * H))
    recurrent_kernel = rng.normal(0, 1, (H, 3 * H))
    bias = rng.normal(0, 0.5, (2, 3 * H))
    return h_tm1, x_t, kernel, recurrent_kernel, bias


KERAS_STEP_MISTAKES = [
    (
        {"flip_z": True},
        "z's convention is flipped: Keras's z is the share of the old state kept, "
        "h_t = z ∘ h_tm1 + (1 − z) ∘ h̃_t.",
    ),
    (
        {"swap_gates": True},
        "The gates are swapped: Keras stores them in the order z, r, h, so z comes from the "
        "first H columns and r from the next H.",
    ),
    (
        {"swap_gates": True, "flip_z": True},
        "Two things: z and r are swapped (Keras's order is z, r, h) and z's convention is "
        "flipped (Keras keeps z of the old state).",
    ),
    (
        {"reset_before": True},
        "That is reset_after=False: the reset gate multiplies h_tm1 before the product with U_h. "
        "With reset_after=True it multiplies h_tm1 U_h + b̂_h, after the product.",
    ),
    (
        {"swap_bias_rows": True},
        "The bias rows are swapped: row 0 is added to x_t W, row 1 to h_tm1 U (and so sits inside "
        "the reset).",
    ),
]


@exercise("Keras's default step, from its own weights")
def check_keras_step(step):
    """``step(h_tm1, x_t, kernel, recurrent_kernel, bias)`` must give Keras's (reset_after=True)
    new state, shape (batch, H), for random weights and biases."""
    case = keras_step_case()
    h_tm1, _, _, _, bias = case
    got = np.asarray(step(*case), dtype=np.float64)
    expect_shape("the new state", got, h_tm1.shape)
    for mistake, hint in KERAS_STEP_MISTAKES:
        if np.allclose(got, keras_step(*case, **mistake), atol=1e-5):
            raise Wrong(hint)
    no_recurrent_bias = (case[0], case[1], case[2], case[3], np.stack([bias[0], 0 * bias[1]]))
    if np.allclose(got, keras_step(*no_recurrent_bias), atol=1e-5):
        raise Wrong("The recurrent bias (row 1 of bias) is missing: add it to h_tm1 U.")
    expect_close("the new state", got, keras_step(*case), atol=1e-5)
    return (
        "It matches keras.layers.GRU(reset_after=True): two matrix products per step, "
        "x_t W + b and h_tm1 U + b̂, split into z, r and h afterwards."
    )
