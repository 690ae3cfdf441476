"""Stacked networks of any kind compute and train what each network does alone."""

import numpy as np
import pytest
import tensorflow as tf

from gru_helpers import GRU, Adder, make_batch, train
from gru_helpers.side_by_side import train_stacked
from gru_helpers.stacked_networks import StackedNetworks, run_cell


class RNN(tf.Module):
    """A plain RNN, as notebook 07 writes it: h_t = tanh(x_t W + h_tm1 U + b)."""

    def __init__(self, input_size, hidden_size, seed=0):
        super().__init__()
        self.hidden_size = hidden_size
        draw = np.random.default_rng(seed)
        self.W = tf.Variable(draw.normal(size=(input_size, hidden_size)), dtype=tf.float32)
        self.U = tf.Variable(draw.normal(size=(hidden_size, hidden_size)) / 2, dtype=tf.float32)
        self.b = tf.Variable(draw.normal(size=hidden_size), dtype=tf.float32)

    def step(self, h_tm1, x_t):
        return tf.tanh(x_t @ self.W + h_tm1 @ self.U + self.b)


KINDS = {
    "plain RNN": lambda seed: RNN(2, 4, seed),
    "GRU": lambda seed: GRU(2, 4, seed),
    "GRU again": lambda seed: GRU(2, 4, seed + 10),
}


def batch(seed, size=8, width=6):
    return make_batch(np.random.default_rng(seed), batch_size=size, width=width)


def test_networks_are_ordered_by_kind_then_seed_and_share_a_stack_per_class():
    networks = StackedNetworks(KINDS, seeds=[3, 4])
    assert networks.seeds == [3, 4, 3, 4, 3, 4]
    assert networks.sizes == [2, 4]  # the plain RNNs, then the four GRUs in one stack
    split = networks.each(np.arange(6))
    assert list(split) == list(KINDS)
    np.testing.assert_array_equal(split["GRU again"], [4, 5])


@pytest.mark.parametrize("per_network", [False, True])
def test_each_slice_is_its_network(per_network):
    networks = StackedNetworks(KINDS, seeds=[0, 1])
    alone = [make(seed) for make in KINDS.values() for seed in (0, 1)]
    xs = [batch(i)[0] for i in range(len(alone))]
    x = np.stack(xs) if per_network else xs[0]
    states = run_cell(networks, x)
    assert states.shape == (6, 8, 6, 4)
    for i, network in enumerate(alone):
        expected = run_cell(network, xs[i] if per_network else x)
        np.testing.assert_allclose(states[i], expected, atol=1e-6)


def test_run_cell_is_the_gru_and_starts_where_told():
    gru, (x, _) = GRU(2, 3, seed=2), batch(0, width=70)
    np.testing.assert_allclose(run_cell(gru, x), gru(x), atol=1e-5)
    h0 = np.full((8, 3), 0.5, np.float32)
    np.testing.assert_allclose(run_cell(gru, x[:, :4], h0=h0), gru(x[:, :4], h0=h0), atol=1e-6)


def test_a_gru_with_its_readout_is_the_adder_of_its_seed():
    networks = StackedNetworks({"GRU": lambda seed: GRU(2, 4, seed)}, seeds=[0, 5])
    x, _ = batch(1)
    for i, seed in enumerate([0, 5]):
        np.testing.assert_allclose(networks(x)[i], Adder(hidden_size=4, seed=seed)(x), atol=1e-6)
    np.testing.assert_allclose(networks.logits(x), networks(x), atol=1e-6)


def test_weights_round_trip():
    networks = StackedNetworks(KINDS, seeds=[0, 1])
    plain, gru = networks.weights(1), networks.weights(4)
    np.testing.assert_array_equal(plain["U"], KINDS["plain RNN"](1).U.numpy())
    np.testing.assert_array_equal(gru["b_z"], np.zeros(4))
    assert gru["W_y"].shape == (4, 1) and gru["b_y"].shape == (1,)
    networks.set_weights(4, networks.weights(2))  # seed 0's GRU into seed 0's "GRU again"
    x, _ = batch(0)
    np.testing.assert_array_equal(networks(x)[4], networks(x)[2])


def test_exact_share_is_the_share_of_sums_with_every_bit_right():
    networks = StackedNetworks({"GRU": lambda seed: GRU(2, 4, seed)}, seeds=[0, 1])
    x, y = batch(2, size=20)
    y[:10] = (networks(x).numpy()[0, :10] > 0).astype(np.float32)  # network 0 gets these right
    right = ((networks(x).numpy() > 0) == y).all(axis=(-2, -1))
    np.testing.assert_allclose(networks.exact_share(x, y, chunk=7), right.mean(axis=1))
    assert networks.exact_share(x, y)[0] >= 0.5


def test_train_stacked_trains_each_gru_as_train_trains_its_adder():
    networks = StackedNetworks({"GRU": lambda seed: GRU(2, 4, seed)}, seeds=[0, 1])
    histories = train_stacked(networks, steps=20, eval_every=10)
    for i, seed in enumerate([0, 1]):
        adder = Adder(hidden_size=4, seed=seed)
        alone = train(adder, steps=20, eval_every=10, seed=seed)
        assert histories[i].step == alone.step == [10, 20]
        np.testing.assert_allclose(histories[i].validation_loss, alone.validation_loss, rtol=1e-5)
        np.testing.assert_allclose(networks.weights(i)["U_h"], adder.gru.U_h.numpy(), atol=1e-5)
        np.testing.assert_allclose(networks.weights(i)["W_y"], adder.W_y.numpy(), atol=1e-5)


def test_a_network_that_stops_keeps_its_weights_while_the_others_train_on():
    networks = StackedNetworks({"GRU": lambda seed: GRU(2, 4, seed)}, seeds=[0, 1])
    asked = []

    def first_asked_stops(history):  # the first network is asked first, at the first check
        asked.append(history)
        return len(asked) == 1

    histories = train_stacked(networks, steps=20, eval_every=10, stop=first_asked_stops)
    assert histories[0].stopped and histories[0].step == [10]
    assert not histories[1].stopped and histories[1].step == [10, 20]
    stopped = Adder(hidden_size=4, seed=0)
    train(stopped, steps=10, eval_every=10, seed=0)
    np.testing.assert_allclose(networks.weights(0)["U_z"], stopped.gru.U_z.numpy(), atol=1e-5)


def test_last_step_only_reads_nothing_but_the_last_step():
    def draw(rng, noisy):
        x = rng.integers(0, 2, size=(16, 5, 2)).astype(np.float32)
        y = np.repeat(x[:, :1, :1], 5, axis=1)
        noise = rng.integers(0, 2, size=(16, 4, 1))  # drawn either way: the same x after it
        if noisy:  # every step but the last: noise, which last_step_only must not read
            y[:, :-1] = noise
        return x, y

    results = []
    for noisy in (False, True):
        networks = StackedNetworks({"plain RNN": KINDS["plain RNN"]}, seeds=[0, 1])
        validation = draw(np.random.default_rng(9), noisy)
        histories = train_stacked(
            networks,
            steps=10,
            eval_every=5,
            batches=lambda rng, noisy=noisy: draw(rng, noisy),
            validation=validation,
            last_step_only=True,
        )
        results.append([h.validation_loss + h.validation_exact for h in histories])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="kinds, seeds: expected at least one kind and one seed"):
        StackedNetworks(KINDS, seeds=[])
    with pytest.raises(ValueError, match="kinds: expected one hidden_size for every kind"):
        StackedNetworks({"small": lambda s: GRU(2, 3, s), "large": lambda s: GRU(2, 4, s)}, [0])
    with pytest.raises(ValueError, match="kinds: expected 'adder' to draw a recurrent cell"):
        StackedNetworks({"adder": lambda s: np.zeros(3)}, [0])
    networks = StackedNetworks(KINDS, seeds=[0])
    with pytest.raises(ValueError, match=r"values: expected a first axis of 3 .*got shape \(2,\)"):
        networks.each([1, 2])
    with pytest.raises(ValueError, match="i: expected a network from 0 to 2, got 3"):
        networks.weights(3)
    with pytest.raises(ValueError, match="stack: expected models stacked as one .* got GRU"):
        train_stacked(GRU(2, 3), steps=5)
    with pytest.raises(ValueError, match="loss: expected one of"):
        train_stacked(networks, steps=5, loss="hinge")
