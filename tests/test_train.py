import keras
import numpy as np
import pytest
import tensorflow as tf

from gru_helpers.adder import Adder
from gru_helpers.bits import from_bits, make_batch
from gru_helpers.train import (
    MARGIN,
    TRAINERS,
    carry_chain_batch,
    cross_entropy,
    exact_share,
    long_batch,
    squared_error,
    train,
)


def test_learns_16_bit_sums_exactly_within_a_fixed_budget():
    adder = Adder(hidden_size=16, seed=1)
    held_out = make_batch(np.random.default_rng(123), 1000, 17)
    history = train(adder, steps=600, width=17, seed=1, validation=held_out, stop_when_exact=True)
    assert history.validation_exact[-1] == 1.0 and history.learned
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


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(eval_every=0), "eval_every: expected an integer of at least 1, got 0"),
        (dict(batch_size=0), "batch_size: expected an integer of at least 1, got 0"),
        (
            dict(learning_rate=float("nan")),
            "learning_rate: expected a finite number above 0, got nan",
        ),
        (dict(learning_rate=-0.1), "learning_rate: expected a finite number above 0, got -0.1"),
    ],
)
def test_bad_numbers_are_refused_before_training(arguments, message):
    adder = Adder(hidden_size=2)
    before = [v.numpy().copy() for v in adder.trainable_variables]
    with pytest.raises(ValueError, match=message):
        train(adder, steps=5, **arguments)
    for old, variable in zip(before, adder.trainable_variables):
        np.testing.assert_array_equal(old, variable.numpy())


def test_batches_of_the_wrong_shape_are_refused_with_their_shapes():
    x, y = make_batch(np.random.default_rng(0), 8, 5)
    with pytest.raises(
        ValueError,
        match=r"fixed_batch: expected \(x, y\) of shapes \(batch, time, 2\) and "
        r"\(batch, time, 1\), got \(8, 5, 2\) and \(8, 4, 1\)",
    ):
        train(Adder(hidden_size=2), steps=1, fixed_batch=(x, y[:, :4]))
    with pytest.raises(ValueError, match=r"fixed_batch: .* got \(8, 5\) and \(8, 5, 1\)"):
        train(Adder(hidden_size=2), steps=1, fixed_batch=(x[..., 0], y))
    with pytest.raises(ValueError, match=r"validation: .* got \(8, 5, 3\) and \(8, 5, 1\)"):
        train(Adder(hidden_size=2), steps=1, validation=(np.zeros((8, 5, 3)), y))
    with pytest.raises(ValueError, match="fixed_batch: expected a pair"):
        train(Adder(hidden_size=2), steps=1, fixed_batch=x)


def test_a_loss_that_stops_being_a_number_stops_training_and_names_the_step():
    adder = Adder(hidden_size=2)
    adder.W_y.assign(np.full((2, 1), np.nan, np.float32))
    with pytest.raises(FloatingPointError, match="step 1: the training loss is nan"):
        train(adder, steps=10, eval_every=5)
    huge = Adder(hidden_size=4)  # Adam moves each weight by about the learning rate per step
    with pytest.raises(FloatingPointError, match=r"step \d+: the training loss is (nan|inf)"):
        train(huge, steps=50, eval_every=25, learning_rate=1e38)


def test_same_arithmetic_as_keras_adam():
    # The fused Adam of train() against Keras's: three steps on the same batches.
    adder, same = Adder(hidden_size=8, seed=4), Adder(hidden_size=8, seed=4)
    optimizer = keras.optimizers.Adam(0.01)
    rng = np.random.default_rng(4)
    for _ in range(3):
        x, y = make_batch(rng, 64, 17)
        with tf.GradientTape() as tape:
            loss = cross_entropy(same(x), y)
        gradients = tape.gradient(loss, same.trainable_variables)
        optimizer.apply_gradients(zip(gradients, same.trainable_variables))
    train(adder, steps=3, seed=4)
    for mine, theirs in zip(adder.trainable_variables, same.trainable_variables):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), atol=1e-6)


def test_steps_between_evaluations_run_in_one_call_with_the_same_batches():
    one_by_one = train(Adder(hidden_size=4, seed=2), steps=12, eval_every=1, seed=2)
    in_chunks = train(Adder(hidden_size=4, seed=2), steps=12, eval_every=5, seed=2)
    assert in_chunks.step == [5, 10, 12]
    np.testing.assert_allclose(
        [one_by_one.train_loss[i - 1] for i in in_chunks.step], in_chunks.train_loss, rtol=1e-5
    )


def longest_carry_run(a, b):
    """The most bits in a row where exactly one operand is 1, from the first or two equal bits."""
    runs = [0]
    for start in [-1, *np.flatnonzero(a == b)]:
        end = start + 1
        while end < len(a) and a[end] != b[end]:
            end += 1
        runs.append(end - start - 1)
    return max(runs)


def test_carry_chain_batches_are_right_sums_with_a_long_carry():
    x, y = carry_chain_batch(np.random.default_rng(0), 100, 33)
    assert x.shape == (100, 33, 2) and y.shape == (100, 33, 1) and not x[:, -1].any()
    runs = []
    for (a, b), total in zip(np.moveaxis(x.astype(int), 2, 1), y[..., 0].astype(int)):
        assert from_bits(a) + from_bits(b) == from_bits(total)
        runs.append(longest_carry_run(a, b))
    assert min(runs) >= 1 and max(runs) >= 24  # random sums of 32 bits rarely pass 8


def test_long_batches_are_right_sums_half_of_them_around_a_long_carry():
    x, y = long_batch(np.random.default_rng(1), 64, 33)
    assert x.shape == (64, 33, 2) and y.shape == (64, 33, 1)
    runs = []
    for (a, b), total in zip(np.moveaxis(x.astype(int), 2, 1), y[..., 0].astype(int)):
        assert from_bits(a) + from_bits(b) == from_bits(total)
        runs.append(longest_carry_run(a, b))
    assert np.mean(runs[32:]) > 2 * np.mean(runs[:32])  # the second half: long runs


def test_stop_when_exact_trains_on_longer_sums_after_the_first_exact_check():
    TRAINERS.clear()
    shapes = []
    history = train(
        Adder(hidden_size=16, seed=3),
        steps=600,
        seed=3,
        stop_when_exact=True,
        callback=lambda h: shapes.append(
            [key[0] for t in TRAINERS.values() for key in t.compiled]
        ),
    )
    (trainer,) = TRAINERS.values()
    first_exact = history.validation_exact.index(1.0)
    assert shapes[first_exact - 1] == [(64, 17, 2)]  # 16-bit sums until the first exact check
    assert shapes[first_exact] == [(64, 17, 2), (64, 33, 2)]  # then 32-bit sums
    assert trainer.logits.experimental_get_tracing_count() == 1  # one evaluation for both
    fixed = make_batch(np.random.default_rng(0), 100, 17)
    TRAINERS.clear()
    train(Adder(hidden_size=16, seed=3), steps=200, fixed_batch=fixed, stop_when_exact=True)
    (trainer,) = TRAINERS.values()
    assert [key[0] for key in trainer.compiled] == [(100, 17, 2)]  # a fixed batch throughout


def test_stop_when_exact_needs_operands_of_at_least_one_bit():
    with pytest.raises(ValueError, match="stop_when_exact=True: .* got width 1"):
        train(Adder(hidden_size=2), steps=5, width=1, stop_when_exact=True)
    one_step = make_batch(np.random.default_rng(0), 10, 1)
    with pytest.raises(ValueError, match="validation sums of 1"):
        train(Adder(hidden_size=2), steps=5, validation=one_step, stop_when_exact=True)


def test_stop_when_exact_is_only_reported_as_learned_after_the_margin():
    history = train(Adder(hidden_size=16, seed=3), steps=600, seed=3, stop_when_exact=True)
    assert history.learned and history.validation_exact[-1] == 1.0
    first_exact = history.step[history.validation_exact.index(1.0)]
    assert history.step[-1] - first_exact >= MARGIN


def test_training_many_adders_writes_no_retracing_warning(capfd, caplog):
    """Each kind of adder gets its own function; TensorFlow would call the sixth retracing."""
    for size in range(1, 7):
        train(Adder(hidden_size=size, seed=size), steps=2, eval_every=1)
    out, err = capfd.readouterr()
    assert "retracing" not in err + out + caplog.text


def test_a_second_adder_of_the_same_kind_reuses_the_trace_and_trains_the_same():
    TRAINERS.clear()
    first = Adder(hidden_size=3, seed=5)
    train(first, steps=7, eval_every=3, seed=1)
    (trainer,) = TRAINERS.values()
    again = Adder(hidden_size=3, seed=5)  # Adam restarts: the same run again, the same weights
    train(again, steps=7, eval_every=3, seed=1)
    (steps,) = trainer.compiled.values()
    assert len(TRAINERS) == 1 and steps.experimental_get_tracing_count() == 1
    for mine, theirs in zip(first.trainable_variables, again.trainable_variables):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    TRAINERS.clear()  # and a fresh trace gives those weights too
    fresh = Adder(hidden_size=3, seed=5)
    train(fresh, steps=7, eval_every=3, seed=1)
    for mine, theirs in zip(first.trainable_variables, fresh.trainable_variables):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), atol=1e-6)


def test_adders_of_other_kinds_get_their_own_trainer():
    TRAINERS.clear()
    kinds = [
        Adder(hidden_size=3),
        Adder(hidden_size=4),
        Adder(hidden_size=3, fast=True),
        Adder(hidden_size=3, dtype=tf.float64),
    ]
    for adder in kinds:
        train(adder, steps=2)
    assert len(TRAINERS) == 4
    train(Adder(hidden_size=3), steps=2, width=9)  # another batch shape
    train(Adder(hidden_size=3), steps=2, loss="squared_error")  # another loss
    assert len(TRAINERS) == 4  # the same kind of adder: its own compiled steps for each
    first = next(iter(TRAINERS.values()))
    assert [key[:2] for key in first.compiled] == [
        ((64, 17, 2), "cross_entropy"),
        ((64, 9, 2), "cross_entropy"),
        ((64, 17, 2), "squared_error"),
    ]


def test_another_model_trains_itself_and_is_not_kept():
    class Counting(Adder):  # a subclass may compute anything: it is never shared
        calls = 0

        def __call__(self, x):
            Counting.calls += 1
            return super().__call__(x)

    TRAINERS.clear()
    model = Counting(hidden_size=3, seed=1)
    before = model.W_y.numpy().copy()
    train(model, steps=4, eval_every=2)
    assert not TRAINERS and Counting.calls > 0
    assert not np.array_equal(model.W_y.numpy(), before)


def test_train_leaves_each_adders_weights_in_that_adder():
    one, other = Adder(hidden_size=3, seed=1), Adder(hidden_size=3, seed=2)
    before = other.W_y.numpy().copy()
    train(one, steps=4)
    np.testing.assert_array_equal(other.W_y.numpy(), before)  # not touched by one's run
    seen = []
    train(other, steps=4, eval_every=2, callback=lambda h: seen.append(other.W_y.numpy().copy()))
    assert not np.array_equal(seen[0], before) and not np.array_equal(seen[0], seen[1])
