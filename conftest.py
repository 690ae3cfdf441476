"""Test-wide settings: quiet TensorFlow in notebook kernels, and keep stderr out of nbval's comparison.

Notebook kernels are started by nbval and inherit this process's environment, so TensorFlow's C++
log lines stay out of their outputs (the same variables as the kernelspec the Makefile installs).
Whatever still reaches stderr (a library's warning) is not part of what a notebook claims, so
strict nbval compares every output except stderr streams.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault(
    "TF_ENABLE_ONEDNN_OPTS", "0"
)  # else a oneDNN notice is printed at any log level
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
