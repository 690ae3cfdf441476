"""Training an adder: the loop of notebook 05, and the few extras a run can ask for by name.

``train(adder, steps)`` repeats, for at most ``steps`` steps:

1. draw a fresh batch of additions (``make_batch``);
2. take one step of Adam on the loss of the adder's answers to that batch;
3. every ``eval_every`` steps, measure the loss and the share of exactly right sums on held-out
   additions, append them to a ``History`` and call ``callback(history)``;
4. stop early if a stopping rule, ``stop(history)``, says so.

The extras, each an argument: ``batches`` draws the batches another way (one fixed batch,
subtractions, longer additions), ``validation`` gives the held-out additions, ``loss`` picks
squared error instead of cross-entropy, and ``stop`` is a stopping rule such as ``exact_for(100)``.
``train_side_by_side`` (in ``side_by_side.py``) runs the same loop for several adders at once.

Two things make it fast without changing what it computes:

- ``adam``: Adam's update with TensorFlow's fused kernel, one operation per variable;
- ``compiled_steps``: the steps between two evaluations run in one call of one ``tf.function``,
  traced once per batch shape at the start of a run and reused for the rest of it.
"""

from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from .bits import check_non_negative, check_width, make_batch
from .gru import check_size


def cross_entropy(logits, y):
    """Mean sigmoid cross-entropy over every bit: the loss of a yes/no answer per bit.

    Logits and targets of shape (batch, time, 1) give one number; with a leading axis of
    adders side by side, (adders, batch, time, 1), one number per adder.
    """
    bits = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits)
    return tf.reduce_mean(bits, axis=[-3, -2, -1])


def squared_error(logits, y):
    """The original post's loss: half the squared error, summed over bits, averaged over the batch.

    The original read its output as a number and called it 1 above 0.5; ``logits + 0.5`` is that
    number here, so both read a bit as 1 exactly when the logit is above 0. Shapes as in
    ``cross_entropy``.
    """
    batch_size = tf.cast(tf.shape(y)[-3], y.dtype)
    return tf.reduce_sum(0.5 * tf.square(logits + 0.5 - y), axis=[-3, -2, -1]) / batch_size


LOSSES = {"cross_entropy": cross_entropy, "squared_error": squared_error}


def exact_share(adder, x, y):
    """The share of additions in (x, y) whose every bit the adder gets right, from 0 to 1."""
    return exact_share_of_logits(adder(x), y)


def exact_share_of_logits(logits, y):
    """``exact_share`` from logits already computed: a bit is 1 where its logit is above 0.

    With a leading axis of adders side by side, one share per adder.
    """
    right = (np.asarray(logits)[..., 0] > 0) == np.asarray(y)[..., 0]
    return right.all(axis=-1).mean(axis=-1)


@dataclass
class History:
    """What ``train`` measured: one entry per evaluation, and whether a stopping rule ended it."""

    step: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    validation_loss: list = field(default_factory=list)
    validation_exact: list = field(default_factory=list)
    stopped: bool = False
    """True when ``stop(history)`` ended the run before its last step."""

    def record(self, step, train_loss, validation_loss, validation_exact):
        """Append one evaluation."""
        self.step.append(int(step))
        self.train_loss.append(float(train_loss))
        self.validation_loss.append(float(validation_loss))
        self.validation_exact.append(float(validation_exact))


def exact_for(steps):
    """A stopping rule for ``train``: stop once every held-out sum has been exact at every check
    for at least ``steps`` steps.

    ``exact_for(0)`` stops at the first check with every held-out sum exact. A margin such as
    ``exact_for(100)`` asks for more: one exact check can be luck, a hundred steps of them less so.

    >>> rule = exact_for(20)
    >>> history = History(step=[10, 20, 30], validation_exact=[1.0, 1.0, 1.0])
    >>> rule(history)                      # exact from step 10 to step 30: 20 steps
    True
    >>> rule(History(step=[10, 20, 30], validation_exact=[1.0, 0.99, 1.0]))
    False
    """
    steps = check_non_negative("steps", steps)

    def stop(history):
        exact = history.validation_exact
        if not exact or exact[-1] != 1.0:
            return False
        first = len(exact) - 1  # the first check of the unbroken run of exact ones at the end
        while first > 0 and exact[first - 1] == 1.0:
            first -= 1
        return history.step[-1] - history.step[first] >= steps

    stop.__qualname__ = f"exact_for({steps})"
    return stop


def one_batch(draw):
    """A ``batches`` function for ``train`` that draws one batch with ``draw(rng)`` at the first
    step and gives that same batch at every step after, as the 2017 original trained.

    Runs side by side each have their own generator, and so their own batch.

    >>> batches = one_batch(lambda rng: make_batch(rng, 4, 5))
    >>> rng = np.random.default_rng(0)
    >>> batches(rng)[0] is batches(rng)[0]
    True
    """
    drawn = {}

    def batches(rng):
        if id(rng) not in drawn:
            drawn[id(rng)] = (rng, draw(rng))  # the generator is kept so that its id stays its own
        return drawn[id(rng)][1]

    return batches


def check_pair(name, pair, inputs=2):
    """``pair`` as ``(x, y)`` float arrays of shapes (batch, time, inputs) and (batch, time, 1).

    ``inputs=None`` takes any number of inputs per step.

    >>> x, y = check_pair("validation", make_batch(np.random.default_rng(0), 4, 3))
    >>> check_pair("validation", (x, y[:, :2]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: validation: expected (x, y) of shapes ..., got (4, 3, 2) and (4, 2, 1)
    """
    try:
        x, y = (np.asarray(part, np.float32) for part in pair)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: expected a pair (x, y) of arrays, got {pair!r:.60}") from error
    if (
        x.ndim != 3
        or y.ndim != 3
        or x.shape[2] != (inputs or x.shape[2])
        or y.shape != x.shape[:2] + (1,)
        or 0 in x.shape
    ):
        raise ValueError(
            f"{name}: expected (x, y) of shapes (batch, time, {inputs or 'inputs'}) and "
            f"(batch, time, 1), "
            f"got {x.shape} and {y.shape}"
        )
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError(f"{name}: expected finite numbers, got nan or inf in x or y")
    return x, y


def check_learning_rate(learning_rate):
    """``learning_rate`` as a float, or a ValueError if it is not a finite number above 0."""
    try:
        value = float(learning_rate)
    except (TypeError, ValueError):
        value = float("nan")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"learning_rate: expected a finite number above 0, got {learning_rate!r}")
    return value


def check_losses_finite(losses, first_step, learning_rate):
    """Raise a FloatingPointError naming the first step whose training loss is not a number.

    ``losses`` holds one row per step from ``first_step`` on: one loss, or one per adder.
    """
    rows = np.reshape(losses, (len(losses), -1))
    bad = ~np.isfinite(rows)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        raise FloatingPointError(
            f"step {first_step + row}: the training loss is {rows[row][bad[row]][0]}, not a "
            "finite number: "
            f"training diverged (learning_rate {learning_rate} too large for this model, or "
            "weights that were not finite numbers before training)"
        )


def slot_like(variable):
    """A variable of zeros shaped like ``variable``, for Adam's state: not itself trained."""
    return tf.Variable(tf.zeros_like(variable), trainable=False)


def adam(variables, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam's update for ``variables``, as a function of their gradients to call in a step.

    The arithmetic of ``keras.optimizers.Adam`` (same defaults), written with TensorFlow's
    fused Adam kernel: one operation per variable instead of about ten (notebook 09 counts
    them). Every call of ``adam`` starts a fresh Adam, as a new Keras optimizer would.
    """
    dtype = variables[0].dtype
    moments = [(slot_like(v), slot_like(v)) for v in variables]
    # beta_1**t and beta_2**t after step t; Adam's state, not trained itself (trainable=False)
    beta_powers = tf.Variable([1.0, 1.0], dtype=dtype, trainable=False)

    def apply(gradients):
        powers = beta_powers.assign(beta_powers * tf.constant([beta_1, beta_2], dtype))
        # The scalars every variable's update shares, made once rather than once per variable:
        beta1_power, beta2_power = tf.unstack(powers)
        lr = tf.cast(learning_rate, dtype)
        beta1, beta2, eps = (tf.constant(c, dtype) for c in (beta_1, beta_2, epsilon))
        for variable, (m, v), gradient in zip(variables, moments, gradients):
            tf.raw_ops.ResourceApplyAdam(
                var=variable.handle,
                m=m.handle,
                v=v.handle,
                beta1_power=beta1_power,
                beta2_power=beta2_power,
                lr=lr,
                beta1=beta1,
                beta2=beta2,
                epsilon=eps,
                grad=gradient,
            )

    return apply


def compiled_steps(model, x_shape, update, loss_fn=cross_entropy, jit_compile=False):
    """Several training steps in one call: what ``train`` runs between two evaluations.

    The returned function takes k batches stacked, ``xs`` (k, *x_shape) and ``ys``
    (k, *x_shape[:-1], 1), runs one step for each (the loss ``loss_fn(model(x), y)``, its
    gradient, ``update(gradients)``) and returns the k losses. It is one ``tf.function``,
    traced at its first call for any k: with the shape of a batch fixed, the GRU writes its loop
    out step by step, and the k steps run in a ``tf.scan``. Calling it once for k steps instead
    of k times saves the cost of k - 1 calls from Python. ``jit_compile=True`` has XLA compile
    it: each step is faster, but compiling takes seconds, so it pays only for long runs.

    >>> from gru_helpers.adder import Adder
    >>> adder = Adder(hidden_size=4)
    >>> steps = compiled_steps(adder, (8, 5, 2), adam(adder.trainable_variables, 0.01))
    >>> x, y = make_batch(np.random.default_rng(0), 8, 5)
    >>> steps(np.stack([x, x, x]), np.stack([y, y, y])).shape   # three steps, three losses
    TensorShape([3])
    """
    variables = model.trainable_variables
    dtype = variables[0].dtype  # batches come as float32; the model may be float64

    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(model(x), y)  # one number, or one per adder side by side
            total = tf.reduce_sum(loss)
        update(tape.gradient(total, variables))
        return loss

    k_batches = [
        tf.TensorSpec((None, *x_shape), tf.float32),
        tf.TensorSpec((None, *x_shape[:-1], 1), tf.float32),
    ]

    no_loss = tf.zeros(x_shape[:-3], dtype)  # shaped like a step's loss: () for one adder

    # No Python control flow on tensors to convert (autograph=False); the GRU's loop is Python's.
    @tf.function(input_signature=k_batches, autograph=False, jit_compile=jit_compile)
    def steps(xs, ys):
        xs, ys = tf.cast(xs, dtype), tf.cast(ys, dtype)
        return tf.scan(lambda _, xy: train_step(*xy), (xs, ys), initializer=no_loss)

    return steps


def check_arguments(steps, width, batch_size, eval_every, learning_rate, loss):
    """The arguments ``train`` and ``train_side_by_side`` share, checked before any step runs."""
    check_non_negative("steps", steps)
    check_width(width)
    check_size("batch_size", batch_size)
    check_size("eval_every", eval_every)
    check_learning_rate(learning_rate)
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {loss!r}")


def check_callable(**functions):
    """A ValueError naming the first of ``functions`` that is neither None nor callable.

    >>> check_callable(stop=100)
    Traceback (most recent call last):
    ...
    ValueError: stop: expected a function (or None), got 100 (int)
    """
    for name, function in functions.items():
        if function is not None and not callable(function):
            raise ValueError(
                f"{name}: expected a function (or None), got {function!r:.60} "
                f"({type(function).__name__})"
            )


def train(
    adder,
    steps,
    width=17,
    batch_size=64,
    learning_rate=0.01,
    loss="cross_entropy",
    seed=0,
    batches=None,
    validation=None,
    eval_every=25,
    callback=None,
    stop=None,
    jit_compile=False,
):
    """Train ``adder`` with Adam for at most ``steps`` steps; returns a ``History``.

    Each step draws a fresh batch: ``batch_size`` additions ``width`` bits long (operands of
    ``width - 1`` bits), or whatever ``batches(rng)`` returns, with ``rng`` the run's
    ``numpy.random.Generator`` (``one_batch`` gives one fixed batch at every step). Every
    ``eval_every`` steps, and at the last, it measures the loss and the exact-sum share on
    ``validation=(x, y)`` (by default 1000 held-out additions of ``width`` bits), then calls
    ``callback(history)``; if a stopping rule ``stop(history)`` (such as ``exact_for(100)``)
    returns True, training stops there and ``history.stopped`` is True. The same ``seed``
    gives the same batches and held-out additions, so the same run.

    ``adder`` may be any model that maps x (batch, time, 2) to logits (batch, time, 1) and has
    ``trainable_variables``. A training loss that stops being a finite number stops training
    with a FloatingPointError naming the step; bad arguments are refused, by name, before any
    step runs.

    >>> from gru_helpers.adder import Adder
    >>> history = train(Adder(hidden_size=4), steps=3, eval_every=1)
    >>> history.step
    [1, 2, 3]
    """
    check_arguments(steps, width, batch_size, eval_every, learning_rate, loss)
    check_callable(batches=batches, callback=callback, stop=stop)
    seed = check_non_negative("seed", seed)
    loss_fn = LOSSES[loss]
    rng = np.random.default_rng(seed)
    if batches is None:
        batches = lambda rng: make_batch(rng, batch_size, width)  # noqa: E731
    if validation is None:
        validation = make_batch(np.random.default_rng([seed, 2**31]), 1000, width)
    dtype = adder.trainable_variables[0].dtype.as_numpy_dtype  # float32, or float64
    x_val, y_val = (part.astype(dtype) for part in check_pair("validation", validation, None))
    update = adam(adder.trainable_variables, learning_rate)
    compiled = {}  # compiled_steps for each shape of batch, traced at its first use

    history, step = History(), 0
    while step < steps:
        k = min(eval_every - step % eval_every, steps - step)  # the steps to the next evaluation
        xs, ys = stacked_batches([batches(rng) for _ in range(k)])
        shape = xs.shape[1:]
        if shape not in compiled:
            compiled[shape] = compiled_steps(adder, shape, update, loss_fn, jit_compile)
        losses = compiled[shape](xs, ys).numpy()
        check_losses_finite(losses, step + 1, learning_rate)
        step += k
        logits = adder(x_val)
        history.record(
            step, losses[-1], loss_fn(logits, y_val), exact_share_of_logits(logits, y_val)
        )
        if callback is not None:
            callback(history)
        if stop is not None and stop(history):
            history.stopped = True
            break
    return history


def stacked_batches(pairs, name="batches"):
    """The k batches ``pairs`` as two arrays (k, ...), checked: all of one shape, as (x, y)."""
    checked = [check_pair(name, pair, inputs=None) for pair in pairs]
    shapes = {x.shape for x, _ in checked}
    if len(shapes) > 1:
        raise ValueError(
            f"{name}: expected batches of one shape between two evaluations, got {sorted(shapes)}"
        )
    return np.stack([x for x, _ in checked]), np.stack([y for _, y in checked])
