import numpy as np
import pytest

from gru_helpers.adder import Adder
from gru_helpers.bits import make_batch
from gru_helpers.train import cross_entropy, exact_share, squared_error, train


def test_learns_16_bit_sums_exactly_within_a_fixed_budget():
    adder = Adder(hidden_size=16, seed=1)
    held_out = make_batch(np.random.default_rng(123), 1000, 17)
    history = train(adder, steps=600, width=17, seed=1, validation=held_out, stop_when_exact=True)
    assert history.validation_exact[-1] == 1.0
    assert history.step[-1] < 600
    assert exact_share(adder, *held_out) == 1.0


def test_same_seed_same_run_other_seed_other_run():
    runs = [
        train(Adder(hidden_size=4, seed=0), steps=20, seed=seed, eval_every=10)
        for seed in (0, 0, 1)
    ]
    assert runs[0].train_loss == runs[1].train_loss
    assert runs[0].train_loss != runs[2].train_loss


def test_history_and_callback_every_evaluation():
    seen = []
    history = train(
        Adder(hidden_size=2), steps=7, eval_every=3, callback=lambda h: seen.append(h.step[-1])
    )
    assert history.step == [3, 6, 7] == seen
    assert (
        len(history.train_loss)
        == len(history.validation_loss)
        == len(history.validation_exact)
        == 3
    )
    assert all(0 <= share <= 1 for share in history.validation_exact)


def test_fixed_batch_is_the_only_data_seen():
    x, y = make_batch(np.random.default_rng(0), 8, 5)
    adder = Adder(hidden_size=8, seed=0)
    history = train(
        adder, steps=300, fixed_batch=(x, y), validation=(x, y), eval_every=300, learning_rate=0.05
    )
    assert history.train_loss[-1] == pytest.approx(history.validation_loss[-1], rel=0.2)
    assert history.train_loss[-1] < 0.05


@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
def test_both_losses_go_down(loss):
    history = train(Adder(hidden_size=8, seed=0), steps=150, loss=loss, eval_every=50)
    assert history.validation_loss[-1] < 0.5 * history.validation_loss[0]


def test_losses_are_the_ones_documented():
    y = np.array([[[1.0], [0.0]]], np.float32)
    logits = np.array([[[0.5], [-0.5]]], np.float32)
    # 0.5 on a 1 is 0.5 below the target after the 0.5 offset: 0.5 * (0.5 + 0.5 - 1)^2 = 0
    assert float(squared_error(logits, y)) == pytest.approx(0.0)
    assert float(cross_entropy(logits, y)) == pytest.approx(np.log1p(np.exp(-0.5)))


def test_exact_share_counts_whole_sums_only():
    adder = Adder(hidden_size=2)
    x, y = make_batch(np.random.default_rng(0), 10, 6)
    bits = adder.predict_bits(x)
    y_one_bit_off = bits[..., np.newaxis].astype(np.float32)
    y_one_bit_off[0, 0, 0] = 1 - y_one_bit_off[0, 0, 0]
    assert exact_share(adder, x, y_one_bit_off) == pytest.approx(0.9)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="steps: expected a non-negative integer, got -1"):
        train(Adder(hidden_size=2), steps=-1)
    with pytest.raises(ValueError, match="width: expected an integer of at least 1, got 0"):
        train(Adder(hidden_size=2), steps=1, width=0)
    with pytest.raises(ValueError, match="loss: expected one of"):
        train(Adder(hidden_size=2), steps=1, loss="mse")
