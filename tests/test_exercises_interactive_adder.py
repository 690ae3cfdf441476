"""The checks of notebook 08's exercises: right answers pass, typical wrong ones get their hint."""

import numpy as np
import pytest

from gru_helpers import Adder, make_batch, train
from gru_helpers.exercises import interactive_adder
from gru_helpers.exercises.interactive_adder import subtractions


def stub(*args):
    raise NotImplementedError  # your code here


def assert_wrong(feedback, hint):
    assert feedback.status == "wrong", feedback
    assert hint in feedback.message, feedback.message


def test_not_attempted():
    assert interactive_adder.check_longest_carry(...).status == "not attempted"
    assert interactive_adder.check_subtraction_batch(stub).status == "not attempted"
    assert interactive_adder.check_subtraction_batch(...).status == "not attempted"
    assert interactive_adder.check_subtractor(...).status == "not attempted"


def test_longest_carry():
    assert interactive_adder.check_longest_carry((255, 1))
    assert interactive_adder.check_longest_carry((129, 127))
    assert_wrong(interactive_adder.check_longest_carry((170, 85)), "carries nothing")
    assert_wrong(interactive_adder.check_longest_carry((128, 128)), "runs through 1 bit in a row")
    assert_wrong(interactive_adder.check_longest_carry((511, 1)), "does not fit in 8 bits")
    assert_wrong(interactive_adder.check_longest_carry(256), "as a pair")


def with_y(change):
    """A subtraction batch whose y is changed by change(x, y, a, b)."""

    def batch(rng, batch_size, width):
        x, y = subtractions(rng, batch_size, width)
        return change(x, y)

    return batch


def bits(numbers, width):
    return np.array([[(int(n) >> t) & 1 for t in range(width)] for n in numbers], np.float32)


def test_subtraction_batch():
    assert interactive_adder.check_subtraction_batch(subtractions)
    check = interactive_adder.check_subtraction_batch
    msb_first = with_y(lambda x, y: (x[:, ::-1], y[:, ::-1]))
    assert_wrong(check(msb_first), "wrong order")
    assert_wrong(check(with_y(lambda x, y: (x, y[..., 0]))), "last axis of 1")

    def added(rng, batch_size, width):
        x, _ = subtractions(rng, batch_size, width)
        a = x[..., 0] @ 2 ** np.arange(width)
        b = x[..., 1] @ 2 ** np.arange(width)
        return x, bits(a + b, width)[..., np.newaxis]

    assert_wrong(check(added), "holds a + b")

    def swapped(rng, batch_size, width):
        x, _ = subtractions(rng, batch_size, width)
        x = x[..., ::-1]  # b >= a in every row
        a = x[..., 0] @ 2 ** np.arange(width)
        b = x[..., 1] @ 2 ** np.arange(width)
        return x, bits(b - a, width)[..., np.newaxis]

    assert_wrong(check(swapped), "holds b - a")

    def unswapped(rng, batch_size, width):
        x, _ = make_batch(rng, batch_size, width)  # a < b in about half the rows
        a = x[..., 0] @ 2 ** np.arange(width)
        b = x[..., 1] @ 2 ** np.arange(width)
        return x, bits(np.abs(a - b), width)[..., np.newaxis]

    assert_wrong(check(unswapped), "a < b")

    def fixed(rng, batch_size, width):
        return subtractions(np.random.default_rng(0), batch_size, width)

    assert_wrong(check(fixed), "another rng gave the same batch")


@pytest.fixture(scope="module")
def subtractor():
    rng = np.random.default_rng(0)
    adder = Adder(hidden_size=16, seed=0)
    train(
        adder,
        steps=250,
        batches=lambda rng: subtractions(rng, 64, 17),
        validation=subtractions(rng, 1000, 17),
    )
    return adder


def test_subtractor(subtractor, trained):
    assert interactive_adder.check_subtractor(subtractor)
    assert_wrong(interactive_adder.check_subtractor(trained), "it adds")
    assert_wrong(interactive_adder.check_subtractor(Adder(hidden_size=16)), "train it longer")
    assert_wrong(interactive_adder.check_subtractor("adder"), "expected a trained Adder")
