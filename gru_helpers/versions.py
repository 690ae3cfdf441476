"""The TensorFlow that gru_helpers needs, checked once when it is imported.

TensorFlow is not among the package's dependencies, so that installing gru_helpers (in Colab, say)
never brings a second TensorFlow next to the one already there. This check turns a missing or too
old TensorFlow into one readable message instead of an error deep inside a notebook.

Importing this module checks the installed TensorFlow; the check itself:

>>> check_tensorflow("2.21.0")
>>> check_tensorflow("2.15.1")
Traceback (most recent call last):
...
ImportError: gru_helpers needs TensorFlow 2.20 or newer, found 2.15.1: pip install -U tensorflow
"""

OLDEST_TENSORFLOW = (2, 20)
INSTALL = "pip install -U tensorflow"


def installed_tensorflow():
    """The version of whichever TensorFlow build is installed (tensorflow, tensorflow-cpu, ...)."""
    try:
        import tensorflow
    except ModuleNotFoundError:
        raise ImportError(
            f"gru_helpers needs TensorFlow {'.'.join(map(str, OLDEST_TENSORFLOW))} or newer, "
            f"and none is installed: {INSTALL}"
        ) from None
    return tensorflow.__version__


def check_tensorflow(version):
    """Raise ImportError, saying how to fix it, if ``version`` is older than supported."""
    major_minor = tuple(int(part) for part in version.split(".")[:2])
    if major_minor < OLDEST_TENSORFLOW:
        raise ImportError(
            f"gru_helpers needs TensorFlow {'.'.join(map(str, OLDEST_TENSORFLOW))} or newer, "
            f"found {version}: {INSTALL}"
        )


check_tensorflow(installed_tensorflow())
