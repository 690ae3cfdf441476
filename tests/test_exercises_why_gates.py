"""The checks of notebook 07's exercises: right answers pass, typical wrong ones get their hint."""

import numpy as np
import pytest

from gru_helpers.exercises import why_gates
from gru_helpers.exercises.why_gates import rnn_gradient_variant, step_backward_variant


def stub(*args):
    raise NotImplementedError  # your code here


def central(f, x, eps=1e-4):
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def one_sided(f, x, eps=1e-4):
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - f(x)) / eps
    return grad


def in_place(f, x, eps=1e-4):
    grad = np.zeros_like(x)
    for i in range(x.size):
        x.flat[i] += eps
        up = f(x)
        x.flat[i] -= 2 * eps
        grad.flat[i] = (up - f(x)) / (2 * eps)  # forgets to put x back
    return grad


def assert_wrong(feedback, hint):
    assert feedback.status == "wrong", feedback
    assert hint in feedback.message, feedback.message


@pytest.mark.parametrize("check", ["numerical_gradient", "rnn_gradient", "step_backward"])
def test_a_stub_or_dots_is_not_attempted(check):
    check = getattr(why_gates, f"check_{check}")
    assert check(stub).status == "not attempted"
    assert check(...).status == "not attempted"


def test_numerical_gradient():
    assert why_gates.check_numerical_gradient(central)
    assert_wrong(why_gates.check_numerical_gradient(one_sided), "one-sided difference")
    assert_wrong(
        why_gates.check_numerical_gradient(lambda f, x, eps: 2 * central(f, x, eps)), "by 2ε"
    )
    assert_wrong(
        why_gates.check_numerical_gradient(lambda f, x, eps: -central(f, x, eps)), "wrong sign"
    )
    assert_wrong(why_gates.check_numerical_gradient(in_place), "changed the x")
    assert_wrong(
        why_gates.check_numerical_gradient(lambda f, x, eps: central(f, x, eps).ravel()[:2]),
        "has shape (2,), expected (4,)",
    )


@pytest.mark.parametrize(
    "changes, hint",
    [
        (dict(carry_back=False), "own output"),
        (dict(every_step=False), "only the last step's term"),
        (dict(slope=False), "slope of tanh is missing"),
        (dict(previous_state=False), "off by one step"),
    ],
)
def test_rnn_gradient_names_the_mistake(changes, hint):
    answer = lambda *args: rnn_gradient_variant(*args, **changes)  # noqa: E731
    assert_wrong(why_gates.check_rnn_gradient(answer), hint)


def test_rnn_gradient():
    assert why_gates.check_rnn_gradient(rnn_gradient_variant)
    assert_wrong(
        why_gates.check_rnn_gradient(lambda *args: rnn_gradient_variant(*args).T), "transpose"
    )
    assert_wrong(
        why_gates.check_rnn_gradient(lambda *args: -rnn_gradient_variant(*args)), "wrong sign"
    )


@pytest.mark.parametrize(
    "changes, hint",
    [
        (dict(flip_z=True), "z's convention is flipped"),
        (dict(direct=False), "direct path is missing"),
        (dict(through_z=False), "through the update gate is missing"),
        (dict(through_h=False), "through the candidate h̃_t is missing"),
        (dict(through_r=False), "through the reset gate is missing"),
        (dict(r_on_h=False), "multiplied by r_t"),
        (dict(transpose=False), "not transposed"),
    ],
)
def test_step_backward_names_the_mistake(changes, hint):
    answer = lambda p, h, x, g: step_backward_variant(p, h, x, g, **changes)  # noqa: E731
    assert_wrong(why_gates.check_step_backward(answer), hint)


def test_step_backward():
    assert why_gates.check_step_backward(step_backward_variant)
    assert_wrong(
        why_gates.check_step_backward(lambda p, h, x, g: -step_backward_variant(p, h, x, g)),
        "wrong sign",
    )
    assert_wrong(
        why_gates.check_step_backward(lambda p, h, x, g: step_backward_variant(p, h, x, g).T),
        "it looks transposed",
    )
    assert_wrong(
        why_gates.check_step_backward(lambda p, h, x, g: 1.01 * step_backward_variant(p, h, x, g)),
        "differs from the expected values",
    )
