import keras
import numpy as np
import pytest
import tensorflow as tf

from gru_helpers.adder import Adder
from gru_helpers.bits import make_batch
from gru_helpers.train import (
    History,
    compiled_steps,
    cross_entropy,
    exact_for,
    exact_share,
    one_batch,
    squared_error,
    train,
)


def test_learns_16_bit_sums_exactly_within_a_fixed_budget():
    adder = Adder(hidden_size=16, seed=1)
    held_out = make_batch(np.random.default_rng(123), 1000, 17)
    history = train(adder, steps=600, width=17, seed=1, validation=held_out, stop=exact_for(0))
    assert history.validation_exact[-1] == 1.0 and history.stopped
    assert history.step[-1] < 600
    assert exact_share(adder, *held_out) == 1.0
    unseen = make_batch(np.random.default_rng(321), 1000, 17)  # not what the rule checked
    assert exact_share(adder, *unseen) >= 0.99


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


def test_a_fixed_batch_is_the_only_data_seen():
    x, y = make_batch(np.random.default_rng(0), 8, 5)
    adder = Adder(hidden_size=8, seed=0)
    history = train(
        adder,
        steps=300,
        batches=lambda rng: (x, y),
        validation=(x, y),
        eval_every=300,
        learning_rate=0.05,
    )
    assert history.train_loss[-1] == pytest.approx(history.validation_loss[-1], rel=0.2)
    assert history.train_loss[-1] < 0.05


def test_batches_are_drawn_from_the_runs_generator():
    seen = []

    def batches(rng):
        seen.append(rng.integers(1000))
        return make_batch(rng, 8, 5)

    train(Adder(hidden_size=2), steps=4, seed=7, batches=batches, eval_every=2)
    expected = np.random.default_rng(7)
    first = [expected.integers(1000)]
    assert len(seen) == 4 and seen[:1] == first and len(set(seen)) > 1


def test_one_batch_gives_each_generator_its_own_first_batch_every_time():
    batches = one_batch(lambda rng: make_batch(rng, 4, 5))
    one, other = np.random.default_rng(0), np.random.default_rng(1)
    first = batches(one)
    assert batches(one) is first and batches(one) is first
    assert not np.array_equal(batches(other)[0], first[0])
    np.testing.assert_array_equal(first[0], make_batch(np.random.default_rng(0), 4, 5)[0])


def test_stopping_rules_count_steps_of_unbroken_exact_checks():
    history = History(step=[25, 50, 75, 100, 125], validation_exact=[0.5, 1.0, 0.999, 1.0, 1.0])
    assert exact_for(25)(history) and not exact_for(26)(history)
    assert exact_for(0)(History(step=[25], validation_exact=[1.0]))
    assert not exact_for(0)(History(step=[25], validation_exact=[0.99]))
    assert not exact_for(0)(History())
    with pytest.raises(ValueError, match="steps: expected a non-negative integer, got -1"):
        exact_for(-1)


def test_functions_that_are_not_functions_are_named():
    with pytest.raises(ValueError, match=r"stop: expected a function \(or None\), got 100"):
        train(Adder(hidden_size=2), steps=5, stop=100)
    with pytest.raises(ValueError, match="batches: expected a function"):
        train(Adder(hidden_size=2), steps=5, batches=make_batch(np.random.default_rng(0), 4, 5))
    with pytest.raises(ValueError, match="callback: expected a function"):
        train(Adder(hidden_size=2), steps=5, callback=[])


def test_a_stopping_rule_stops_the_run_at_the_check_it_fires():
    stop_after = lambda history: history.step[-1] >= 30  # noqa: E731
    history = train(Adder(hidden_size=2), steps=100, eval_every=10, stop=stop_after)
    assert history.step == [10, 20, 30] and history.stopped
    assert not train(Adder(hidden_size=2), steps=20, eval_every=10).stopped


def test_margin_means_exact_at_every_check_for_that_many_steps():
    history = train(Adder(hidden_size=16, seed=3), steps=600, seed=3, stop=exact_for(100))
    assert history.stopped and history.validation_exact[-1] == 1.0
    last_inexact = max(i for i, share in enumerate(history.validation_exact) if share < 1)
    assert history.step[-1] - history.step[last_inexact + 1] >= 100
    assert history.step[-1] - history.step[last_inexact + 1] < 100 + 25


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
        match=r"batches: expected \(x, y\) of shapes \(batch, time, inputs\) and "
        r"\(batch, time, 1\), got \(8, 5, 2\) and \(8, 4, 1\)",
    ):
        train(Adder(hidden_size=2), steps=1, batches=lambda rng: (x, y[:, :4]))
    with pytest.raises(ValueError, match=r"batches: .* got \(8, 5\) and \(8, 5, 1\)"):
        train(Adder(hidden_size=2), steps=1, batches=lambda rng: (x[..., 0], y))
    with pytest.raises(ValueError, match=r"validation: .* got \(8, 5\) and \(8, 5, 1\)"):
        train(Adder(hidden_size=2), steps=1, validation=(np.zeros((8, 5)), y))
    with pytest.raises(ValueError, match="batches: expected a pair"):
        train(Adder(hidden_size=2), steps=1, batches=lambda rng: x)
    with pytest.raises(ValueError, match=r"batches: expected batches of one shape .*\(8, 5, 2\)"):
        widths = iter([5, 6])
        train(Adder(hidden_size=2), steps=2, batches=lambda rng: make_batch(rng, 8, next(widths)))
    with pytest.raises(ValueError, match=r"x: expected shape \(batch, time, 2\)"):
        train(Adder(hidden_size=2), steps=1, validation=(np.zeros((8, 5, 3)), y))


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


def test_the_steps_are_traced_once_for_a_run_and_for_any_number_of_steps():
    adder = Adder(hidden_size=3, seed=5)
    x, y = make_batch(np.random.default_rng(0), 8, 5)
    steps = compiled_steps(adder, x.shape, lambda gradients: None)
    for k in (1, 3, 2):
        assert steps(np.stack([x] * k), np.stack([y] * k)).shape == (k,)
    assert steps.experimental_get_tracing_count() == 1


def test_another_model_trains_through_its_own_call():
    class Counting(Adder):
        calls = 0

        def __call__(self, x):
            Counting.calls += 1
            return super().__call__(x)

    model = Counting(hidden_size=3, seed=1)
    before = model.W_y.numpy().copy()
    train(model, steps=4, eval_every=2)
    assert Counting.calls > 0 and not np.array_equal(model.W_y.numpy(), before)


def test_train_changes_only_the_adder_it_trains_and_as_it_goes():
    one, other = Adder(hidden_size=3, seed=1), Adder(hidden_size=3, seed=2)
    before = other.W_y.numpy().copy()
    train(one, steps=4)
    np.testing.assert_array_equal(other.W_y.numpy(), before)  # not touched by one's run
    seen = []
    train(other, steps=4, eval_every=2, callback=lambda h: seen.append(other.W_y.numpy().copy()))
    assert not np.array_equal(seen[0], before) and not np.array_equal(seen[0], seen[1])


def test_a_float64_adder_trains_on_float32_batches():
    adder = Adder(hidden_size=3, dtype=tf.float64)
    history = train(adder, steps=4, eval_every=2)
    assert adder.W_y.dtype == tf.float64 and np.isfinite(history.validation_loss).all()


def test_a_seed_is_a_non_negative_integer():
    with pytest.raises(ValueError, match="seed: expected a non-negative integer, got -1"):
        train(Adder(hidden_size=2), steps=1, seed=-1)
    with pytest.raises(TypeError, match=r"seed: expected an integer, got \[0, 1\]"):
        train(Adder(hidden_size=2), steps=1, seed=[0, 1])
