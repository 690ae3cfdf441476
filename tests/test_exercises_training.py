"""The checks of notebook 05's exercises: right answers pass, typical wrong ones get their hint."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gru_helpers import History, cross_entropy, squared_error
from gru_helpers.exercises import training


def stub(*args):
    raise NotImplementedError  # your code here


# Exercise 1: the losses before training ----------------------------------------------------------


def test_starting_losses_right():
    assert training.check_starting_losses(np.log(2), 17 * 0.5 * 0.25)
    assert training.check_starting_losses(0.6931, 2.125)


@pytest.mark.parametrize(
    "ce, se, hint",
    [
        (1.0, 2.125, "natural logarithm"),
        (0.5, 2.125, "σ(0)"),
        (17 * np.log(2), 2.125, "does not add up"),
        (0.9, 2.125, "cross_entropy was"),
        (np.log(2), 0.125, "adds up the 17 bits"),
        (np.log(2), 4.25, "factor 1/2"),
        (np.log(2), 0.0, "half-way"),
        (np.log(2), 3.0, "squared_error was"),
    ],
)
def test_starting_losses_wrong(ce, se, hint):
    feedback = training.check_starting_losses(ce, se)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


# Exercise 2: one training step, written out ------------------------------------------------------


def train_step(adder, optimizer, x, y, loss=cross_entropy, sign=1.0, returns=True, fresh=False):
    """The solution, with keywords that make the typical mistakes."""
    if fresh:
        optimizer = keras.optimizers.Adam(0.01)
    with tf.GradientTape() as tape:
        value = loss(adder(x), y)
    gradients = tape.gradient(value, adder.trainable_variables)
    optimizer.apply_gradients(zip([sign * g for g in gradients], adder.trainable_variables))
    return value if returns else None


def test_train_step_right():
    assert training.check_train_step(train_step)


def no_update(adder, optimizer, x, y):
    return cross_entropy(adder(x), y)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (no_update, "did not move"),
        (lambda *a: train_step(*a, sign=-1.0), "negated"),
        (lambda *a: train_step(*a, loss=squared_error), "squared_error"),
        (lambda *a: train_step(*a, fresh=True), "new Adam"),
        (lambda *a: train_step(*a, returns=False), "return the loss"),
        (lambda *a: train_step(*a, sign=0.5), "differs"),
    ],
)
def test_train_step_wrong(answer, hint):
    feedback = training.check_train_step(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


# Exercise 3: one fixed batch of 16 additions -----------------------------------------------------


def history(train_loss, validation_loss):
    steps = list(range(10, 10 * len(train_loss) + 1, 10))
    return History(steps, list(train_loss), list(validation_loss), [0.0] * len(train_loss))


MEMORISED = history(np.geomspace(0.6, 0.004, 30), np.linspace(0.7, 2.3, 30))
GENERALISED = history(np.geomspace(0.6, 0.004, 30), np.geomspace(0.62, 0.005, 30))


def test_fixed_16_right():
    assert training.check_fixed_16("b", MEMORISED)
    assert training.check_fixed_16(" B ", MEMORISED)


def test_fixed_16_says_what_any_such_run_shows_not_its_last_digits():
    message = training.check_fixed_16("b", MEMORISED).message
    assert "fell below 0.05 while the held-out loss rose to more than twice its lowest" in message
    assert "0.004" not in message and "2.3" not in message
    smaller_rise = history(np.geomspace(0.6, 0.06, 30), np.linspace(0.7, 0.9, 30))
    message = training.check_fixed_16("b", smaller_rise).message
    assert "fell below 0.1 while the held-out loss rose above its lowest" in message


@pytest.mark.parametrize(
    "prediction, run, hint",
    [
        ("a", MEMORISED, "Your run says otherwise"),
        ("c", MEMORISED, "Your run says otherwise"),
        ("d", MEMORISED, "Choose one letter"),
        ("b", GENERALISED, "only 16 additions"),
        ("b", history([0.6, 0.5, 0.4, 0.3, 0.2, 0.15], [0.7] * 6), "train longer"),
        ("b", history([0.6, 0.001], [0.7, 2.0]), "check more often"),
    ],
)
def test_fixed_16_wrong(prediction, run, hint):
    feedback = training.check_fixed_16(prediction, run)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_not_attempted():
    assert training.check_starting_losses(..., 2.125).status == "not attempted"
    assert training.check_train_step(stub).status == "not attempted"
    assert training.check_fixed_16(..., ...).status == "not attempted"
    assert training.check_fixed_16("b", ...).status == "not attempted"
