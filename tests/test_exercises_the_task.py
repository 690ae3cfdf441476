"""The checks of notebook 03's exercises: right answers pass, typical wrong ones get their hint."""

import numpy as np
import pytest

from gru_helpers import make_batch
from gru_helpers.exercises import the_task


def stub(*args):
    raise NotImplementedError  # your code here


def test_msb_first_right():
    assert the_task.check_msb_first(lambda x, y: (x[:, ::-1], y[:, ::-1]))
    assert the_task.check_msb_first(lambda x, y: (np.flip(x, axis=1), np.flip(y, axis=1)))


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda x, y: (x[:, ::-1], y), "targets are not"),
        (lambda x, y: (x, y[:, ::-1]), "inputs are not"),
        (lambda x, y: (x[::-1], y[::-1]), "axis 0"),
        (lambda x, y: (x[:, ::-1, ::-1], y[:, ::-1]), "Axis 2"),
        (lambda x, y: x[:, ::-1], "Return two arrays"),
    ],
)
def test_msb_first_wrong(answer, hint):
    feedback = the_task.check_msb_first(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_best_accuracy_right():
    assert the_task.check_best_accuracy(lambda w: 0.5 + 2.0 ** -(np.arange(w, 0, -1)))

    def estimated(width):  # by simulation, as a reader may do it
        x, _ = make_batch(np.random.default_rng(0), 100_000, width)
        carry, carries = np.zeros(len(x)), []
        for t in range(width):
            carries.append(carry)
            carry = (x[:, t, 0] + x[:, t, 1] + carry) // 2
        p = np.mean(carries, axis=1)[::-1]
        return np.maximum(p, 1 - p)

    assert the_task.check_best_accuracy(estimated)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda w: np.ones(w), "Nothing breaks"),
        (lambda w: np.full(w, 0.5), "a_0 ⊕ b_0"),
        (lambda w: 0.5 + 2.0 ** -(np.arange(w) + 1), "least significant bit first"),
        (lambda w: 0.5 - 2.0 ** -(np.arange(w, 0, -1)), "chance that the carry is 1"),
        (lambda w: np.ones(w - 1), "expected"),
    ],
)
def test_best_accuracy_wrong(answer, hint):
    feedback = the_task.check_best_accuracy(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


BOUND = the_task.best_accuracy(9)


def test_msb_measured_right():
    measured = np.array([0.495, 0.52, 0.527, 0.483, 0.502, 0.531, 0.616, 0.736, 1.0])
    feedback = the_task.check_msb_measured(measured)
    assert feedback and "right in every sum, and no step beats the bound" in feedback.message
    nearly = np.append(measured[:-1], 0.97)
    feedback = the_task.check_msb_measured(nearly)
    assert feedback and "at least 95% of the sums" in feedback.message
    assert "0.736" not in feedback.message and "74%" not in feedback.message  # no last digits


@pytest.mark.parametrize(
    "accuracy, hint",
    [
        (np.ones(9), "were the held-out"),
        (np.array([1.0, 0.74, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), "other way"),
        (np.append(np.full(8, 0.7), 1.0), "above the best possible"),
        (np.append(BOUND[:-1], 0.8), "train a little longer"),
    ],
)
def test_msb_measured_wrong(accuracy, hint):
    feedback = the_task.check_msb_measured(accuracy)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_not_attempted():
    assert the_task.check_msb_first(stub).status == "not attempted"
    assert the_task.check_best_accuracy(stub).status == "not attempted"
    assert the_task.check_msb_measured(...).status == "not attempted"
