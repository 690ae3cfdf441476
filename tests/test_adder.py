import copy

import numpy as np
import pytest
import tensorflow as tf

from gru_helpers.adder import Adder
from gru_helpers.bits import make_batch
from gru_helpers.train import cross_entropy


def test_one_logit_per_bit_for_any_batch_and_length():
    adder = Adder(hidden_size=3)
    for batch, time in [(1, 1), (2, 5), (7, 40)]:
        assert adder(np.zeros((batch, time, 2), np.float32)).shape == (batch, time, 1)
        bits = adder.predict_bits(np.zeros((batch, time, 2), np.float32))
        assert bits.shape == (batch, time) and set(np.unique(bits)) <= {0, 1}


def test_the_readout_is_h_times_W_y_plus_b_y_at_every_step():
    adder = Adder(hidden_size=5, seed=2)
    adder.b_y.assign([0.3])
    h = np.random.default_rng(0).normal(size=(4, 6, 5)).astype(np.float32)
    expected = h @ adder.W_y.numpy() + 0.3
    np.testing.assert_allclose(adder.readout(h), expected, rtol=1e-5, atol=1e-6)


def test_every_hidden_state_feeds_the_output():
    adder = Adder(hidden_size=4, seed=1)
    x = np.random.default_rng(0).integers(0, 2, (1, 6, 2)).astype(np.float32)
    expected = adder.gru(x).numpy() @ adder.W_y.numpy() + adder.b_y.numpy()
    np.testing.assert_allclose(adder(x).numpy(), expected, atol=1e-6)


def test_trained_adder_adds(trained):
    assert trained.add(3, 1) == 4
    assert trained.add(0, 0) == 0
    assert trained.add(2**16 - 1, 2**16 - 1) == 2**17 - 2


def test_trained_adder_adds_far_longer_numbers_than_it_saw(trained):
    a, b = 3**400, 2**600 - 1
    assert trained.add(a, b) == a + b


def test_long_additions_are_predicted_through_one_compiled_graph():
    adder = Adder(hidden_size=4, seed=2)
    rng = np.random.default_rng(0)
    for width in (65, 300, 90):  # longer than the loop written out: one graph for every length
        x = rng.integers(0, 2, (3, width, 2)).astype(np.float32)
        eager = (adder(x).numpy()[..., 0] > 0).astype(np.int64)
        np.testing.assert_array_equal(adder.predict_bits(x), eager)
    assert adder.__dict__["_compiled"].experimental_get_tracing_count() == 1


def test_an_adder_with_its_compiled_graph_copies_and_saves(tmp_path):
    adder = Adder(hidden_size=4, seed=3)
    adder.add(2**100, 1)  # compiles the graph for long additions
    twin = copy.deepcopy(adder)  # what train does with the first adder of a kind
    twin.W_y.assign(-twin.W_y)  # the copy's graph reads the copy's weights
    x = np.random.default_rng(1).integers(0, 2, (2, 80, 2)).astype(np.float32)
    np.testing.assert_array_equal(twin.predict_bits(x), 1 - adder.predict_bits(x))
    restored = Adder(hidden_size=4, seed=9).restore(adder.save(tmp_path / "adder"))
    np.testing.assert_array_equal(restored.predict_bits(x), adder.predict_bits(x))


def test_add_rejects_bad_numbers(trained):
    with pytest.raises(ValueError, match="expected a non-negative integer, got -1"):
        trained.add(-1, 2)
    with pytest.raises(TypeError, match="expected an integer, got 1.5"):
        trained.add(1.5, 2)
    with pytest.raises(ValueError, match="width 2 is too small for 7"):
        trained.add(7, 1, width=2)


def test_save_and_restore_round_trip(trained, tmp_path):
    path = trained.save(tmp_path / "adder")
    copy = Adder(hidden_size=16, seed=5).restore(path)
    for mine, theirs in zip(copy.trainable_variables, trained.trainable_variables):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    assert copy.add(1234, 4321) == 5555


def test_restore_of_another_size_names_the_mismatch(trained, tmp_path):
    path = trained.save(tmp_path / "adder")
    with pytest.raises(
        ValueError,
        match=r"does not fit this adder: adder/gru/W_z has shape \(2, 16\) there, \(2, 8\) here",
    ):
        Adder(hidden_size=8).restore(path)


def test_restore_of_something_else_says_so(tmp_path):
    path = tf.train.Checkpoint(weights=tf.Variable(tf.zeros(3))).write(str(tmp_path / "other"))
    with pytest.raises(ValueError, match="not written by Adder.save"):
        Adder(hidden_size=4).restore(path)
    with pytest.raises(ValueError, match="no adder checkpoint at"):
        Adder(hidden_size=4).restore(tmp_path / "missing")


def test_restore_of_a_file_that_is_no_checkpoint_says_so(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="no adder checkpoint at .*notes.txt"):
        Adder(hidden_size=4).restore(path)


def test_hidden_size_must_be_at_least_one():
    with pytest.raises(ValueError, match="hidden_size: expected an integer of at least 1, got 0"):
        Adder(hidden_size=0)


def test_an_untrained_adder_is_no_better_than_a_coin():
    x, y = make_batch(np.random.default_rng(0), 1000, 17)
    for seed in range(10):  # logits near 0, so the cross-entropy is near ln 2 = 0.693
        loss = float(cross_entropy(Adder(hidden_size=16, seed=seed)(x), y))
        assert abs(loss - np.log(2)) < 0.03, (seed, loss)
