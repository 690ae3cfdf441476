"""Checks for the exercises of notebook 10, "From scratch to Keras": the default GRU of Keras.

Keras's default ``keras.layers.GRU(reset_after=True)`` applies the reset gate after the product
with ``U_h`` and keeps two biases per gate. The exercises port the adder to it and move its
weights into ``gru_helpers``:

1. ``check_from_keras(from_keras_reset_after)``: its weights as the paper's named parameters,
   plus the one bias that has no name there, ``b_Uh`` (added to ``h_tm1 U_h``, inside the reset).
2. ``check_reset_after_gru(ResetAfterGRU)``: a ``GRU`` subclass whose ``step`` resets after.
3. ``check_adder_from_keras(adder_from_keras)``: a Keras adder's weights in an ``Adder``.

>>> check_from_keras(from_keras_reset_after).status
'right'
>>> check_from_keras(lambda weights: from_keras_reset_after(weights, flip_z=False)).status
'wrong'
"""

import keras
import numpy as np
import tensorflow as tf

from ..adder import Adder
from ..gru import GRU, PARAMETER_NAMES
from . import Wrong, exercise, expect_close, expect_shape

NAMES = PARAMETER_NAMES + ("b_Uh",)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def from_keras_reset_after(weights, flip_z=True, order="zrh", sum_biases=True):
    """The ten parameters of a ``keras.layers.GRU(reset_after=True)`` layer's weights, in NumPy.

    ``weights`` is ``[kernel (n, 3H), recurrent_kernel (H, 3H), bias (2, 3H)]``: the gates side by
    side in the order z, r, h; row 0 of ``bias`` goes with ``x_t W``, row 1 with ``h_tm1 U``. For z
    and r the two biases only add up; for h, row 1 is ``b_Uh`` and sits inside the reset. Keras's z
    keeps the old state, ours takes the candidate, so z's weights and biases change sign.
    The keyword arguments make the likely mistakes, so that a check can recognise them.
    """
    kernel, recurrent_kernel, bias = (np.asarray(w, np.float64) for w in weights)
    W = dict(zip(order, np.split(kernel, 3, axis=1)))
    U = dict(zip(order, np.split(recurrent_kernel, 3, axis=1)))
    b_in = dict(zip(order, np.split(bias[0], 3)))
    b_rec = dict(zip(order, np.split(bias[1], 3)))
    sign = -1 if flip_z else 1
    p = {"W_z": sign * W["z"], "U_z": sign * U["z"], "W_r": W["r"], "U_r": U["r"]}
    if sum_biases:
        p["b_z"], p["b_r"] = sign * (b_in["z"] + b_rec["z"]), b_in["r"] + b_rec["r"]
    else:
        p["b_z"], p["b_r"] = sign * b_in["z"], b_in["r"]
    p.update(W_h=W["h"], U_h=U["h"], b_h=b_in["h"], b_Uh=b_rec["h"])
    return p


def keras_case(seed=0, n=2, H=3):
    """Random weights and biases for ``keras.layers.GRU(H, reset_after=True)`` on ``n`` inputs."""
    rng = np.random.default_rng(seed)
    return [
        rng.normal(0, 1, (n, 3 * H)),
        rng.normal(0, 1, (H, 3 * H)),
        rng.normal(0, 0.5, (2, 3 * H)),
    ]


def keras_gru(weights, dtype="float64"):
    """A ``keras.layers.GRU(reset_after=True, return_sequences=True)`` holding ``weights``."""
    n, H = weights[0].shape[0], weights[1].shape[0]
    layer = keras.layers.GRU(H, return_sequences=True, reset_after=True, dtype=dtype)
    layer.build((None, None, n))
    layer.set_weights(weights)
    return layer


# Exercise 1 --------------------------------------------------------------------------------------

FROM_KERAS_MISTAKES = [
    (
        {"flip_z": False},
        "W_z has the sign of Keras's z: Keras keeps z of the old state, h_t = z ∘ h_tm1 + (1 − z) "
        "∘ h̃_t, ours takes z of the candidate. Since σ(−a) = 1 − σ(a), negate W_z, U_z and b_z.",
    ),
    (
        {"order": "rzh"},
        "z and r are swapped: Keras keeps the gates side by side in the order z, r, h, so z is "
        "the first H columns.",
    ),
    (
        {"order": "hrz"},
        "The gates are in the wrong order: Keras's are z, r, h (z first, the candidate last).",
    ),
    (
        {"sum_biases": False},
        "b_z and b_r miss Keras's recurrent biases: for z and r both rows of the (2, 3H) bias add "
        "up, σ(x W + b + h U + b'), so b_z is row 0 plus row 1 (negated, as z is).",
    ),
]


@exercise("Keras's default GRU as the paper's parameters")
def check_from_keras(answer):
    """``answer(weights)`` must return the ten parameters, as NumPy-like arrays."""
    n, H = 2, 3
    weights = keras_case(0, n, H)
    got = answer([w.copy() for w in weights])
    missing = [name for name in NAMES if name not in got]
    if missing:
        raise Wrong(f"the dict has no {', '.join(missing)}: expected the keys {', '.join(NAMES)}.")
    got = {name: np.asarray(got[name], np.float64) for name in NAMES}
    for name in NAMES:
        rows = n if name[0] == "W" else H
        expect_shape(name, got[name], (H,) if name[0] == "b" else (rows, H))
    expected = from_keras_reset_after(weights)
    if np.allclose(got["b_Uh"], expected["b_h"]) and np.allclose(got["b_h"], expected["b_Uh"]):
        raise Wrong(
            "b_h and b_Uh are swapped: row 0 of Keras's bias goes with x_t W (b_h), row 1 with "
            "h_tm1 U (b_Uh, inside the reset)."
        )
    for mistake, hint in FROM_KERAS_MISTAKES:
        wrong = from_keras_reset_after(weights, **mistake)
        if all(np.allclose(got[name], wrong[name]) for name in NAMES):
            raise Wrong(hint)
    for name in NAMES:
        expect_close(name, got[name], expected[name])
    return (
        "Ten parameters: the nine of the paper, with z negated and the two biases of z and of r "
        "summed, and b_Uh, the one bias that sits inside the reset and so cannot be summed."
    )


# Exercise 2 --------------------------------------------------------------------------------------


def reset_after_states(p, x, mistake=None):
    """The reset-after GRU's states, parameters ``p``, over ``x`` (batch, time, n), in NumPy.

    ``mistake`` is one of None, "reset_before", "b_Uh_outside", "no_b_Uh", "flip_z".
    """
    h = np.zeros((x.shape[0], p["U_z"].shape[0]))
    states = []
    for x_t in np.moveaxis(x, 1, 0):
        z = _sigmoid(x_t @ p["W_z"] + h @ p["U_z"] + p["b_z"])
        r = _sigmoid(x_t @ p["W_r"] + h @ p["U_r"] + p["b_r"])
        inner = {
            None: r * (h @ p["U_h"] + p["b_Uh"]),
            "reset_before": (r * h) @ p["U_h"] + p["b_Uh"],
            "b_Uh_outside": r * (h @ p["U_h"]) + p["b_Uh"],
            "no_b_Uh": r * (h @ p["U_h"]),
            "flip_z": r * (h @ p["U_h"] + p["b_Uh"]),
        }[mistake]
        h_tilde = np.tanh(x_t @ p["W_h"] + p["b_h"] + inner)
        h = z * h + (1 - z) * h_tilde if mistake == "flip_z" else (1 - z) * h + z * h_tilde
        states.append(h)
    return np.stack(states, axis=1)


STATE_MISTAKES = [
    (
        "reset_before",
        "That is the GRU written from scratch here, reset before the product as in Chung et "
        "al.: (r ∘ h_tm1) U_h. Reset after multiplies the product instead: "
        "r ∘ (h_tm1 U_h + b_Uh).",
    ),
    ("b_Uh_outside", "b_Uh is outside the reset: it belongs inside, r ∘ (h_tm1 U_h + b_Uh)."),
    ("no_b_Uh", "b_Uh is missing: the candidate needs r ∘ (h_tm1 U_h + b_Uh)."),
    (
        "flip_z",
        "z's convention is Keras's: with our (negated) z, h_t = (1 − z) ∘ h_tm1 + z ∘ h̃_t.",
    ),
]


def set_reset_after_parameters(gru, p):
    """Put the ten parameters ``p`` into ``gru``: the nine by ``set_parameters``, then ``b_Uh``."""
    gru.set_parameters({name: p[name] for name in PARAMETER_NAMES})
    gru.b_Uh.assign(p["b_Uh"])


@exercise("A GRU that resets after")
def check_reset_after_gru(ResetAfterGRU):
    """``ResetAfterGRU(input_size, hidden_size)`` must compute Keras's reset-after states."""
    n, H = 2, 3
    weights = keras_case(1, n, H)
    p = from_keras_reset_after(weights)
    gru = ResetAfterGRU(n, H)
    if not isinstance(gru, GRU):
        raise Wrong("make it a subclass, class ResetAfterGRU(GRU), so that it runs like a GRU.")
    try:  # a step still left as the stub counts as not attempted
        gru.step(tf.zeros((1, H)), tf.zeros((1, n)))
    except NotImplementedError:
        raise
    except Exception:  # noqa: S110  (what is wrong is reported below, more precisely)
        pass
    if not isinstance(getattr(gru, "b_Uh", None), tf.Variable):
        raise Wrong(
            "it needs a tenth parameter, a tf.Variable self.b_Uh of shape (hidden_size,), made "
            "in __init__ after super().__init__(...)."
        )
    expect_shape("b_Uh", gru.b_Uh, (H,))
    if not any(variable is gru.b_Uh for variable in gru.trainable_variables):
        raise Wrong("b_Uh is not among trainable_variables: make it a trainable tf.Variable.")
    set_reset_after_parameters(gru, p)
    x = np.random.default_rng(1).integers(0, 2, (4, 5, n)).astype(np.float32)
    got = np.asarray(gru(x), np.float64)
    expect_shape("the states", got, (4, 5, H))
    for mistake, hint in STATE_MISTAKES:
        if np.allclose(got, reset_after_states(p, x, mistake), atol=1e-4):
            raise Wrong(hint)
    expect_close("the states", got, reset_after_states(p, x), atol=1e-4)
    expect_close("the states", got, keras_gru(weights, "float32")(x), atol=1e-4)
    return (
        "With Keras's weights it gives keras.layers.GRU(reset_after=True)'s states: GRU's "
        "__call__ runs whatever step the subclass defines."
    )


# Exercise 3 --------------------------------------------------------------------------------------


def keras_adder(H=4, seed=0):
    """An untrained Keras adder with the default GRU, biases made random so that they count."""
    model = keras.Sequential(
        [
            keras.Input((None, 2)),
            keras.layers.GRU(H, return_sequences=True, reset_after=True),
            keras.layers.Dense(1),
        ]
    )
    rng = np.random.default_rng(seed)
    kernel, recurrent_kernel, bias = model.layers[0].get_weights()
    model.layers[0].set_weights([kernel, recurrent_kernel, rng.normal(0, 0.5, bias.shape)])
    W_y, b_y = model.layers[1].get_weights()
    model.layers[1].set_weights([W_y, rng.normal(0, 0.5, b_y.shape)])
    return model


@exercise("The Keras adder in gru_helpers")
def check_adder_from_keras(adder_from_keras):
    """``adder_from_keras(model)`` must return an ``Adder`` giving the Keras model's logits."""
    model = keras_adder()
    adder = adder_from_keras(model)
    if not isinstance(adder, Adder):
        raise Wrong(f"expected an Adder from gru_helpers, got {type(adder).__name__}.")
    x = np.random.default_rng(2).integers(0, 2, (8, 9, 2)).astype(np.float32)
    keras_states = np.asarray(model.layers[0](x))
    if not hasattr(adder.gru, "b_Uh"):
        raise Wrong(
            "adder.gru is still the GRU written from scratch (reset before): give the Adder a "
            "ResetAfterGRU, adder.gru = ResetAfterGRU(2, hidden_size), before setting weights."
        )
    states = np.asarray(adder.gru(x))
    expect_shape("adder.gru's states", states, keras_states.shape)
    if not np.allclose(states, keras_states, atol=1e-4):
        raise Wrong(
            "adder.gru's states differ from the Keras GRU layer's: put "
            "from_keras_reset_after(model.layers[0].get_weights()) into adder.gru (all ten "
            "parameters), and check Exercise 2 first."
        )
    logits = np.asarray(adder(x))
    if not np.allclose(logits, np.asarray(model(x)), atol=1e-4):
        raise Wrong(
            "the states match but the logits do not: the Dense layer's kernel and bias are "
            "W_y and b_y (adder.W_y.assign(...), adder.b_y.assign(...))."
        )
    return (
        "The Adder gives the Keras model's logits: a Keras adder trained with the default GRU "
        "can now add through adder.add(a, b)."
    )
