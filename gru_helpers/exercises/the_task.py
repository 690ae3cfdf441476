"""Checks for the exercises of notebook 03, "The task: adding binary numbers".

1. ``check_msb_first(msb_first)``: turn a batch around so that it runs most significant bit first.
2. ``check_best_accuracy(best_accuracy)``: the best share of right bits at each step, most
   significant first, that any network reading left to right can reach.
3. ``check_msb_measured(accuracy)``: what a briefly trained adder reached, against that bound.

>>> check_best_accuracy(lambda width: np.ones(width)).status
'wrong'
>>> check_best_accuracy(best_accuracy).status
'right'
"""

import numpy as np

from ..bits import make_batch
from . import Wrong, exercise, expect_close, expect_shape

# Exercise 1 --------------------------------------------------------------------------------------


@exercise("Most significant bit first")
def check_msb_first(msb_first):
    """``msb_first(x, y)`` must return ``(x, y)`` with the time axis (axis 1) reversed."""
    x, y = make_batch(np.random.default_rng(3), batch_size=6, width=7)
    answer = msb_first(x.copy(), y.copy())
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise Wrong("Return two arrays, the inputs and the targets: return x_msb, y_msb.")
    got_x, got_y = (np.asarray(part) for part in answer)
    expect_shape("x", got_x, x.shape)
    expect_shape("y", got_y, y.shape)
    x_right, y_right = np.array_equal(got_x, x[:, ::-1]), np.array_equal(got_y, y[:, ::-1])
    if x_right and np.array_equal(got_y, y):
        raise Wrong(
            "The inputs are reversed but the targets are not: the network would have to give "
            "the sum's lowest bit when it has read only the operands' top bits."
        )
    if y_right and np.array_equal(got_x, x):
        raise Wrong("The targets are reversed but the inputs are not: reverse both.")
    if np.array_equal(got_x, x[::-1]) or np.array_equal(got_y, y[::-1]):
        raise Wrong(
            "That reverses axis 0, the order of the additions in the batch; "
            "time is axis 1: x[:, ::-1]."
        )
    if np.array_equal(got_x, x[:, :, ::-1]) or np.array_equal(got_x, x[:, ::-1, ::-1]):
        raise Wrong("Axis 2 holds the two operands, a and b: leave it as it is.")
    if not (x_right and y_right):
        raise Wrong("Those are not the bits of the batch in the other order: reverse axis 1.")
    return "Both the operands' and the sum's bits now run most significant first."


# Exercise 2 --------------------------------------------------------------------------------------


def best_accuracy(width):
    """The reference answer: sum bit k is a_k ⊕ b_k ⊕ c_k, and the carry c_k into bit k depends
    only on the bits below k, which a reader going most significant first has not seen. Its best
    guess is the likelier carry, right with probability 1 - P(c_k = 1) = 1/2 + 2**-(k+1).
    Returned in the order the network answers: step t gives sum bit width - 1 - t."""
    k = np.arange(width)[::-1]
    return 0.5 + 2.0 ** -(k + 1)


@exercise("The best a left-to-right reader can do")
def check_best_accuracy(best_accuracy_answer):
    """``best_accuracy(width)`` must give, for each step of an MSB-first sequence of ``width``
    steps, the largest share of right bits any network can reach there (within 0.01)."""
    for width in (9, 5):
        got = np.asarray(best_accuracy_answer(width), dtype=np.float64)
        expect_shape(f"best_accuracy({width})", got, (width,))
        right = best_accuracy(width)
        if np.allclose(got, 1, atol=0.01):
            raise Wrong(
                "Nothing breaks? At its first step the network must give the sum's top bit, "
                "which is the carry out of every bit it has not read yet."
            )
        if np.allclose(got, 0.5, atol=0.01):
            raise Wrong(
                "Not everything is a coin toss: the last step gives the sum's lowest bit, "
                "a_0 ⊕ b_0, which has no carry into it and is known exactly."
            )
        if np.allclose(got, right[::-1], atol=0.01):
            raise Wrong(
                "Your array runs least significant bit first. Entry 0 is the first step the "
                "network answers when the bits come most significant first: the sum's top bit."
            )
        if np.allclose(got, 1 - right, atol=0.01):
            raise Wrong(
                "That is the chance that the carry is 1. A best guess says the likelier value, "
                "so it is right with the larger of P(carry = 1) and P(carry = 0)."
            )
        expect_close(f"best_accuracy({width})", got, right, atol=0.01)
    return (
        "Sum bit k is right at best with probability 1/2 + 2^-(k+1): a coin toss for the top "
        "bits, certain only for the lowest one."
    )


# Exercise 3 --------------------------------------------------------------------------------------


@exercise("Measured: most significant bit first")
def check_msb_measured(accuracy):
    """``accuracy`` holds the share of right bits at each step of an MSB-first adder, trained on
    fresh batches (``batches=``) and measured on held-out additions (about 1000 of them)."""
    accuracy = np.asarray(accuracy, dtype=np.float64).ravel()
    if accuracy.size < 4:
        raise Wrong(f"Expected one share per time step, got {accuracy.size} numbers.")
    bound = best_accuracy(accuracy.size)
    if np.all(accuracy > 0.95):
        raise Wrong(
            "Every step is near 1, which no MSB-first reader can do: were the held-out "
            "additions turned around with msb_first too?"
        )
    if accuracy[0] > 0.95 and accuracy[-1] < 0.9:
        raise Wrong(
            "The array runs the other way: the last MSB-first step should be the sure one."
        )
    if np.any(accuracy > bound + 0.06):
        t = int(np.argmax(accuracy - bound))
        raise Wrong(
            f"At step {t} it is right {accuracy[t]:.0%} of the time, above the best possible "
            f"{bound[t]:.0%}: measure on about 1000 held-out additions, turned around with "
            "msb_first, that the adder did not train on (a handful can beat the bound by chance)."
        )
    if accuracy[-1] < 0.95:
        raise Wrong(
            f"The last step, a_0 ⊕ b_0, is right only {accuracy[-1]:.0%} of the time: "
            "train a little longer."
        )
    last = "every sum" if accuracy[-1] == 1 else "at least 95% of the sums"
    return (
        f"The last step, a_0 ⊕ b_0, is right in {last}, and no step beats the bound of exercise 2 "
        "by more than the noise of the sample: the early steps cannot do much better than a coin "
        "toss, because the carry they need is read only after they answer."
    )
