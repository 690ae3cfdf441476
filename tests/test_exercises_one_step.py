"""The checks of notebook 02's exercises: right answers pass, typical wrong ones get their hint."""

import keras
import numpy as np
import pytest

from gru_helpers.exercises import one_step


def stub(*args):
    raise NotImplementedError  # your code here


def test_parameter_count_right_and_agrees_with_keras():
    def count(n, H, reset_after):
        return 3 * (n * H + H * H + (2 if reset_after else 1) * H)

    assert one_step.check_parameter_count(count)
    for n, H in [(2, 16), (5, 3)]:
        for reset_after in (False, True):
            layer = keras.layers.GRU(H, reset_after=reset_after)
            layer.build((None, 7, n))
            assert layer.count_params() == count(n, H, reset_after)


@pytest.mark.parametrize(
    "count, hint",
    [
        (lambda n, H, after: 3 * (n * H + H * H + H), "reset_after=False every time"),
        (lambda n, H, after: n * H + H * H + (2 if after else 1) * H, "one gate's worth"),
        (lambda n, H, after: 3 * (n * H + H * H), "biases are missing"),
        (lambda n, H, after: 3 * (2 * n * H + (2 if after else 1) * H), "(H, H)"),
        (lambda n, H, after: 3 * (n * H + H * H + (1 if after else 2) * H), "wrong way round"),
        (lambda n, H, after: 3 * (n * H + H * H + 2 * H) + 1, "expected"),
    ],
)
def test_parameter_count_wrong(count, hint):
    feedback = one_step.check_parameter_count(count)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


# The worked example of notebook 02.
P = {
    "W_z": np.array([[1.0, -1.0], [1.0, -1.0]]),
    "U_z": np.array([[0.5, 0.0], [0.0, 0.5]]),
}
X_T, H_TM1 = np.array([[1.0, 0.0]]), np.array([[0.5, -0.5]])


def test_keep_most_right():
    b_z = np.log(0.1 / 0.9) - (X_T @ P["W_z"] + H_TM1 @ P["U_z"])[0]
    assert one_step.check_keep_most(b_z, P, X_T, H_TM1)
    b_z_row = np.log(0.1 / 0.9) - (X_T @ P["W_z"] + H_TM1 @ P["U_z"])  # shape (1, 2) is fine
    assert one_step.check_keep_most(b_z_row, P, X_T, H_TM1)


@pytest.mark.parametrize(
    "b_z, hint",
    [
        (np.log(0.9 / 0.1) - np.array([1.25, -1.25]), "z is the share of the candidate"),
        (np.full(2, np.log(0.1 / 0.9)), "subtract it"),
        (np.zeros(3), "expected (2,)"),
        (np.log(0.1 / 0.9) + np.array([1.25, -1.25]), "expected"),
    ],
)
def test_keep_most_wrong(b_z, hint):
    feedback = one_step.check_keep_most(b_z, P, X_T, H_TM1)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_reference_step_is_keras_default_gru():
    h_tm1, x_t, kernel, recurrent_kernel, bias = one_step.keras_step_case()
    layer = keras.layers.GRU(h_tm1.shape[1], dtype="float64")
    layer.build((None, 1, x_t.shape[1]))
    assert layer.reset_after
    layer.set_weights([kernel, recurrent_kernel, bias])
    keras_h = np.asarray(layer(x_t[:, np.newaxis], initial_state=h_tm1))
    reference = one_step.keras_step(h_tm1, x_t, kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(reference, keras_h, atol=1e-10)
    assert one_step.check_keras_step(one_step.keras_step)


def reader_step(h_tm1, x_t, kernel, recurrent_kernel, bias):
    H = h_tm1.shape[1]
    x_part, h_part = x_t @ kernel + bias[0], h_tm1 @ recurrent_kernel + bias[1]
    z = 1 / (1 + np.exp(-(x_part[:, :H] + h_part[:, :H])))
    r = 1 / (1 + np.exp(-(x_part[:, H : 2 * H] + h_part[:, H : 2 * H])))
    h_tilde = np.tanh(x_part[:, 2 * H :] + r * h_part[:, 2 * H :])
    return z * h_tm1 + (1 - z) * h_tilde


def test_keras_step_right():
    assert one_step.check_keras_step(reader_step)


def without_recurrent_bias(h_tm1, x_t, kernel, recurrent_kernel, bias):
    return one_step.keras_step(
        h_tm1, x_t, kernel, recurrent_kernel, np.stack([bias[0], 0 * bias[1]])
    )


@pytest.mark.parametrize(
    "mistake, hint",
    [
        ({"flip_z": True}, "z's convention is flipped"),
        ({"swap_gates": True}, "gates are swapped"),
        ({"swap_gates": True, "flip_z": True}, "Two things"),
        ({"reset_before": True}, "That is reset_after=False"),
        ({"swap_bias_rows": True}, "bias rows are swapped"),
    ],
)
def test_keras_step_wrong(mistake, hint):
    feedback = one_step.check_keras_step(lambda *case: one_step.keras_step(*case, **mistake))
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_keras_step_other_mistakes():
    feedback = one_step.check_keras_step(without_recurrent_bias)
    assert feedback.status == "wrong" and "recurrent bias" in feedback.message, feedback
    feedback = one_step.check_keras_step(lambda h, x, k, rk, b: reader_step(h, x, k, rk, b).T)
    assert feedback.status == "wrong" and "transposed" in feedback.message, feedback


def test_not_attempted():
    assert one_step.check_parameter_count(stub).status == "not attempted"
    assert one_step.check_keep_most(..., P, X_T, H_TM1).status == "not attempted"
    assert one_step.check_keras_step(stub).status == "not attempted"
