"""The checks of notebook 01's exercises: right answers pass, typical wrong ones get their hint."""

import numpy as np
import pytest

from gru_helpers.exercises import gates


def stub(x):
    raise NotImplementedError  # your code here


def stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def test_stable_sigmoid_right():
    assert gates.check_stable_sigmoid(stable_sigmoid).status == "right"


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda x: 1 / (1 + np.exp(-x)), "overflow"),
        (lambda x: np.exp(x) / (1 + np.exp(x)), "overflow"),
        (lambda x: 1 / (1 + np.exp(np.minimum(x, 700))), "σ(-x)"),
    ],
    ids=["the formula as written", "the other form for every x", "sign flipped"],
)
def test_stable_sigmoid_wrong(answer, hint):
    feedback = gates.check_stable_sigmoid(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_sigmoid_from_tanh_right():
    assert gates.check_sigmoid_from_tanh(lambda x: (1 + np.tanh(x / 2)) / 2)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda x: (1 + np.tanh(x)) / 2, "σ(2x)"),
        (lambda x: (1 + np.tanh(x / 4)) / 2, "σ(x/2)"),
        (lambda x: np.tanh(x / 2) / 2, "add ½"),
        (lambda x: 2 * np.tanh(x / 2) - 1, "(−3, 1)"),
    ],
)
def test_sigmoid_from_tanh_wrong(answer, hint):
    feedback = gates.check_sigmoid_from_tanh(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_saturation_right():
    x_tanh = np.arctanh(np.sqrt(0.99))
    assert gates.check_saturation(2 * x_tanh, x_tanh)
    grid = np.linspace(0, 10, 100_001)  # a search on a grid is just as good
    sigmoid_slope = np.exp(-grid) / (1 + np.exp(-grid)) ** 2
    x_sigmoid = grid[np.argmax(sigmoid_slope < 0.0025)]
    x_tanh = grid[np.argmax(1 - np.tanh(grid) ** 2 < 0.01)]
    assert gates.check_saturation(x_sigmoid, x_tanh)


@pytest.mark.parametrize(
    "x_sigmoid, x_tanh, hint",
    [
        (2.993, 5.986, "swapped"),
        (4.59, 2.993, "4% of its peak"),
        (5.0, 3.0, "x_sigmoid was 5"),
    ],
)
def test_saturation_wrong(x_sigmoid, x_tanh, hint):
    feedback = gates.check_saturation(x_sigmoid, x_tanh)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_not_attempted():
    assert gates.check_stable_sigmoid(stub).status == "not attempted"
    assert gates.check_sigmoid_from_tanh(stub).status == "not attempted"
    assert gates.check_saturation(..., ...).status == "not attempted"
