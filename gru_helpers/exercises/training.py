"""Checks for the exercises of notebook 05, "Training with a live loss plot".

1. ``check_starting_losses(cross_entropy, squared_error)``: the two losses of an adder whose
   logits are all 0, on 17-bit sums, worked out by hand.
2. ``check_train_step(train_step)``: one training step written out: loss under a tape, gradient,
   Adam.
3. ``check_fixed_16(prediction, history)``: train on one fixed batch of 16 additions; predict the
   held-out curve, then measure it.

>>> check_starting_losses(1.0, 2.125).status
'wrong'
>>> check_starting_losses(np.log(2), 17 / 8).status
'right'
"""

import keras
import numpy as np
import tensorflow as tf

from ..adder import Adder
from ..bits import make_batch
from ..train import cross_entropy as _cross_entropy
from ..train import squared_error as _squared_error
from . import Wrong, exercise, expect_close

# Exercise 1 --------------------------------------------------------------------------------------

WIDTH = 17


@exercise("The losses before training")
def check_starting_losses(cross_entropy, squared_error):
    """The two losses of an adder whose every logit is 0, on additions of 17 bits (numbers)."""
    ce, se = float(cross_entropy), float(squared_error)
    ce_mistakes = [
        (1.0, "That is log base 2 of 2: the loss uses the natural logarithm, ln 2."),
        (0.5, "That is the probability the adder gives each bit, σ(0); the loss is −ln of it."),
        (
            WIDTH * np.log(2),
            "cross_entropy averages over bits (tf.reduce_mean); it does not add up the 17 bits.",
        ),
    ]
    for value, hint in ce_mistakes:
        if np.isclose(ce, value, atol=0.01):
            raise Wrong(hint)
    expect_close("cross_entropy", ce, np.log(2), atol=0.01)
    se_mistakes = [
        (0.125, "That is one bit's share: squared_error adds up the 17 bits of a sum."),
        (WIDTH / 4, "Close: squared_error has a factor 1/2 in front of each square."),
        (0.0, "A logit of 0 reads as an output of 1/2, half-way between the targets 0 and 1."),
    ]
    for value, hint in se_mistakes:
        if np.isclose(se, value, atol=0.01):
            raise Wrong(hint)
    expect_close("squared_error", se, WIDTH / 8, atol=0.01)
    return (
        "ln 2 ≈ 0.693 per bit for cross-entropy, and 17 × ½ × (½)² = 2.125 per sum for squared "
        "error, whatever the targets: a loss far from these before training points to a bug."
    )


# Exercise 2 --------------------------------------------------------------------------------------


def _reference_steps(x, y, steps, sign=1.0, loss=_cross_entropy, fresh_adam=False):
    """The weights after ``steps`` training steps done right (or done with one likely mistake)."""
    adder, optimizer = Adder(hidden_size=4, seed=0), keras.optimizers.Adam(0.01)
    for _ in range(steps):
        if fresh_adam:
            optimizer = keras.optimizers.Adam(0.01)
        with tf.GradientTape() as tape:
            value = loss(adder(x), y)
        gradients = tape.gradient(value, adder.trainable_variables)
        optimizer.apply_gradients(zip([sign * g for g in gradients], adder.trainable_variables))
    return [v.numpy() for v in adder.trainable_variables]


def _same(a, b):
    return all(np.allclose(u, v, atol=1e-5) for u, v in zip(a, b))


@exercise("One training step, written out")
def check_train_step(train_step):
    """``train_step(adder, optimizer, x, y)`` must take one Adam step on the cross-entropy of the
    batch (x, y) and return the loss before the step."""
    x, y = make_batch(np.random.default_rng(5), batch_size=32, width=9)
    adder, optimizer = Adder(hidden_size=4, seed=0), keras.optimizers.Adam(0.01)
    before = [v.numpy() for v in adder.trainable_variables]
    expected_loss = float(_cross_entropy(adder(x), y))
    losses = [train_step(adder, optimizer, x, y) for _ in range(3)]
    after = [v.numpy() for v in adder.trainable_variables]
    if _same(after, before):
        raise Wrong(
            "The weights did not move: after tape.gradient, hand the gradients to "
            "optimizer.apply_gradients(zip(gradients, adder.trainable_variables))."
        )
    if _same(after, _reference_steps(x, y, 3, sign=-1.0)):
        raise Wrong(
            "The loss goes up: the gradients were negated. apply_gradients already steps "
            "against the gradient; pass it as it is."
        )
    if _same(after, _reference_steps(x, y, 3, loss=_squared_error)):
        raise Wrong("That step follows squared_error; this exercise trains on cross_entropy.")
    if _same(after, _reference_steps(x, y, 3, fresh_adam=True)):
        raise Wrong(
            "Each step starts a new Adam, which forgets its running averages: use the optimizer "
            "you are given, made once before the loop."
        )
    for got, right in zip(after, _reference_steps(x, y, 3)):
        expect_close("the weights after three steps", got, right, atol=1e-5)
    if losses[0] is None:
        raise Wrong(
            "The weights are right; now return the loss, as the loop in this notebook does."
        )
    expect_close("the loss train_step returned at its first call", losses[0], expected_loss)
    return "Loss under the tape, its gradient, one Adam step: all that train does per step."


# Exercise 3 --------------------------------------------------------------------------------------

PREDICTIONS = {
    "a": "the held-out loss falls along with the training loss, as with 100 additions",
    "b": "the training loss falls towards 0 while the held-out loss stops falling and rises",
    "c": "neither loss falls: 16 additions are too few to learn anything from",
}


def _memorised(train_end, held_out_lowest, held_out_end):
    """What a run on one small batch shows, in words that a last-bit difference does not move:
    memorising a few additions is chaotic, so the exact losses differ from machine to machine.

    >>> _memorised(0.016, 0.70, 2.62)
    'the training loss fell below 0.05 while the held-out loss rose to more than twice its lowest'
    >>> _memorised(0.07, 0.69, 0.9)
    'the training loss fell below 0.1 while the held-out loss rose above its lowest'
    """
    below = 0.05 if train_end < 0.05 else 0.1
    if held_out_end > 2 * held_out_lowest:
        held_out = "rose to more than twice its lowest"
    elif held_out_end > 1.1 * held_out_lowest:
        held_out = "rose above its lowest"
    else:
        held_out = "stopped falling"
    return f"the training loss fell below {below} while the held-out loss {held_out}"


@exercise("One fixed batch of 16 additions")
def check_fixed_16(prediction, history):
    """``prediction`` is the letter of ``PREDICTIONS`` you chose before running; ``history`` is
    what ``train(..., batches=lambda step_rng: batch_16)`` returned, ``batch_16`` one batch of 16
    additions (about 300 steps)."""
    if str(prediction).strip().lower() not in PREDICTIONS:
        raise Wrong(f"Choose one letter of {sorted(PREDICTIONS)}, not {prediction!r}.")
    train_loss, held_out = np.array(history.train_loss), np.array(history.validation_loss)
    if len(train_loss) < 5:
        raise Wrong(
            f"The history has {len(train_loss)} checks; check more often (eval_every=10) to see "
            "the curves, and train for about 300 steps."
        )
    if train_loss[-1] >= 0.1:
        raise Wrong(
            f"The training loss is still {train_loss[-1]:.2f}: train longer (about 300 steps) "
            "and watch what the held-out loss does meanwhile."
        )
    if held_out[-1] < 2 * train_loss[-1] + 0.05:
        raise Wrong(
            "The held-out loss followed the training loss down: was this run trained on one "
            "batch of only 16 additions at every step (batch_16 = make_batch(rng, 16, 17), "
            "then batches=lambda step_rng: batch_16)?"
        )
    facts = _memorised(train_loss[-1], held_out.min(), held_out[-1])
    if str(prediction).strip().lower() != "b":
        raise Wrong(f"Your run says otherwise: {facts}. Which prediction fits that?")
    return (
        f"In your run {facts}: the adder memorised its 16 additions. 16 × 17 columns hold the "
        "eight (bit, bit, carry) cases, but few enough whole additions to learn by heart."
    )
