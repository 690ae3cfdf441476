"""The checks of notebook 09's exercises: right answers pass, typical wrong ones get their hint."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gru_helpers import GRU, count_operations
from gru_helpers.exercises import making_it_fast


def stub(*args):
    raise NotImplementedError  # your code here


class StubGRU(GRU):
    def step(self, h_tm1, x_t):
        raise NotImplementedError  # your code here


def test_not_attempted():
    for check, answer in (
        (making_it_fast.check_multiply_adds, stub),
        (making_it_fast.check_lean_gru, StubGRU),
        (making_it_fast.check_adam_step, stub),
    ):
        assert check(answer).status == "not attempted"
        assert check(...).status == "not attempted"


def test_multiply_adds_right():
    def multiply_adds(batch, width, inputs, hidden):
        per_step = batch * (inputs * 3 * hidden + 3 * hidden**2 + hidden)
        return 3 * width * per_step

    assert making_it_fast.check_multiply_adds(multiply_adds)
    assert multiply_adds(64, 17, 2, 16) == 2_872_320  # the notebook's "about 2.9 million"


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda B, T, n, H: T * B * (3 * n * H + 3 * H**2 + H), "the forward pass"),
        (lambda B, T, n, H: 3 * T * B * (3 * n * H + 2 * H**2 + H), "3 H² per step"),
        (lambda B, T, n, H: 3 * T * B * (3 * n * H + 3 * H**2), "readout is missing"),
        (lambda B, T, n, H: 3 * T * B * (n * H + 3 * H**2 + H), "own input weights"),
        (lambda B, T, n, H: 3 * B * (3 * n * H + 3 * H**2 + H), "one time step"),
        (lambda B, T, n, H: 3 * T * (3 * n * H + 3 * H**2 + H), "one addition"),
        (lambda B, T, n, H: 2 * T * B * (3 * n * H + 3 * H**2 + H), "expected"),
    ],
)
def test_multiply_adds_wrong(answer, hint):
    feedback = making_it_fast.check_multiply_adds(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


class LeanGRU(GRU):
    def step(self, h_tm1, x_t):
        z_t = tf.sigmoid(x_t @ self.W_z + h_tm1 @ self.U_z + self.b_z)
        r_t = tf.sigmoid(x_t @ self.W_r + h_tm1 @ self.U_r + self.b_r)
        h_tilde = tf.tanh(x_t @ self.W_h + (r_t * h_tm1) @ self.U_h + self.b_h)
        return h_tm1 + z_t * (h_tilde - h_tm1)


class KerasZ(GRU):
    def step(self, h_tm1, x_t):
        z_t = tf.sigmoid(x_t @ self.W_z + h_tm1 @ self.U_z + self.b_z)
        r_t = tf.sigmoid(x_t @ self.W_r + h_tm1 @ self.U_r + self.b_r)
        h_tilde = tf.tanh(x_t @ self.W_h + (r_t * h_tm1) @ self.U_h + self.b_h)
        return h_tilde + z_t * (h_tm1 - h_tilde)


class NoReset(GRU):
    def step(self, h_tm1, x_t):
        z_t = tf.sigmoid(x_t @ self.W_z + h_tm1 @ self.U_z + self.b_z)
        h_tilde = tf.tanh(x_t @ self.W_h + h_tm1 @ self.U_h + self.b_h)
        return h_tm1 + z_t * (h_tilde - h_tm1)


class Renamed(GRU):  # the same step, as many operations
    pass


def test_lean_gru_right():
    feedback = making_it_fast.check_lean_gru(LeanGRU)
    assert feedback
    h_tm1, x_t = tf.zeros((5, 4)), tf.zeros((5, 2))
    theirs = count_operations(GRU(2, 4).step, h_tm1, x_t).operations  # the notebook's count
    assert f"with {theirs - 1} operations per step instead of {theirs}" in feedback.message


@pytest.mark.parametrize(
    "answer, hint",
    [
        (KerasZ, "z's convention is flipped"),
        (NoReset, "reset gate is missing"),
        (Renamed, "The same states, but"),
        (lambda n, H, seed: object(), "make it a subclass"),
    ],
)
def test_lean_gru_wrong(answer, hint):
    feedback = making_it_fast.check_lean_gru(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def adam_step(variable, gradient, m, v, t, learning_rate=0.01, beta_1=0.9, beta_2=0.999):
    m.assign(beta_1 * m + (1 - beta_1) * gradient)
    v.assign(beta_2 * v + (1 - beta_2) * gradient**2)
    m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)  # the textbook's bias correction
    variable.assign_sub(learning_rate * m_hat / (tf.sqrt(v_hat) + 1e-7))


def test_adam_step_right_and_matches_keras():
    assert making_it_fast.check_adam_step(adam_step)
    rng = np.random.default_rng(0)
    start, gradients = rng.normal(0, 1, (3, 4)), [rng.normal(0, 1, (3, 4)) for _ in range(3)]
    variable = tf.Variable(start, dtype=tf.float32)
    optimizer = keras.optimizers.Adam(0.01)
    for gradient in gradients:
        optimizer.apply_gradients([(tf.constant(gradient, tf.float32), variable)])
    np.testing.assert_allclose(
        variable.numpy(), making_it_fast.adam_numpy(start, gradients), atol=1e-6
    )


def no_correction(variable, gradient, m, v, t):
    m.assign(0.9 * m + 0.1 * gradient)
    v.assign(0.999 * v + 0.001 * gradient**2)
    variable.assign_sub(0.01 * m / (tf.sqrt(v) + 1e-7))


def no_square(variable, gradient, m, v, t):
    m.assign(0.9 * m + 0.1 * gradient)
    v.assign(0.999 * v + 0.001 * gradient)
    step = 0.01 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t) * m / (tf.sqrt(tf.abs(v)) + 1e-7)
    variable.assign_sub(step)


def ascent(variable, gradient, m, v, t):
    adam_step(variable, -gradient, m, v, t)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (no_correction, "bias correction is missing"),
        (no_square, "squared gradient"),
        (
            lambda variable, g, m, v, t: adam_step(variable, g, m, v, t, 0.01, 0.999, 0.9),
            "swapped",
        ),
        (ascent, "climbs"),
        (lambda variable, g, m, v, t: None, "did not change"),
        (lambda variable, g, m, v, t: adam_step(variable, g, m, v, t - 1), "t counts from 1"),
    ],
)
def test_adam_step_wrong(answer, hint):
    feedback = making_it_fast.check_adam_step(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback
