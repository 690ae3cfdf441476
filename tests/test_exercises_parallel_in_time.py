"""The checks of notebook 11's exercises: right answers pass, typical wrong ones get their hint."""

import numpy as np
import pytest

from gru_helpers import MinGRUAdder
from gru_helpers.exercises import parallel_in_time as pit


def stub(*args):
    raise NotImplementedError  # your code here


# Exercise 1: Blelloch's scan ---------------------------------------------------------------------


def blelloch_scan(a, b, combine):
    """The solution: up the tree, then down it filling in inclusive prefixes."""
    a, b = a.copy(), b.copy()
    steps, d = a.shape[1], 1
    while d < steps:  # position i with (i + 1) a multiple of 2d takes in position i - d
        i = np.arange(2 * d - 1, steps, 2 * d)
        a[:, i], b[:, i] = combine((a[:, i - d], b[:, i - d]), (a[:, i], b[:, i]))
        d *= 2
    d //= 4
    while d >= 1:  # position i with (i + 1) an odd multiple of d takes in the prefix at i - d
        i = np.arange(3 * d - 1, steps, 2 * d)
        a[:, i], b[:, i] = combine((a[:, i - d], b[:, i - d]), (a[:, i], b[:, i]))
        d //= 2
    return b


def swapped(combine):
    return lambda earlier, later: combine(later, earlier)


def hillis_steele_plain(a, b, combine):
    d = 1
    while d < a.shape[1]:
        a_before = np.pad(a[:, :-d], ((0, 0), (d, 0)), constant_values=1)
        b_before = np.pad(b[:, :-d], ((0, 0), (d, 0)))
        a, b = combine((a_before, b_before), (a, b))
        d *= 2
    return b


def loop(a, b, combine):
    a, b = a.copy(), b.copy()
    for t in range(1, a.shape[1]):
        a[:, t], b[:, t] = combine((a[:, t - 1], b[:, t - 1]), (a[:, t], b[:, t]))
    return b


def exclusive(a, b, combine):
    h = blelloch_scan(a, b, combine)
    return np.pad(h[:, :-1], ((0, 0), (1, 0)))


def no_combine(a, b, combine):
    h, states = np.zeros(a.shape[0]), []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        states.append(h)
    return np.stack(states, axis=1)


def test_blelloch_right():
    feedback = pit.check_blelloch_scan(blelloch_scan)
    assert feedback and "in 19 levels" in feedback.message, feedback


def test_blelloch_not_attempted():
    assert pit.check_blelloch_scan(stub).status == "not attempted"


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda a, b, c: blelloch_scan(a, b, swapped(c)), "not commutative"),
        (exclusive, "exclusive scan"),
        (hillis_steele_plain, "Hillis and Steele"),
        (loop, "that is a loop"),
        (no_combine, "never called"),
        (lambda a, b, c: (a, blelloch_scan(a, b, c)), "returns a pair"),
        (lambda a, b, c: blelloch_scan(a, b, c).T, "shape"),
        (lambda a, b, c: 2 * blelloch_scan(a, b, c), "expected"),
    ],
)
def test_blelloch_wrong(answer, hint):
    feedback = pit.check_blelloch_scan(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_the_a_of_each_composition_gets_its_hint():
    def only_a(a, b, combine):
        a, b = a.copy(), b.copy()
        d = 1
        while d < a.shape[1]:
            a_before = np.pad(a[:, :-d], ((0, 0), (d, 0)), constant_values=1)
            b_before = np.pad(b[:, :-d], ((0, 0), (d, 0)))
            a, b = combine((a_before, b_before), (a, b))
            d *= 2
        return a

    feedback = pit.check_blelloch_scan(only_a)
    assert feedback.status == "wrong" and "the a of each composition" in feedback.message


# Exercise 2: a carry the minGRU would keep forever -----------------------------------------------

Z, H_TILDE = np.array([1.0, 0, 0, 1]), np.array([0.0, 0.5, -3, 1])


def test_carry_gates_right_whatever_the_candidate_of_a_propagating_pair():
    assert pit.check_carry_gates(Z, H_TILDE)
    assert pit.check_carry_gates([1, 0, 0, 1], [0, 0, 0, 1])


def test_carry_gates_not_attempted():
    assert pit.check_carry_gates(..., ...).status == "not attempted"


def sigmoid(v):
    return 1 / (1 + np.exp(-np.asarray(v, np.float64)))


@pytest.mark.parametrize(
    "z, h_tilde, hint",
    [
        (1 - Z, H_TILDE, "z = 0 (keep the old state)"),
        (np.ones(4), H_TILDE, "z = 0 (keep the old state)"),
        (np.zeros(4), H_TILDE, "the candidate replaces the old state"),
        (Z, np.array([1.0, 0, 0, 0]), "swapped"),
        (sigmoid([10, -10, -10, 10]), H_TILDE, "exactly 0 and 1"),
        (sigmoid([20, -20, -20, 20]), H_TILDE, "exactly 0 and 1"),
        (Z, np.array([0.0, 0, 0, 0.5]), "pair (1, 1)"),
        (Z.reshape(2, 2), H_TILDE, "2 × 2"),
        (Z[:3], H_TILDE, "shape"),
        (np.array([1.0, 0, 0, np.nan]), H_TILDE, "NaN"),
    ],
)
def test_carry_gates_wrong(z, h_tilde, hint):
    feedback = pit.check_carry_gates(z, h_tilde)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


# Exercise 3: how far a trained carry reaches -----------------------------------------------------


def propagate_keep(adder, rows=(1, 2), keep=True, bias=True):
    cell = adder.cell
    logits = cell.W_z.numpy()[list(rows)] + (cell.b_z.numpy() if bias else 0)
    z = 1 / (1 + np.exp(-logits))
    return 1 - z if keep else z


def test_propagate_keep_right():
    assert pit.check_propagate_keep(propagate_keep)


def test_propagate_keep_right_through_the_cell_itself():
    def by_the_cell(adder):
        pairs = adder.one_hot(np.array([[[0, 1], [1, 0]]], np.float32))[0]
        return 1 - np.asarray(1 / (1 + np.exp(-(pairs @ adder.cell.W_z + adder.cell.b_z))))

    assert pit.check_propagate_keep(by_the_cell)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda adder: propagate_keep(adder, keep=False), "share of the old state"),
        (lambda adder: propagate_keep(adder, rows=(0, 3)), "kill or make a carry"),
        (lambda adder: propagate_keep(adder, rows=(2, 1)), "Rows swapped"),
        (lambda adder: propagate_keep(adder, bias=False), "bias is missing"),
        (lambda adder: propagate_keep(adder).T, "transposed"),
        (lambda adder: propagate_keep(adder) ** 2, "largest difference"),
    ],
)
def test_propagate_keep_wrong(answer, hint):
    feedback = pit.check_propagate_keep(answer)
    assert feedback.status == "wrong" and hint in feedback.message, feedback


def test_the_checks_own_adders_have_gates_away_from_their_start():
    adder = pit._adder_with_random_gates(3)
    assert isinstance(adder, MinGRUAdder)
    assert np.abs(adder.cell.b_z.numpy()).max() > 0.1  # a missing bias would show
