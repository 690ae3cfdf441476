"""MinGRU: the parallel path equals the step-by-step oracle; the adder on it trains and adds."""

import numpy as np
import pytest
import tensorflow as tf

from gru_helpers import exact_for, make_batch, train
from gru_helpers.min_gru import MinGRU, MinGRUAdder


def test_the_update_is_the_papers():
    cell = MinGRU(input_size=3, hidden_size=4, seed=1)
    rng = np.random.default_rng(0)
    h_tm1, x_t = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    W_z, b_z, W_h, b_h = (getattr(cell, n).numpy() for n in ("W_z", "b_z", "W_h", "b_h"))
    z = 1 / (1 + np.exp(-(x_t @ W_z + b_z)))
    expected = (1 - z) * h_tm1 + z * (x_t @ W_h + b_h)
    step = cell.step(tf.constant(h_tm1, tf.float32), tf.constant(x_t, tf.float32))
    np.testing.assert_allclose(step, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("steps", [1, 2, 17, 64, 65, 1000])
@pytest.mark.parametrize("dtype, tolerance", [(tf.float32, 1e-5), (tf.float64, 1e-12)])
def test_parallel_equals_step_by_step(steps, dtype, tolerance):
    cell = MinGRU(input_size=2, hidden_size=5, seed=steps, dtype=dtype)
    rng = np.random.default_rng(steps)
    x, h0 = rng.normal(size=(3, steps, 2)), rng.normal(size=(3, 5))
    parallel, oracle = cell(x, h0), cell.sequential(x, h0)
    assert parallel.dtype == dtype
    np.testing.assert_allclose(parallel, oracle, rtol=tolerance, atol=tolerance)


def test_gradients_of_both_paths_agree():
    cell = MinGRU(input_size=2, hidden_size=3, seed=0, dtype=tf.float64)
    x = np.random.default_rng(1).normal(size=(2, 30, 2))
    gradients = []
    for path in (cell, cell.sequential):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.tanh(path(x)))
        gradients.append(tape.gradient(loss, cell.trainable_variables))
    for parallel, oracle in zip(*gradients):
        np.testing.assert_allclose(parallel, oracle, rtol=1e-9, atol=1e-12)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"x: expected shape \(batch, time, 2\) .* got \(4, 5\)"):
        MinGRU(2, 3)(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="hidden_size: expected an integer of at least 1, got 0"):
        MinGRU(2, 0)
    with pytest.raises(ValueError, match=r"x: expected shape \(batch, time, 2\), got \(4, 5, 3\)"):
        MinGRUAdder(hidden_size=2)(np.zeros((4, 5, 3)))
    with pytest.raises(ValueError, match="a: expected at least one time step"):
        MinGRU(2, 3)(np.zeros((4, 0, 2)))


def test_the_adder_reads_one_hot_pairs_and_the_state_before_each_column():
    adder = MinGRUAdder(hidden_size=4, seed=0)
    pairs = adder.one_hot(np.array([[[0, 0], [0, 1], [1, 0], [1, 1]]], np.float32))
    np.testing.assert_array_equal(pairs[0], np.eye(4))
    x, _ = make_batch(np.random.default_rng(0), 3, 9)
    logits = adder(x)
    changed = x.copy()
    changed[:, 5:] = 1 - changed[:, 5:]  # later columns cannot change earlier bits
    np.testing.assert_allclose(adder(changed)[:, :5], logits[:, :5], atol=1e-6)
    assert not np.allclose(adder(changed)[:, 5], logits[:, 5])


def test_the_adder_learns_16_bit_sums_with_train():
    adder = MinGRUAdder(hidden_size=16, seed=1)
    history = train(adder, steps=1500, seed=1, stop=exact_for(25))
    assert history.stopped
    unseen = make_batch(np.random.default_rng(99), 500, 17)
    assert (adder.predict_bits(unseen[0]) == unseen[1][..., 0]).all(axis=1).mean() >= 0.99
    assert adder.add(40000, 25535) == 65535
