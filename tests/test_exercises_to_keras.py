"""The checks of notebook 10's exercises: right answers pass, typical wrong ones get their hint."""

import numpy as np
import pytest
import tensorflow as tf

from gru_helpers import GRU, Adder
from gru_helpers.exercises import to_keras


def stub(*args):
    raise NotImplementedError  # your code here


class ResetAfterGRU(GRU):
    """The answer to exercise 2, with switches for the likely mistakes."""

    mistake = None

    def __init__(self, input_size, hidden_size, seed=0, dtype=tf.float32):
        super().__init__(input_size, hidden_size, seed=seed, dtype=dtype)
        self.b_Uh = tf.Variable(tf.zeros(hidden_size, dtype), name="b_Uh")

    def step(self, h_tm1, x_t):
        z_t = tf.sigmoid(x_t @ self.W_z + h_tm1 @ self.U_z + self.b_z)
        r_t = tf.sigmoid(x_t @ self.W_r + h_tm1 @ self.U_r + self.b_r)
        if self.mistake == "reset_before":
            inner = (r_t * h_tm1) @ self.U_h + self.b_Uh
        elif self.mistake == "b_Uh_outside":
            inner = r_t * (h_tm1 @ self.U_h) + self.b_Uh
        else:
            inner = r_t * (h_tm1 @ self.U_h + self.b_Uh)
        h_tilde = tf.tanh(x_t @ self.W_h + self.b_h + inner)
        if self.mistake == "flip_z":
            return z_t * h_tm1 + (1 - z_t) * h_tilde
        return (1 - z_t) * h_tm1 + z_t * h_tilde


def mistaken(name):
    return type(f"ResetAfterGRU_{name}", (ResetAfterGRU,), {"mistake": name})


def adder_from_keras(model, gru_class=ResetAfterGRU, readout=True):
    gru_layer, dense = model.layers
    adder = Adder(hidden_size=gru_layer.units)
    adder.gru = gru_class(2, gru_layer.units)
    to_keras.set_reset_after_parameters(
        adder.gru, to_keras.from_keras_reset_after(gru_layer.get_weights())
    )
    if readout:
        W_y, b_y = dense.get_weights()
        adder.W_y.assign(W_y)
        adder.b_y.assign(b_y)
    return adder


class StubGRU(GRU):  # as the notebook leaves it
    def __init__(self, input_size, hidden_size, seed=0):
        super().__init__(input_size, hidden_size, seed=seed)
        ...  # your code here: self.b_Uh

    def step(self, h_tm1, x_t):
        raise NotImplementedError  # your code here


def test_not_attempted():
    for check, answer in (
        (to_keras.check_from_keras, stub),
        (to_keras.check_reset_after_gru, StubGRU),
        (to_keras.check_adder_from_keras, stub),
    ):
        assert check(answer).status == "not attempted"
        assert check(...).status == "not attempted"


def test_reference_conversion_matches_keras():
    weights = to_keras.keras_case(5, 2, 4)
    x = np.random.default_rng(5).integers(0, 2, (3, 6, 2)).astype(np.float64)
    np.testing.assert_allclose(
        to_keras.reset_after_states(to_keras.from_keras_reset_after(weights), x),
        to_keras.keras_gru(weights)(x),
        atol=1e-10,
    )


def test_from_keras_right():
    assert to_keras.check_from_keras(to_keras.from_keras_reset_after)


def swap_b_h(weights):
    p = to_keras.from_keras_reset_after(weights)
    p["b_h"], p["b_Uh"] = p["b_Uh"], p["b_h"]
    return p


def nine_only(weights):
    p = to_keras.from_keras_reset_after(weights)
    del p["b_Uh"]
    return p


def transposed(weights):
    p = to_keras.from_keras_reset_after(weights)
    p["W_z"] = p["W_z"].T
    return p


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda w: to_keras.from_keras_reset_after(w, flip_z=False), "negate W_z, U_z and b_z"),
        (lambda w: to_keras.from_keras_reset_after(w, order="rzh"), "z and r are swapped"),
        (lambda w: to_keras.from_keras_reset_after(w, order="hrz"), "wrong order"),
        (lambda w: to_keras.from_keras_reset_after(w, sum_biases=False), "row 0 plus row 1"),
        (swap_b_h, "b_h and b_Uh are swapped"),
        (nine_only, "the dict has no b_Uh"),
        (transposed, "looks transposed"),
    ],
)
def test_from_keras_wrong(answer, hint):
    feedback = to_keras.check_from_keras(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_reset_after_gru_right():
    assert to_keras.check_reset_after_gru(ResetAfterGRU)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (mistaken("reset_before"), "reset before the product"),
        (mistaken("b_Uh_outside"), "b_Uh is outside the reset"),
        (mistaken("flip_z"), "z's convention is Keras's"),
        (GRU, "a tenth parameter"),
        (lambda n, H: object(), "make it a subclass"),
    ],
)
def test_reset_after_gru_wrong(answer, hint):
    feedback = to_keras.check_reset_after_gru(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_adder_from_keras_right():
    assert to_keras.check_adder_from_keras(adder_from_keras)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda model: adder_from_keras(model, readout=False), "W_y and b_y"),
        (lambda model: adder_from_keras(model, mistaken("flip_z")), "check Exercise 2 first"),
        (lambda model: Adder(model.layers[0].units), "still the GRU written from scratch"),
        (lambda model: model, "expected an Adder"),
    ],
)
def test_adder_from_keras_wrong(answer, hint):
    feedback = to_keras.check_adder_from_keras(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback
