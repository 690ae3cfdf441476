"""Test-wide settings: quiet TensorFlow in notebook kernels, stderr out of nbval's comparison.

Notebook kernels are started by nbval and inherit this process's environment, so TensorFlow's C++
log lines stay out of their outputs (the same variables as the kernelspec the Makefile installs).
Whatever still reaches stderr (a library's warning) is not part of what a notebook claims, so
strict nbval compares every output except stderr streams.
"""

import importlib.metadata
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Else a oneDNN notice is printed at any log level.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

try:
    from nbval.plugin import IPyNbCell
except ImportError:  # nbval is not installed: nothing to adjust
    IPyNbCell = None

if IPyNbCell is not None:
    _compare_outputs = IPyNbCell.compare_outputs

    def _without_stderr(outputs):
        return [
            out
            for out in outputs
            if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
        ]

    def compare_outputs(self, test, ref, skip_compare=None):
        return _compare_outputs(self, _without_stderr(test), _without_stderr(ref), skip_compare)

    IPyNbCell.compare_outputs = compare_outputs


REPORTED = [
    "tensorflow",
    "tensorflow-cpu",
    "keras",
    "numpy",
    "matplotlib",
    "ipywidgets",
    "gru-helpers",
]


def pytest_report_header():
    """The versions this run has, atop its output (`make test` runs several environments)."""
    found = []
    for name in REPORTED:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return f"versions: python {platform.python_version()}, " + ", ".join(found)
