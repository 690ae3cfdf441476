import numpy as np
import pytest
import tensorflow as tf

from gru_helpers import GRU, PARAMETER_NAMES, Adder, make_batch, train
from gru_helpers.fast_gru import FastGRU

SHAPES = [  # (batch, time, input, hidden); the last is longer than the unrolled loop goes
    (1, 1, 1, 1),
    (3, 1, 2, 4),
    (4, 17, 2, 16),
    (2, 5, 3, 6),
    (3, FastGRU.max_unrolled_steps + 6, 2, 5),
]


def twin_grus(inputs, hidden, seed, dtype=tf.float32):
    """A GRU and a FastGRU with the same random parameters, biases included (not zeros)."""
    slow = GRU(inputs, hidden, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 100)
    slow.set_parameters(
        {name: rng.normal(0, 0.7, size=getattr(slow, name).shape) for name in PARAMETER_NAMES}
    )
    fast = FastGRU(inputs, hidden, seed=seed + 1, dtype=dtype)
    fast.set_parameters(slow.get_parameters())
    return slow, fast


def loss_and_gradients(gru, x, h0, weights):
    """A scalar that depends on every hidden state; its gradient for the parameters, x and h0."""
    x, h0 = tf.constant(x), tf.constant(h0)
    with tf.GradientTape() as tape:
        tape.watch([x, h0])
        loss = tf.reduce_sum(gru(x, h0) * weights)
    sources = [getattr(gru, name) for name in PARAMETER_NAMES] + [x, h0]
    return loss.numpy(), [g.numpy() for g in tape.gradient(loss, sources)]


@pytest.mark.parametrize("batch, time, inputs, hidden", SHAPES)
def test_same_states_as_gru(batch, time, inputs, hidden):
    slow, fast = twin_grus(inputs, hidden, seed=batch + time)
    x = np.random.default_rng(0).normal(size=(batch, time, inputs)).astype(np.float32)
    h0 = np.random.default_rng(1).uniform(-1, 1, size=(batch, hidden)).astype(np.float32)
    np.testing.assert_allclose(fast(x).numpy(), slow(x).numpy(), atol=1e-5)
    np.testing.assert_allclose(fast(x, h0).numpy(), slow(x, h0).numpy(), atol=1e-5)


@pytest.mark.parametrize("batch, time, inputs, hidden", SHAPES)
def test_same_gradient_as_gru(batch, time, inputs, hidden):
    slow, fast = twin_grus(inputs, hidden, seed=7)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(batch, time, inputs)).astype(np.float32)
    h0 = rng.uniform(-1, 1, size=(batch, hidden)).astype(np.float32)
    weights = rng.normal(size=(batch, time, hidden)).astype(np.float32)
    slow_loss, slow_grads = loss_and_gradients(slow, x, h0, weights)
    fast_loss, fast_grads = loss_and_gradients(fast, x, h0, weights)
    np.testing.assert_allclose(fast_loss, slow_loss, rtol=1e-5, atol=1e-5)
    for name, mine, theirs in zip([*PARAMETER_NAMES, "x", "h0"], fast_grads, slow_grads):
        np.testing.assert_allclose(mine, theirs, atol=1e-5, err_msg=name)


def test_same_states_and_gradient_in_a_tf_function():
    """Traced, the unrolled loop calls its step as one function, and computes the same."""
    slow, fast = twin_grus(2, 5, seed=9)
    x = tf.constant(np.random.default_rng(5).normal(size=(3, 11, 2)), tf.float32)

    def states_and_gradient(gru):
        with tf.GradientTape() as tape:
            states = gru(x)
            loss = tf.reduce_sum(tf.sin(states))
        return states, tape.gradient(loss, [getattr(gru, name) for name in PARAMETER_NAMES])

    traced = tf.function(lambda: states_and_gradient(fast))
    calls = [
        op
        for op in traced.get_concrete_function().graph.get_operations()
        if op.type.endswith("PartitionedCall")
    ]
    assert len(calls) == 2 * 11  # the step at every time step, and its gradient
    (states, gradient), (slow_states, slow_gradient) = traced(), states_and_gradient(slow)
    np.testing.assert_allclose(states, slow_states, atol=1e-5)
    for name, mine, theirs in zip(PARAMETER_NAMES, gradient, slow_gradient):
        np.testing.assert_allclose(mine, theirs, atol=1e-5, err_msg=name)


def test_the_loop_through_tf_scan_when_the_length_is_unknown_or_unrolling_is_off():
    slow, fast = twin_grus(2, 4, seed=3)
    x = np.random.default_rng(4).normal(size=(3, 9, 2)).astype(np.float32)
    unknown_length = tf.function(
        fast, input_signature=[tf.TensorSpec((None, None, 2), tf.float32)]
    )
    np.testing.assert_allclose(unknown_length(x).numpy(), slow(x).numpy(), atol=1e-5)
    fast.max_unrolled_steps = 0
    np.testing.assert_allclose(fast(x).numpy(), slow(x).numpy(), atol=1e-5)


def test_float64_and_an_empty_sequence():
    slow, fast = twin_grus(2, 3, seed=5, dtype=tf.float64)
    x = np.random.default_rng(6).normal(size=(2, 6, 2))
    out = fast(x)
    assert out.dtype == tf.float64
    np.testing.assert_allclose(out.numpy(), slow(x).numpy(), atol=1e-12)
    assert fast(np.zeros((2, 0, 2))).shape == slow(np.zeros((2, 0, 2))).shape == (2, 0, 3)


def test_fast_adder_is_the_same_adder(tmp_path):
    slow, fast = Adder(hidden_size=8, seed=3), Adder(hidden_size=8, seed=3, fast=True)
    assert isinstance(fast.gru, FastGRU) and type(slow.gru) is GRU
    for name in PARAMETER_NAMES:
        np.testing.assert_array_equal(
            getattr(fast.gru, name).numpy(), getattr(slow.gru, name).numpy()
        )
    x, _ = make_batch(np.random.default_rng(0), 5, 12)
    np.testing.assert_allclose(fast(x).numpy(), slow(x).numpy(), atol=1e-5)
    # One checkpoint format: a fast adder's weights load into a plain one.
    trained = Adder(hidden_size=8, seed=9, fast=True)
    train(trained, steps=3)
    slow.restore(trained.save(tmp_path / "fast"))
    np.testing.assert_allclose(slow(x).numpy(), trained(x).numpy(), atol=1e-5)


def test_training_a_fast_adder_follows_the_same_path():
    slow = train(Adder(hidden_size=8, seed=1), steps=20, eval_every=10)
    fast = train(Adder(hidden_size=8, seed=1, fast=True), steps=20, eval_every=10)
    np.testing.assert_allclose(fast.train_loss, slow.train_loss, rtol=1e-4)
    np.testing.assert_allclose(fast.validation_loss, slow.validation_loss, rtol=1e-4)
