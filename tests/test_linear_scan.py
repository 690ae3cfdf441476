"""linear_scan: the parallel scan equals the sequential loop, with gradients and clear errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from packaging.version import Version

from gru_helpers.linear_scan import linear_scan, sequential_scan


def inputs(batch, steps, units, dtype=np.float32, seed=0):
    """a in (0, 1) as a gate gives it, b and h0 of either sign."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 1, (batch, steps, units)).astype(dtype)
    b = rng.normal(size=(batch, steps, units)).astype(dtype)
    h0 = rng.normal(size=(batch, units)).astype(dtype)
    return a, b, h0


def by_hand(a, b, h0):
    """The recurrence in NumPy, float64, one step at a time."""
    h, states = np.asarray(h0, np.float64), []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        states.append(h)
    return np.stack(states, axis=1)


@pytest.mark.parametrize("steps", [1, 2, 3, 5, 8, 63, 64, 65, 1000, 4097, 6000])
@pytest.mark.parametrize("dtype, tolerance", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_equals_the_loop_for_any_length(steps, dtype, tolerance):
    a, b, h0 = inputs(2, steps, 3, dtype, seed=steps)
    expected = by_hand(a, b, h0)
    parallel = linear_scan(a, b, h0)
    assert parallel.dtype == dtype and parallel.shape == (2, steps, 3)
    np.testing.assert_allclose(parallel, expected, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(sequential_scan(a, b, h0), expected, rtol=tolerance, atol=tolerance)


def test_h0_defaults_to_zeros():
    a, b, h0 = inputs(3, 20, 2)
    np.testing.assert_allclose(linear_scan(a, b), by_hand(a, b, 0 * h0), atol=1e-6)


def test_a_gate_that_keeps_everything_adds_up_and_one_that_keeps_nothing_copies_b():
    ones, b = np.ones((1, 50, 1), np.float32), np.ones((1, 50, 1), np.float32)
    np.testing.assert_allclose(linear_scan(ones, b)[0, :, 0], np.arange(1, 51))
    np.testing.assert_allclose(linear_scan(0 * ones, 3 * b, h0=[[7.0]]), 3 * b)


@pytest.mark.parametrize("steps", [1, 7, 300])
def test_in_a_tf_function_for_a_length_unknown_when_traced(steps):
    spec = tf.TensorSpec((None, None, 3), tf.float32)
    scan = tf.function(linear_scan, input_signature=[spec, spec, tf.TensorSpec((None, 3))])
    a, b, h0 = inputs(2, steps, 3)
    np.testing.assert_allclose(scan(a, b, h0), by_hand(a, b, h0), rtol=1e-5, atol=1e-5)
    assert scan.experimental_get_tracing_count() == 1


def test_gradients_equal_the_loops():
    a, b, h0 = (tf.constant(part) for part in inputs(2, 37, 3, np.float64))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b, h0])
        parallel = tf.reduce_sum(tf.sin(linear_scan(a, b, h0)))
        sequential = tf.reduce_sum(tf.sin(sequential_scan(a, b, h0)))
    for part in (a, b, h0):
        np.testing.assert_allclose(
            tape.gradient(parallel, part), tape.gradient(sequential, part), rtol=1e-10
        )


def test_gradients_for_a_length_unknown_when_traced():
    spec = tf.TensorSpec((None, None, 2), tf.float32)

    @tf.function(input_signature=[spec, spec])
    def gradient(a, b):
        with tf.GradientTape() as tape:
            tape.watch(b)
            loss = tf.reduce_sum(linear_scan(a, b) ** 2)
        return tape.gradient(loss, b)

    a, b, _ = inputs(1, 19, 2)
    b_ = tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch(b_)
        loss = tf.reduce_sum(sequential_scan(a, b_) ** 2)
    np.testing.assert_allclose(gradient(a, b), tape.gradient(loss, b_), rtol=1e-4, atol=1e-6)


@pytest.mark.skipif(
    Version(keras.__version__) < Version("3.14"),
    reason="keras.ops.associative_scan recurses forever in a tf.function before 3.14",
)
def test_agrees_with_keras_associative_scan():
    a, b, _ = inputs(2, 100, 3)

    def compose(earlier, later):
        return earlier[0] * later[0], later[0] * earlier[1] + later[1]

    _, h = keras.ops.associative_scan(compose, (a, b), axis=1)
    np.testing.assert_allclose(linear_scan(a, b), h, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "a, b, h0, message",
    [
        (np.ones((2, 3)), np.ones((2, 3)), None, r"a: expected rank 3, .* got shape \(2, 3\)"),
        (
            np.ones((2, 3, 4)),
            np.ones((2, 3, 5)),
            None,
            r"b: expected the shape of a, \(2, 3, 4\), got \(2, 3, 5\)",
        ),
        (
            np.ones((2, 3, 4)),
            np.ones((2, 3, 4)),
            np.ones((2, 5)),
            r"h0: expected \(batch, units\) of a, \(2, 4\), got \(2, 5\)",
        ),
        (np.ones((2, 0, 4)), np.ones((2, 0, 4)), None, "a: expected at least one time step"),
        (
            np.ones((1, 3, 1), np.float64),
            np.ones((1, 3, 1), np.float32),
            None,
            "b: expected the dtype of a, float64, got float32",
        ),
    ],
)
def test_bad_input_is_named(a, b, h0, message):
    with pytest.raises(ValueError, match=message):
        linear_scan(a, b, h0)
    with pytest.raises(ValueError, match=message):
        sequential_scan(a, b, h0)


def test_a_length_of_0_is_named_when_known_only_at_run_time():
    spec = tf.TensorSpec((None, None, 1), tf.float32)
    scan = tf.function(linear_scan, input_signature=[spec, spec])
    empty = np.zeros((1, 0, 1), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least one time step"):
        scan(empty, empty)
