"""Stacked adders compute and train exactly what the adders do one by one."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gru_helpers import Adder, make_batch, squared_error
from gru_helpers.stacked import NAMES, StackedAdders, cropped, padded, set_weights, weights_of


def batch(seed, size=8, width=6):
    return make_batch(np.random.default_rng(seed), batch_size=size, width=width)


def test_weights_round_trip():
    adder, other = Adder(hidden_size=3, seed=0), Adder(hidden_size=3, seed=1)
    set_weights(other, weights_of(adder))
    x, _ = batch(0)
    np.testing.assert_array_equal(other(x), adder(x))


def test_set_weights_names_a_wrong_shape():
    weights = weights_of(Adder(hidden_size=3))
    weights["W_y"] = np.zeros((4, 1))
    with pytest.raises(ValueError, match="W_y: expected shape"):
        set_weights(Adder(hidden_size=3), weights)


def test_padded_then_cropped_is_the_same_weights():
    weights = weights_of(Adder(hidden_size=2, seed=3))
    back = cropped(padded(weights, 6), 2)
    for name in NAMES:
        np.testing.assert_array_equal(back[name], weights[name])


def test_padded_refuses_to_shrink():
    with pytest.raises(ValueError, match="at least the adder's 4 hidden units, got 2"):
        padded(weights_of(Adder(hidden_size=4)), 2)


def test_needs_an_adder():
    with pytest.raises(ValueError, match="at least one Adder"):
        StackedAdders([])


def test_unknown_loss():
    with pytest.raises(ValueError, match="loss: expected one of"):
        StackedAdders([Adder(hidden_size=2)], loss="hinge")


@pytest.mark.parametrize("width", [6, 70])  # unrolled, and through tf.scan
def test_each_slice_is_its_adder(width):
    adders = [Adder(hidden_size=k, seed=k) for k in (1, 3, 4)]
    stacked = StackedAdders(adders)
    x, y = batch(1, width=width)
    logits = stacked(x)
    assert logits.shape == (3, 8, width, 1)
    for i, adder in enumerate(adders):
        np.testing.assert_allclose(logits[i], adder(x), atol=1e-5)
    shares = stacked.exact_share(x, y)
    for i, adder in enumerate(adders):
        right = (adder(x).numpy()[..., 0] > 0) == y[..., 0]
        assert shares[i] == pytest.approx(right.all(axis=1).mean())


def test_one_batch_per_model():
    adders = [Adder(hidden_size=4, seed=seed) for seed in (0, 1)]
    (x0, _), (x1, _) = batch(0), batch(1)
    logits = StackedAdders(adders)(np.stack([x0, x1]))
    np.testing.assert_allclose(logits[0], adders[0](x0), atol=1e-6)
    np.testing.assert_allclose(logits[1], adders[1](x1), atol=1e-6)


def test_fit_is_independent_runs_of_adam():
    """Ten stacked steps land where ten plain steps of each adder land."""
    seeds = (0, 1)
    batches = [batch(seed, size=20, width=5) for seed in seeds]
    stacked = StackedAdders(
        [Adder(hidden_size=4, seed=seed) for seed in seeds],
        loss="squared_error",
        learning_rate=0.01,
    )
    stacked.fit(np.stack([x for x, _ in batches]), np.stack([y for _, y in batches]), steps=10)
    for i, seed in enumerate(seeds):
        alone, (x, y) = Adder(hidden_size=4, seed=seed), batches[i]
        optimizer = keras.optimizers.Adam(0.01)
        for _ in range(10):
            with tf.GradientTape() as tape:
                loss = squared_error(alone(x), y)
            variables = alone.trainable_variables
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        mine = stacked.weights(i)
        for name, value in weights_of(alone).items():
            np.testing.assert_allclose(mine[name], value, atol=1e-5, err_msg=name)


def test_padding_units_stay_zero_while_training():
    adders = [Adder(hidden_size=k, seed=0) for k in (1, 3)]
    stacked = StackedAdders(adders, hidden_size=5)
    for seed in range(3):
        losses = stacked.fit(*batch(seed, width=9))
    assert losses.shape == (2,)
    for name in NAMES:
        value = getattr(stacked, name).numpy()[0]  # the 1-unit model, padded to 5
        if name in ("W_y",):
            assert not value[0, 1:].any(), name
        elif name.startswith("U"):
            assert not value[1:].any() and not value[:, 1:].any(), name
        elif name != "b_y":
            assert not value[..., 1:].any(), name
    copies = stacked.copy_to_adders([Adder(hidden_size=k, seed=9) for k in (1, 3)])
    x, _ = batch(5)
    np.testing.assert_allclose(stacked(x)[1], copies[1](x), atol=1e-6)
    assert copies[0].gru.U_z.shape == (1, 1)


def test_fit_each_is_fit_on_one_batch_after_another():
    batches = [batch(seed, width=7) for seed in range(3)]
    one_by_one = StackedAdders([Adder(hidden_size=3, seed=s) for s in (0, 1)])
    for x, y in batches:
        one_by_one.fit(x, y)
    at_once = StackedAdders([Adder(hidden_size=3, seed=s) for s in (0, 1)])
    at_once.fit_each(np.stack([x for x, _ in batches]), np.stack([y for _, y in batches]))
    for name in NAMES:
        np.testing.assert_allclose(getattr(at_once, name), getattr(one_by_one, name), atol=1e-6)
