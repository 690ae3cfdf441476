import pytest

from gru_helpers import Adder, train


@pytest.fixture(scope="session")
def trained():
    """An adder trained until it has learned (``stop_when_exact``: about 250 steps, seconds)."""
    adder = Adder(hidden_size=16, seed=0)
    history = train(adder, steps=500, seed=0, stop_when_exact=True)
    assert history.learned
    return adder
