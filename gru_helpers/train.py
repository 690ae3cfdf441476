"""Training an adder: a fresh random mini-batch every step, Adam, and a loss on every bit.

Drawing a new batch each step means the network never sees the same additions twice, so the
loss on held-out additions tracks the training loss instead of drifting away from it.
"""

from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from .bits import check_non_negative, check_width, make_batch


def cross_entropy(logits, y):
    """Mean sigmoid cross-entropy over every bit: the loss of a yes/no answer per bit."""
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))


def squared_error(logits, y):
    """The original post's loss: half the squared error, summed over bits, averaged over the batch.

    The original read its output as a number and called it 1 above 0.5; ``logits + 0.5`` is that
    number here, so both read a bit as 1 exactly when the logit is above 0.
    """
    return tf.reduce_sum(0.5 * tf.square(logits + 0.5 - y)) / tf.cast(tf.shape(y)[0], y.dtype)


LOSSES = {"cross_entropy": cross_entropy, "squared_error": squared_error}


def exact_share(adder, x, y):
    """The share of additions in (x, y) whose every bit the adder gets right, from 0 to 1."""
    return exact_share_of_logits(adder(x), y)


def exact_share_of_logits(logits, y):
    """``exact_share`` from logits already computed: a bit is 1 where its logit is above 0."""
    right = (np.asarray(logits)[..., 0] > 0) == y[..., 0]
    return float(np.mean(right.all(axis=1)))


@dataclass
class History:
    """What ``train`` measured: one entry per evaluation."""

    step: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    validation_loss: list = field(default_factory=list)
    validation_exact: list = field(default_factory=list)


def train(
    adder,
    steps,
    width=17,
    batch_size=64,
    learning_rate=0.01,
    loss="cross_entropy",
    seed=0,
    fixed_batch=None,
    validation=None,
    eval_every=25,
    callback=None,
    stop_when_exact=False,
    jit_compile=False,
):
    """Train ``adder`` for at most ``steps`` steps; returns a ``History``.

    Each step draws a fresh batch of ``batch_size`` additions ``width`` bits long, unless
    ``fixed_batch=(x, y)`` gives one batch to reuse every step, as the original did.
    Every ``eval_every`` steps (and at the last) it measures the loss and the exact-sum share on
    ``validation=(x, y)`` (by default 1000 held-out additions of the training width), then calls
    ``callback(history)``. With ``stop_when_exact`` it stops once every held-out sum is exact.
    The same ``seed`` gives the same run. ``jit_compile=True`` compiles the step with XLA: each
    step is faster, but compiling takes seconds, so it pays off only for long runs.

    >>> from gru_helpers.adder import Adder
    >>> history = train(Adder(hidden_size=4), steps=3, eval_every=1)
    >>> history.step
    [1, 2, 3]
    """
    steps, width = check_non_negative("steps", steps), check_width(width)
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {loss!r}")
    loss_fn = LOSSES[loss]
    rng = np.random.default_rng(seed)
    if validation is None:
        validation = make_batch(np.random.default_rng([seed, 2**31]), 1000, width)
    optimizer = keras.optimizers.Adam(learning_rate)
    variables = adder.trainable_variables
    optimizer.build(
        variables
    )  # Adam's moments made now, so the step below is traced once, not twice
    dtype = variables[0].dtype  # batches are float32; the adder may be float64
    validation = tuple(np.asarray(part, dtype.as_numpy_dtype) for part in validation)

    @tf.function(autograph=False, jit_compile=jit_compile)  # no Python control flow to convert
    def train_step(x, y):
        x, y = tf.cast(x, dtype), tf.cast(y, dtype)
        with tf.GradientTape() as tape:
            value = loss_fn(adder(x), y)
        optimizer.apply_gradients(zip(tape.gradient(value, variables), variables))
        return value

    history = History()
    for step in range(1, steps + 1):
        x, y = fixed_batch if fixed_batch is not None else make_batch(rng, batch_size, width)
        train_loss = train_step(x, y)
        if step % eval_every == 0 or step == steps:
            logits = adder(validation[0])
            history.step.append(step)
            history.train_loss.append(float(train_loss))
            history.validation_loss.append(float(loss_fn(logits, validation[1])))
            history.validation_exact.append(exact_share_of_logits(logits, validation[1]))
            if callback is not None:
                callback(history)
            if stop_when_exact and history.validation_exact[-1] == 1.0:
                break
    return history
