"""The checks of notebook 06's exercises: right answers pass, typical wrong ones get their hint."""

import numpy as np
import pytest

from gru_helpers import Adder, add_bits
from gru_helpers.exercises import any_length


def stub(*args):
    raise NotImplementedError  # your code here


# Exercise 1: how far a carry travels -------------------------------------------------------------


def longest_carry_chain(x):
    """A reader's answer: the carries column by column, then the longest run of 1s."""
    carry, run, best = np.zeros(len(x)), np.zeros(len(x), int), np.zeros(len(x), int)
    for t in range(x.shape[1]):
        carry = (x[:, t, 0] + x[:, t, 1] + carry) >= 2
        run = np.where(carry, run + 1, 0)
        best = np.maximum(best, run)
    return best


def test_longest_carry_chain_right():
    assert any_length.check_longest_carry_chain(longest_carry_chain)
    assert any_length.check_longest_carry_chain(any_length.longest_carry_chain)


def generate_only(x):
    return any_length.longest_run(x[..., 0].astype(int) & x[..., 1].astype(int))


@pytest.mark.parametrize(
    "answer, hint",
    [
        (generate_only, "both bits are 1"),
        (lambda x: any_length.carries(x.astype(int)).sum(axis=1), "in all"),
        (lambda x: longest_carry_chain(x) + 1, "Off by one"),
        (lambda x: longest_carry_chain(x[:, ::-1]), "least significant first"),
        (lambda x: longest_carry_chain(x)[:-1], "expected"),
        (lambda x: np.zeros(len(x), int), "you gave"),
    ],
)
def test_longest_carry_chain_wrong(answer, hint):
    feedback = any_length.check_longest_carry_chain(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


# Exercise 2: perfect at 4 bits, wrong at 8 -------------------------------------------------------
# Stand-ins for trained adders, with the rule they follow known: the check only calls
# predict_bits, so no test here trains anything.


class RippleAdder:
    """Adds exactly, like a perfect adder; with ``keeps_carry_for``, a carry that has travelled
    that many columns is dropped, as by an adder that never learned longer chains."""

    def __init__(self, keeps_carry_for=None):
        self.keeps_carry_for = keeps_carry_for

    def predict_bits(self, x):
        x = np.asarray(x).astype(int)
        if self.keeps_carry_for is None:
            return add_bits(x[..., 0], x[..., 1]).astype(int)
        carry, run, bits = np.zeros(len(x), int), np.zeros(len(x), int), []
        for t in range(x.shape[1]):
            total = x[:, t, 0] + x[:, t, 1] + carry
            bits.append(total % 2)
            carry = (total >= 2).astype(int)
            run = np.where(carry == 1, run + 1, 0)
            carry = np.where(run > self.keeps_carry_for, 0, carry)
        return np.stack(bits, axis=1)


def test_all_additions_are_every_addition():
    x, y = any_length.all_additions(3)
    a = (x[..., 0] * 2 ** np.arange(4)).sum(axis=1)
    b = (x[..., 1] * 2 ** np.arange(4)).sum(axis=1)
    s = (y[..., 0] * 2 ** np.arange(4)).sum(axis=1)
    assert len(set(zip(a, b))) == 64 and (a < 8).all() and (b < 8).all()
    np.testing.assert_array_equal(s, a + b)


@pytest.mark.parametrize("bits", [0, 11, 2.0, True])
def test_all_additions_refuses_bad_bits(bits):
    with pytest.raises(ValueError, match="bits: expected an int from 1 to 10"):
        any_length.all_additions(bits)


class ForgetsTheCarryAfter(RippleAdder):
    """Adds exactly in the first ``columns`` columns and ignores the carry after them."""

    def __init__(self, columns):
        super().__init__()
        self.columns = columns

    def predict_bits(self, x):
        bits = super().predict_bits(x)
        x = np.asarray(x).astype(int)
        bits[:, self.columns :] = (x[:, self.columns :, 0] + x[:, self.columns :, 1]) % 2
        return bits


def test_adder_4_not_8_right_where_carries_go_far():
    feedback = any_length.check_adder_4_not_8(RippleAdder(keeps_carry_for=4))
    assert feedback, feedback
    # It is wrong exactly where a carry travels five columns or more, and the check says so.
    chains = any_length.longest_carry_chain(any_length.all_additions(8)[0])
    n = int((chains > 4).sum())
    assert f"wrong on {n} of the 65 536 8-bit ones" in feedback.message, feedback
    assert f"In {n} of the {n} a carry travels more than four columns" in feedback.message
    assert "farther than its training ever showed it" in feedback.message


def test_adder_4_not_8_right_without_long_carries():
    feedback = any_length.check_adder_4_not_8(ForgetsTheCarryAfter(columns=5))
    assert feedback, feedback
    assert "in the other" in feedback.message and "none does" in feedback.message, feedback
    assert any_length.count_exact(ForgetsTheCarryAfter(columns=5), 4) == 256


def test_count_exact():
    assert any_length.count_exact(RippleAdder(), 8) == 65536
    chains = any_length.longest_carry_chain(any_length.all_additions(6)[0])
    assert any_length.count_exact(RippleAdder(keeps_carry_for=4), 6) == (chains <= 4).sum()


@pytest.mark.parametrize(
    "adder, hint",
    [
        (RippleAdder(), "exact on all 65 536 8-bit additions too"),
        (RippleAdder(keeps_carry_for=2), "not learned even the length"),
        (Adder(hidden_size=4, seed=0), "not learned even the length"),
        ([RippleAdder(4)], "Give one adder"),
        (3, "Give a trained Adder"),
    ],
)
def test_adder_4_not_8_wrong(adder, hint):
    feedback = any_length.check_adder_4_not_8(adder)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_not_attempted():
    assert any_length.check_longest_carry_chain(stub).status == "not attempted"
    assert any_length.check_adder_4_not_8(...).status == "not attempted"
