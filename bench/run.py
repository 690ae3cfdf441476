"""Speed and memory of the GRU adder, printed as four tables: ``.venv/bin/python bench/run.py``.

1. Warm training step: the project's adder (hidden 16, batch 64, 16-bit operands = width 17,
   float32) against ``keras.layers.GRU`` of the same size with the same optimizer and loss.
2. Time to learn: wall seconds, tracing and compiling included, from the first training step until
   every sum in a fixed held-out set of 1000 random 16-bit additions is exact; the original 2017
   recipe (reproduced with the project's code) against the project's.
3. Length generalisation after training: exact sums on random 64-bit and 1024-bit additions.
4. Notebooks: wall time and peak memory of each notebook run in a fresh kernel, here and in the
   Binder environment (tests/binder_venv.py builds it).

The machine may be shared, so each figure is a median of repeats, and contenders that are compared
are timed in the same run (table 1 interleaves them round by round); read the ratios, not the
milliseconds. Options: ``--tables 1,2,3,4`` (3 comes with 2), ``--seeds N`` (default 5),
``--no-binder``. Takes about 7 minutes.
"""

import argparse
import importlib.util
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# The environment the notebooks' kernels run in (the Makefile's kernelspec, conftest.py, binder/postBuild).
# With oneDNN's custom operations on, TensorFlow's default, this machine measured the step about 20%
# slower and the time to learn about 0.1-0.2 s longer.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from gru_helpers import Adder, exact_share, make_batch, train  # noqa: E402
from gru_helpers.train import cross_entropy  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
HIDDEN, BATCH, WIDTH = 16, 64, 17

# Table 2 and 3: one held-out set for every run, and the long additions of table 3.
VALIDATION = make_batch(np.random.default_rng(2017), 1000, WIDTH)
LONG = {
    "64-bit": make_batch(np.random.default_rng(64), 1000, 65),
    "1024-bit": make_batch(np.random.default_rng(1024), 100, 1025),
}

# The recipes of table 2: how the adder is made, and the arguments of train().
RECIPES = {
    # The 2017 post: one fixed batch of 100 five-bit additions, squared error, Adam at its default
    # learning rate 1e-3, float64, 5000 iterations (it always ran all of them).
    "original 2017": (
        dict(dtype=tf.float64),
        dict(steps=5000, loss="squared_error", learning_rate=1e-3, eval_every=25),
    ),
    # train()'s defaults: a fresh batch of 64 16-bit additions each step, cross-entropy, Adam at 1e-2.
    "project, defaults": (dict(), dict(steps=150)),
    # The same with the fast GRU, Adam at 2e-2 and a check every 10 steps (what notebook 09 keeps).
    "project, fast": (dict(fast=True), dict(steps=150, learning_rate=0.02, eval_every=10)),
}


def median_ms(times):
    return 1e3 * statistics.median(times)


def print_table(title, header, rows, notes=()):
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    print(f"\n{title}")
    for row in [header, ["-" * w for w in widths], *rows]:
        print(
            "  ".join(
                str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths))
            )
        )
    for note in notes:
        print(f"  {note}")


# ---------------------------------------------------------------- table 1: the warm training step
def adder_step(adder, jit_compile=False, steps_per_call=1):
    """The training step train() runs (Adam at 1e-2, cross-entropy), as one compiled function.

    ``adder`` may be any callable with ``trainable_variables`` that gives logits (a Keras model).

    With ``steps_per_call=k`` the function takes k batches stacked, (k, batch, width, 2), and runs
    k steps in one call.
    """
    optimizer = keras.optimizers.Adam(0.01)
    variables = adder.trainable_variables
    optimizer.build(variables)

    def one_step(x, y):
        with tf.GradientTape() as tape:
            loss = cross_entropy(adder(x), y)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    if steps_per_call == 1:
        return tf.function(one_step, autograph=False, jit_compile=jit_compile)

    def several_steps(xs, ys):
        return tf.foldl(lambda _, xy: one_step(*xy), (xs, ys), initializer=tf.constant(0.0))

    return tf.function(several_steps, autograph=False, jit_compile=jit_compile)


def keras_model(jit_compile="auto"):
    """keras.layers.GRU of the same size (reset_after=False is the GRU of the paper) and readout."""
    model = keras.Sequential(
        [
            keras.Input((WIDTH, 2)),
            keras.layers.GRU(HIDDEN, return_sequences=True, reset_after=False),
            keras.layers.Dense(1),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    return model


def table_step(rounds=25, steps_per_round=20, k=10):
    rng = np.random.default_rng(0)
    batches = [make_batch(rng, BATCH, WIDTH) for _ in range(steps_per_round)]
    stacked = [
        tuple(np.stack(part) for part in zip(*batches[i : i + k]))
        for i in range(0, steps_per_round, k)
    ]
    keras_default, keras_xla = keras_model(), keras_model(jit_compile=True)

    @tf.function(autograph=False)
    def empty(x, y):
        return tf.reduce_sum(y)

    contenders = {  # name: (function, batches it takes, steps per call)
        "keras.layers.GRU, train_on_batch (Keras's default: no XLA on CPU)": (
            keras_default.train_on_batch,
            batches,
            1,
        ),
        "keras.layers.GRU, train_on_batch, jit_compile=True": (
            keras_xla.train_on_batch,
            batches,
            1,
        ),
        "keras.layers.GRU in the same tf.function step as below": (
            adder_step(keras_model()),
            batches,
            1,
        ),
        "GRU (tf.scan), tf.function: train()'s step": (adder_step(Adder(HIDDEN)), batches, 1),
        "FastGRU, tf.function: train(Adder(fast=True))'s step": (
            adder_step(Adder(HIDDEN, fast=True)),
            batches,
            1,
        ),
        f"FastGRU, tf.function, {k} steps per call": (
            adder_step(Adder(HIDDEN, fast=True), False, k),
            stacked,
            k,
        ),
        "GRU (tf.scan), XLA: train(jit_compile=True)'s step": (
            adder_step(Adder(HIDDEN), True),
            batches,
            1,
        ),
        f"GRU (tf.scan), XLA, {k} steps per call": (
            adder_step(Adder(HIDDEN), True, k),
            stacked,
            k,
        ),
        "FastGRU, XLA": (adder_step(Adder(HIDDEN, fast=True), True), batches, 1),
        "(an empty tf.function call: the floor of one call)": (empty, batches, 1),
    }
    first_call = {}
    for name, (function, data, _) in contenders.items():  # trace, compile, warm up
        start = time.perf_counter()
        function(*data[0])
        first_call[name] = time.perf_counter() - start
        for i in range(1, 3):
            function(*data[i % len(data)])
    times = {name: [] for name in contenders}
    for _ in range(rounds):  # interleaved, so load from elsewhere falls on every contender alike
        for name, (function, data, per_call) in contenders.items():
            start = time.perf_counter()
            for part in data:
                result = function(*part)
            float(np.asarray(result).ravel()[0])
            times[name].append((time.perf_counter() - start) / steps_per_round)
    reference = statistics.median(times[next(iter(contenders))])
    rows = [
        [
            name,
            f"{median_ms(t):.2f}",
            f"{statistics.median(t) / reference:.2f}x",
            f"{first_call[name]:.2f}",
        ]
        for name, t in times.items()
    ]
    print_table(
        f"Table 1. Warm training step: hidden {HIDDEN}, batch {BATCH}, width {WIDTH}, float32, Adam, "
        f"cross-entropy (median of {rounds} rounds of {steps_per_round} steps)",
        ["contender", "ms/step", "vs Keras", "first call s"],
        rows,
        [
            "target: the project's step <= 0.70x Keras's (Keras's default, the first row)",
            "first call: tracing, and XLA's compiling, before the first step runs (on a process "
            "already warm: the first contender also pays TensorFlow's start-up)",
        ],
    )


# ------------------------------------------------------- tables 2 and 3: time to learn, long sums
def learn(recipe, seed):
    """Train one adder with ``recipe``; returns what tables 2 and 3 print, as a dict."""
    adder_options, train_options = RECIPES[recipe]
    adder = Adder(HIDDEN, seed=seed, **adder_options)
    if recipe == "original 2017":
        train_options = dict(
            train_options, fixed_batch=make_batch(np.random.default_rng([seed, 5]), 100, 5)
        )
    learned = {}
    start, start_cpu = time.perf_counter(), time.process_time()

    def note_first_exact(history):
        learned["best"] = max(history.validation_exact)
        if "seconds" not in learned and history.validation_exact[-1] == 1.0:
            learned.update(
                seconds=time.perf_counter() - start,
                cpu=time.process_time() - start_cpu,
                step=history.step[-1],
            )

    train(adder, validation=VALIDATION, seed=seed, callback=note_first_exact, **train_options)
    total = time.perf_counter() - start
    return dict(
        learned, total=total, **{name: exact_share(adder, *pair) for name, pair in LONG.items()}
    )


def tables_learn(seeds):
    results = {}
    for recipe in RECIPES:  # one fresh process per run: nothing traced or cached carries over
        results[recipe] = []
        for seed in range(seeds):
            out = subprocess.run(
                [sys.executable, __file__, "--learn", recipe, str(seed)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results[recipe].append(json.loads(out.strip().splitlines()[-1]))

    rows = []
    for recipe, runs in results.items():
        seconds = [run.get("seconds") for run in runs]
        learned = [s for s in seconds if s is not None]
        median = statistics.median(learned) if len(learned) == len(runs) else None
        rows.append(
            [
                recipe,
                " ".join(
                    f"no ({run['best']:.1%})" if s is None else f"{s:.2f}"
                    for s, run in zip(seconds, runs)
                ),
                " ".join(str(run.get("step", "-")) for run in runs),
                "not learned" if median is None else f"{median:.2f}",
                "-" if median is None else f"{statistics.median(run['cpu'] for run in runs):.2f}",
                f"{statistics.median(run['total'] for run in runs):.1f}",
            ]
        )
    project = [run["seconds"] for run in results["project, fast"] if "seconds" in run]
    notes = ["target: project, fast <= 1 s median"]
    for recipe in RECIPES:
        theirs = [run["seconds"] for run in results[recipe] if "seconds" in run]
        if recipe == "project, fast":
            continue
        if not theirs:
            notes.append(
                f"{recipe}: no seed learned within its {RECIPES[recipe][1]['steps']} steps"
            )
        elif project:
            notes.append(
                f"project, fast vs {recipe}: {statistics.median(project) / statistics.median(theirs):.2f}x "
                f"the median time of the seeds {recipe} learned ({len(theirs)} of {seeds})"
            )
    notes.append(
        "exact: every one of 1000 held-out 16-bit sums; checked every eval_every steps, so the "
        "step is a multiple of it; no (x%): not learned, x the largest share exact at any check; "
        "'whole run': all of the recipe's steps"
    )
    notes.append(
        "CPU s: the process's CPU time over the same span (all threads): less sensitive than wall "
        "seconds to other work on the machine"
    )
    print_table(
        f"Table 2. Time to learn, wall seconds from the first step, tracing included ({seeds} seeds, "
        "each in a fresh process)",
        [
            "recipe",
            "seconds to exact, per seed",
            "step, per seed",
            "median s",
            "median CPU s",
            "whole run s",
        ],
        rows,
        notes,
    )

    rows = [
        [
            recipe,
            name,
            " ".join(f"{run[name]:.1%}" for run in runs),
            f"{sum(run[name] == 1.0 for run in runs)}/{len(runs)}",
        ]
        for recipe, runs in results.items()
        for name in LONG
    ]
    print_table(
        "Table 3. Length generalisation after the whole run: share of exact sums per seed "
        "(1000 random 64-bit and 100 random 1024-bit additions)",
        ["recipe", "operands", "exact, per seed", "seeds at 100%"],
        rows,
        ["target: 100% for every seed with the project's recipe"],
    )


# --------------------------------------------------------------------------- table 4: notebooks
def load_binder_venv_module():
    """tests/binder_venv.py, which builds the Binder venv and measures a command's peak memory."""
    spec = importlib.util.spec_from_file_location("binder_venv", ROOT / "tests" / "binder_venv.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


binder_venv = load_binder_venv_module()


def run_notebook(jupyter, notebook, env):
    """Execute a copy of ``notebook`` in a fresh kernel; returns (wall seconds, peak bytes, ok).

    The peak is the largest resident set of nbconvert or of any process it waited for (its kernel).
    """
    with tempfile.TemporaryDirectory(prefix="bench-notebooks-") as folder:
        copy = shutil.copytree(notebook.parent, pathlib.Path(folder) / "notebooks")
        cmd = [jupyter, "nbconvert", "--to", "notebook", "--execute", "--stdout", notebook.name]
        start = time.perf_counter()
        status, _, peak = binder_venv.run_with_peak_memory(cmd, cwd=copy, env=env)
        return time.perf_counter() - start, peak, status == 0


def table_notebooks(binder=True):
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    here = {
        nb.name: run_notebook(pathlib.Path(sys.executable).parent / "jupyter", nb, env)
        for nb in notebooks
    }
    there, note = {}, "Binder: not measured (--no-binder)"
    if binder:
        with binder_venv.binder_venv(ROOT / "build" / "binder-venv") as python:
            venv_env = binder_venv.venv_environment(
                python
            )  # its kernelspec quiets TensorFlow, as on Binder
            there = {
                nb.name: run_notebook(python.parent / "jupyter", nb, venv_env) for nb in notebooks
            }
        note = "Binder: the venv of tests/binder_venv.py (binder/requirements.txt + postBuild)"
    rows = []
    for nb in notebooks:
        seconds, peak, ok = here[nb.name]
        row = [nb.name, f"{seconds:.1f}", f"{peak / 2**20:.0f}", "ok" if ok else "FAILED"]
        if there:
            b_seconds, b_peak, b_ok = there[nb.name]
            row += [f"{b_seconds:.1f}", f"{b_peak / 2**20:.0f}", "ok" if b_ok else "FAILED"]
        rows.append(row)
    header = ["notebook", "wall s", "peak MB", "run"] + (
        ["Binder s", "Binder peak MB", "Binder run"] if there else []
    )
    over = [
        row[0]
        for row in rows
        if float(row[1]) > 20
        or float(row[2]) > 1024
        or (there and (float(row[4]) > 20 or float(row[5]) > 1024))
    ]
    print_table(
        "Table 4. Notebooks executed in a fresh kernel (nbconvert --execute on a copy); peak = largest "
        "resident set of nbconvert or its kernel",
        header,
        rows,
        [note, "targets: <= 20 s and <= 1024 MB each; over: " + (", ".join(over) or "none")],
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="1,2,3,4")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--no-binder", action="store_true")
    parser.add_argument("--learn", nargs=2, metavar=("RECIPE", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.learn:
        print(json.dumps(learn(args.learn[0], int(args.learn[1]))))
        return
    tf.get_logger().setLevel(
        "ERROR"
    )  # not the notes on retracing: every contender is a new function
    tables = set(args.tables.split(","))
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPU cores; "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    started = time.perf_counter()
    if "1" in tables:
        table_step()
    if tables & {"2", "3"}:
        tables_learn(args.seeds)
    if "4" in tables:
        table_notebooks(binder=not args.no_binder)
    print(
        f"\n(the benchmark took {time.perf_counter() - started:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f} at the end)"
    )


if __name__ == "__main__":
    main()
