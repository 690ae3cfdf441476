"""Stacked adders compute and train what the adders do one by one."""

import numpy as np
import pytest
import tensorflow as tf

from gru_helpers import Adder, exact_for, make_batch, one_batch, squared_error, train
from gru_helpers.side_by_side import (
    NAMES,
    StackedAdders,
    cropped,
    padded,
    set_weights,
    train_side_by_side,
    weights_of,
)


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


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="loss: expected one of"):
        train_side_by_side([Adder(hidden_size=2)], 5, [0], loss="hinge")
    with pytest.raises(ValueError, match=r"seeds: expected one seed per adder \(2\), got 1"):
        train_side_by_side([Adder(hidden_size=2), Adder(hidden_size=2)], 5, [0])


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


def test_side_by_side_is_independent_runs_of_train():
    """Each adder ends where train alone takes it: its own seed's batches, its own stop."""
    seeds = (0, 1, 2)
    adders = [Adder(hidden_size=4, seed=seed) for seed in seeds]
    order = []  # the histories in the order of the adders: the rule meets them so

    def stop(history):  # adder i stops after 10 * (i + 1) steps
        if not any(seen is history for seen in order):
            order.append(history)
        i = next(i for i, seen in enumerate(order) if seen is history)
        return history.step[-1] >= 10 * (i + 1)

    histories = train_side_by_side(adders, 40, seeds, eval_every=5, stop=stop)
    assert [h.step[-1] for h in histories] == [10, 20, 30]
    for i, seed in enumerate(seeds):
        alone = Adder(hidden_size=4, seed=seed)
        history = train(alone, steps=10 * (i + 1), seed=seed, eval_every=5)
        np.testing.assert_allclose(histories[i].train_loss, history.train_loss, rtol=1e-4)
        np.testing.assert_allclose(
            histories[i].validation_loss, history.validation_loss, rtol=1e-4
        )
        assert histories[i].validation_exact == history.validation_exact
        for name, value in weights_of(alone).items():
            np.testing.assert_allclose(weights_of(adders[i])[name], value, atol=1e-5)


def test_side_by_side_with_a_loss_rate_and_batches_of_its_own():
    seeds = (3, 4)
    options = dict(
        width=5,
        loss="squared_error",
        learning_rate=0.001,
        batches=one_batch(lambda rng: make_batch(rng, 20, 5)),
        eval_every=4,
    )
    adders = [Adder(hidden_size=4, seed=seed) for seed in seeds]
    train_side_by_side(adders, 12, seeds, **options)
    for adder, seed in zip(adders, seeds):
        alone = Adder(hidden_size=4, seed=seed)
        train(alone, 12, seed=seed, **options)
        np.testing.assert_allclose(alone.W_y.numpy(), adder.W_y.numpy(), atol=1e-5)
        np.testing.assert_allclose(alone.gru.U_h.numpy(), adder.gru.U_h.numpy(), atol=1e-5)


def test_each_adder_keeps_the_weights_of_its_own_stop():
    adders = [Adder(hidden_size=16, seed=seed) for seed in (0, 1)]
    histories = train_side_by_side(adders, 600, [0, 1], stop=exact_for(0))
    assert all(h.stopped and h.validation_exact[-1] == 1.0 for h in histories)
    for adder, seed in zip(adders, (0, 1)):
        held_out = make_batch(np.random.default_rng([seed, 2**31]), 1000, 17)
        assert (adder.predict_bits(held_out[0]) == held_out[1][..., 0]).all()


def test_padding_units_stay_zero_while_training():
    adders = [Adder(hidden_size=k, seed=0) for k in (1, 3)]
    stacked = StackedAdders(adders, hidden_size=5)
    train_side_by_side(adders, 6, [0, 0], width=9, eval_every=3)
    stacked = StackedAdders(adders, hidden_size=5)  # the trained adders, padded again
    x, _ = batch(5, width=9)
    np.testing.assert_allclose(stacked(x)[0], adders[0](x), atol=1e-5)
    assert adders[0].gru.U_z.shape == (1, 1) and adders[1].gru.U_z.shape == (3, 3)


def test_padding_units_get_no_gradient():
    adders = [Adder(hidden_size=k, seed=0) for k in (1, 3)]
    stacked = StackedAdders(adders)
    x, y = batch(2, width=9)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(squared_error(stacked(x), np.stack([y, y])))
    gradients = dict(zip(NAMES, tape.gradient(loss, stacked.variables_in_order)))
    for name in NAMES:
        value = gradients[name].numpy()[0]  # the 1-unit model, padded to 3
        if name == "W_y":
            assert not value[0, 1:].any(), name
        elif name.startswith("U"):
            assert not value[1:].any() and not value[:, 1:].any(), name
        elif name != "b_y":
            assert not value[..., 1:].any(), name


def test_one_adder_side_by_side_is_train():
    adder, alone = Adder(hidden_size=3, seed=4), Adder(hidden_size=3, seed=4)
    (history,) = train_side_by_side([adder], 10, [4], eval_every=5)
    expected = train(alone, 10, seed=4, eval_every=5)
    np.testing.assert_allclose(history.train_loss, expected.train_loss, rtol=1e-5)
