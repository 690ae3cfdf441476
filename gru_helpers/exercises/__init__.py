"""Checks for the exercises at the end of each notebook, one module per notebook.

A reader writes an answer (usually a function whose stub raises ``NotImplementedError``, or a value
left as ``...``) and runs its check in the next cell. The check tries the answer on cases whose
results are known and returns a ``Feedback``:

- **right**, with one line on what that shows;
- **not yet**, with a hint aimed at the likely mistake (gates swapped, bits in the wrong order,
  a shape transposed, ...);
- **not attempted**, while the answer is still the stub.

A check never raises, so "Run All" goes through with every exercise left open. A check is a
function decorated with ``@exercise``: it raises ``Wrong(hint)`` when the answer is wrong and
returns the sentence to show when it is right.

>>> @exercise("Double it")
... def check_double(double):
...     if double(2) == 2:
...         raise Wrong("double(2) gave 2: did you add instead of multiplying?")
...     expect_close("double(2)", double(2), 4)
...     return "double(2) is 4."
>>> def double(x):
...     raise NotImplementedError  # your code here
>>> check_double(double)
… Double it: not attempted yet. Write your answer in the cell above, then run this cell again.
>>> check_double(lambda x: x * 2)
✓ Double it: right. double(2) is 4.
>>> check_double(lambda x: x + 1)
✗ Double it: not yet. double(2) was 3, expected 4.
>>> bool(check_double(lambda x: x * 2))
True
"""

import functools
from dataclasses import dataclass

import numpy as np

__all__ = ["Feedback", "Wrong", "exercise", "expect_close", "expect_shape"]


class Wrong(Exception):
    """Raised by a check when the answer is wrong; its message is the hint the reader sees."""


@dataclass(frozen=True)
class Feedback:
    """What a check says about one answer: ``status`` is "right", "wrong" or "not attempted"."""

    exercise: str
    status: str
    message: str

    def __bool__(self):
        return self.status == "right"

    def __repr__(self):
        mark, verdict = {
            "right": ("✓", "right"),
            "wrong": ("✗", "not yet"),
            "not attempted": ("…", "not attempted yet"),
        }[self.status]
        return f"{mark} {self.exercise}: {verdict}. {self.message}"


NOT_ATTEMPTED = "Write your answer in the cell above, then run this cell again."


def exercise(title):
    """Make a check function return a ``Feedback`` instead of raising (see the module's example).

    The answer counts as not attempted while it is ``...`` or raises ``NotImplementedError``.
    Any other error raised by the reader's code is reported as "not yet", with the error's text.
    """

    def decorate(check):
        @functools.wraps(check)
        def run(*answers, **options):
            if any(answer is ... for answer in answers):
                return Feedback(title, "not attempted", NOT_ATTEMPTED)
            try:
                return Feedback(title, "right", check(*answers, **options))
            except NotImplementedError:
                return Feedback(title, "not attempted", NOT_ATTEMPTED)
            except Wrong as wrong:
                return Feedback(title, "wrong", str(wrong))
            except Exception as error:  # the reader's code failed: show its error as the hint
                return Feedback(
                    title, "wrong", f"your code raised {type(error).__name__}: {error}"
                )

        return run

    return decorate


def expect_shape(name, value, shape):
    """Raise ``Wrong`` unless ``value`` has ``shape``; says when it is the transpose.

    >>> expect_shape("h", np.zeros((3, 2)), (2, 3))
    Traceback (most recent call last):
    ...
    gru_helpers.exercises.Wrong: h has shape (3, 2), expected (2, 3): it looks transposed.
    """
    got = tuple(np.shape(value))
    if got != tuple(shape):
        hint = ": it looks transposed." if got == tuple(shape)[::-1] else "."
        raise Wrong(f"{name} has shape {got}, expected {tuple(shape)}{hint}")


def expect_close(name, value, expected, atol=1e-5):
    """Raise ``Wrong`` unless ``value`` is within ``atol`` of ``expected``; says by how much."""
    value, expected = np.asarray(value, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    expect_shape(name, value, expected.shape)
    if np.isnan(value).any():
        raise Wrong(f"{name} contains NaN.")
    if not np.allclose(value, expected, atol=atol, rtol=0):
        if value.size == 1:
            raise Wrong(f"{name} was {value.item():.6g}, expected {expected.item():.6g}.")
        worst = np.unravel_index(np.argmax(np.abs(value - expected)), value.shape)
        raise Wrong(
            f"{name} differs from the expected values by up to "
            f"{np.abs(value - expected).max():.3g} (at index {tuple(int(i) for i in worst)})."
        )
