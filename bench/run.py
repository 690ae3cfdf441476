"""Speed, learning and memory of the GRU adder, in three tables: ``make bench``.

1. Warm training step against ``keras.layers.GRU`` of the same size (hidden 16, batch 64,
   16-bit operands = width 17, float32, Adam, cross-entropy), like for like: the same number of
   steps per call (``train`` runs the steps between two evaluations in one call; Keras runs
   ``steps_per_execution`` steps per call of ``fit``). Once with oneDNN's custom operations on
   (TensorFlow's default) and once off (the notebooks' kernels): each in its own process, since
   TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS`` when it is imported.
2. Time to learn, and what the learned adders add: for each recipe and setting, 20 seeds (not
   the notebooks' 0-2), each ``train(..., stop_when_exact=True)`` timed from its call to its
   return; then the share of exact sums on 1000 random 64-bit and 100 random 1024-bit
   additions. The seeds of one recipe and setting run in one process, after one tiny warm-up
   run pays TensorFlow's once-per-process start-up (as the first training cell of a notebook
   does). ``train`` traces its compiled functions for the first adder of a kind and reuses them
   for the next (``Trainer``): the first seed pays that tracing, the others do not. After all
   20, each seed is run once more with them forgotten, so that it pays the tracing itself.
3. Notebooks: wall time and peak memory of each notebook executed in a fresh kernel, and of a
   floor notebook that only imports TensorFlow, Keras, Matplotlib and gru_helpers, run just
   before it the same way: what a notebook costs is its time above that floor. One run of
   either moves by a second or two with what else the machine does, so all the notebooks run
   in three rounds, and the fastest run of each (and of its floor) counts.

The machine may be shared: contenders that are compared are timed in the same process, in
interleaved rounds, and read as ratios. Options: ``--tables 1,2,3``, ``--seeds N``,
``--notebooks 0[1-3]*.ipynb`` (table 3's pattern), ``--rounds N`` (table 3's rounds). Takes
about 11 minutes on two cores.
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

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = pathlib.Path(__file__).resolve().parents[1]
HIDDEN, BATCH, WIDTH = 16, 64, 17
SETTINGS = {"oneDNN on": "1", "oneDNN off": "0"}  # TF_ENABLE_ONEDNN_OPTS
RECIPES = {  # name: (Adder's arguments, train's arguments); both stop when learned
    "default: Adder(), train() defaults": (dict(), dict()),
    "fast: Adder(fast=True), train() defaults": (dict(fast=True), dict()),
}
STEPS_PER_CALL = 25  # train()'s default eval_every: the steps it runs in one call


def print_table(title, header, rows, notes=()):
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    print(f"\n{title}")
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = (
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths))
        )
        print("  ".join(cells))
    for note in notes:
        print(f"  {note}")


def in_process(setting, *arguments):
    """Run this script with ``arguments`` under a oneDNN ``setting``; its last line, as JSON."""
    env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=SETTINGS[setting])
    out = subprocess.run(
        [sys.executable, __file__, *arguments], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# ---------------------------------------------------------------- table 1: the warm training step
def step_times(rounds=15):
    """Seconds per warm training step of each contender, median of interleaved rounds."""
    import keras
    import numpy as np
    import tensorflow as tf

    from gru_helpers import Adder, make_batch
    from gru_helpers.train import compiled_steps

    def keras_fit(k):
        """keras.layers.GRU (reset_after=False: the paper's GRU), Dense readout; k steps a call."""
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
            steps_per_execution=k,
        )
        x, y = make_batch(np.random.default_rng(1), BATCH * k * 4, WIDTH)
        data = tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH).repeat()
        model.fit(data, epochs=1, steps_per_epoch=k, verbose=0)  # builds model.train_function
        batches = iter(data)
        return lambda: model.train_function(batches)  # what fit calls: k steps

    def ours(k, **options):
        """train()'s own compiled function (compiled_steps), on k stacked batches."""
        function = compiled_steps(Adder(HIDDEN, **options), (BATCH, WIDTH, 2))
        rng = np.random.default_rng(1)
        xs, ys = (
            np.stack(part) for part in zip(*[make_batch(rng, BATCH, WIDTH) for _ in range(k)])
        )
        return lambda: function(xs, ys)

    k = STEPS_PER_CALL
    contenders = {  # name: call, each of ours after the Keras row it is compared with
        f"keras.layers.GRU, fit, steps_per_execution={k}": keras_fit(k),
        f"Adder() (GRU), train()'s step, {k} per call": ours(k),
        f"Adder(fast=True) (FastGRU), train()'s step, {k} per call": ours(k, fast=True),
    }
    for call in contenders.values():  # trace, then warm up
        for _ in range(3):
            call()
    times = {name: [] for name in contenders}
    for _ in range(rounds):  # interleaved: load from elsewhere falls on every contender alike
        for name, call in contenders.items():
            start = time.perf_counter()
            tf.nest.map_structure(np.asarray, call())  # wait for the result
            times[name].append((time.perf_counter() - start) / k)
    return {name: statistics.median(t) for name, t in times.items()}


def table_step():
    results = {setting: in_process(setting, "--step-times") for setting in SETTINGS}
    names = list(next(iter(results.values())))
    rows = []
    for name in names:
        row = [name]
        for times in results.values():
            ratio = times[name] / times[names[0]]
            row += [f"{1e3 * times[name]:.2f}", "" if name == names[0] else f"{ratio:.2f}x"]
        rows.append(row)
    header = ["contender"] + [f"{s}: {col}" for s in SETTINGS for col in ("ms/step", "vs Keras")]
    print_table(
        f"Table 1. Warm training step: hidden {HIDDEN}, batch {BATCH}, width {WIDTH}, float32, "
        "Adam 1e-2, cross-entropy (median of 15 interleaved rounds)",
        header,
        rows,
        ["targets: Adder() <= 0.50x, Adder(fast=True) <= 0.35x, both settings"],
    )


# ------------------------------------------------------------ table 2: time to learn, long sums
def learn_runs(recipe, seeds):
    """Train one adder per seed with ``recipe``; what table 2 prints, per seed."""
    import numpy as np

    from gru_helpers import Adder, exact_share, make_batch, train
    from gru_helpers.train import TRAINERS

    long_sums = {
        "64-bit": make_batch(np.random.default_rng(64), 1000, 65),
        "1024-bit": make_batch(np.random.default_rng(1024), 100, 1025),
    }
    adder_options, train_options = RECIPES[recipe]
    train(Adder(2), steps=1)  # TensorFlow's once-per-process start-up, paid before any timing
    runs = []
    for seed in seeds:  # one after another, as in one kernel
        adder = Adder(HIDDEN, seed=seed, **adder_options)
        start = time.perf_counter()
        history = train(adder, steps=1000, seed=seed, stop_when_exact=True, **train_options)
        seconds = time.perf_counter() - start
        exact = {name: exact_share(adder, *pair) for name, pair in long_sums.items()}
        runs.append(dict(seconds=seconds, step=history.step[-1], learned=history.learned, **exact))
    for seed, run in zip(seeds, runs):  # then each once more, tracing afresh
        TRAINERS.clear()
        start = time.perf_counter()
        again = Adder(HIDDEN, seed=seed, **adder_options)
        train(again, steps=1000, seed=seed, stop_when_exact=True, **train_options)
        run["traced"] = time.perf_counter() - start
    return runs


def table_learn(seeds):
    rows = []
    for setting in SETTINGS:
        for recipe in RECIPES:
            runs = in_process(setting, "--learn", recipe, *map(str, seeds))
            seconds = [run["seconds"] for run in runs]
            traced = [run["traced"] for run in runs]
            rows.append(
                [
                    f"{recipe.split(':')[0]}, {setting}",
                    f"{statistics.median(seconds):.2f}",
                    f"{max(seconds):.2f}",
                    f"{seconds[0]:.2f}",
                    f"{statistics.median(traced):.2f}",
                    f"{max(traced):.2f}",
                    f"{statistics.median(run['step'] for run in runs):.0f}",
                    f"{sum(run['learned'] for run in runs)}/{len(runs)}",
                    f"{sum(run['64-bit'] == 1.0 for run in runs)}/{len(runs)}",
                    f"{sum(run['1024-bit'] == 1.0 for run in runs)}/{len(runs)}",
                    f"{min(min(run['64-bit'], run['1024-bit']) for run in runs):.1%}",
                ]
            )
    print_table(
        f"Table 2. Time to learn (seconds of train(stop_when_exact=True), tracing included) and "
        f"exact long sums after it, seeds {seeds[0]}-{seeds[-1]}",
        [
            "recipe",
            "median s",
            "worst s",
            "first s",
            "traced: median s",
            "worst s",
            "median steps",
            "learned",
            "64-bit exact",
            "1024-bit exact",
            "worst share",
        ],
        rows,
        [
            "targets: median <= 1.0 s default, <= 0.6 s fast; every run exact on all 1000 64-bit "
            "and 100 1024-bit sums",
            "median, worst, first: the 20 seeds one after another in one process, as a reader "
            "trains adders in one kernel: the first traces train's compiled functions (first s), "
            "the others reuse them",
            "traced: each seed's run once more with train's compiled functions forgotten "
            "(TRAINERS cleared), so that every run traces and optimises them afresh",
            "64-bit / 1024-bit exact: runs with every one of those sums exact; worst share: the "
            "smallest share of exact sums in any run",
            "learned: runs that stopped because they had learned (history.learned); the others "
            "ran all 1000 steps, and their seconds count too",
        ],
    )


# --------------------------------------------------------------------------- table 3: notebooks
def load_binder_venv_module():
    """tests/binder_venv.py, whose run_with_peak_memory measures a command's peak memory."""
    spec = importlib.util.spec_from_file_location("binder_venv", ROOT / "tests" / "binder_venv.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FLOOR_SOURCE = (
    "import keras\nimport matplotlib.pyplot as plt\nimport tensorflow as tf\n\nimport gru_helpers"
)


def table_notebooks(pattern="*.ipynb", rounds=3):
    import nbformat

    run_with_peak_memory = load_binder_venv_module().run_with_peak_memory
    jupyter = pathlib.Path(sys.executable).parent / "jupyter"
    notebooks = sorted((ROOT / "notebooks").glob(pattern))
    seconds = {notebook.name: [] for notebook in notebooks}  # the notebook's runs
    floors = {notebook.name: [] for notebook in notebooks}  # the floor's runs just before them
    peaks, failed = dict.fromkeys(seconds, 0), set()
    with tempfile.TemporaryDirectory(prefix="bench-notebooks-") as folder:
        copy = shutil.copytree(ROOT / "notebooks", pathlib.Path(folder) / "notebooks")
        floor = nbformat.v4.new_notebook(metadata=nbformat.read(notebooks[0], 4).metadata)
        floor.cells = [nbformat.v4.new_code_cell(FLOOR_SOURCE)]
        nbformat.write(floor, copy / "floor.ipynb")

        def run(name):  # fresh kernel, the notebooks' kernelspec (oneDNN off, quiet TensorFlow)
            cmd = [jupyter, "nbconvert", "--to", "notebook", "--execute", "--stdout", name]
            start = time.perf_counter()
            status, _, peak = run_with_peak_memory(cmd, cwd=copy)
            return time.perf_counter() - start, peak, status == 0

        for _ in range(rounds):  # rounds of all notebooks, so that a busy moment hits one run
            for name in seconds:
                floors[name].append(run("floor.ipynb")[0])
                wall, peak, ok = run(name)
                seconds[name].append(wall)
                peaks[name] = max(peaks[name], peak)
                if not ok:
                    failed.add(name)
    rows, totals = [], [0.0, 0.0, 0.0]
    for name in seconds:
        best, best_floor = min(seconds[name]), min(floors[name])  # load only ever adds time
        totals = [totals[0] + best, totals[1] + best_floor, totals[2] + best - best_floor]
        rows.append(
            [
                name,
                f"{best:.1f}",
                f"{best_floor:.1f}",
                f"{best - best_floor:.1f}",
                f"{max(seconds[name]) - best:.1f}",
                f"{peaks[name] / 2**20:.0f}",
                "FAILED" if name in failed else "ok",
            ]
        )
    rows.append([f"all {len(notebooks)}", *(f"{t:.1f}" for t in totals), "", "", ""])
    print_table(
        f"Table 3. Notebooks, each executed in a fresh kernel (nbconvert --execute on a copy) "
        f"just after the floor notebook, {rounds} rounds of all of them",
        ["notebook", "wall s", "floor s", "above floor s", "spread s", "peak MB", "run"],
        rows,
        [
            "floor: a notebook that only imports TensorFlow, Keras, Matplotlib and gru_helpers; "
            "wall and floor: the fastest of the rounds (load from elsewhere only ever adds "
            "time); spread: the notebook's slowest round minus its fastest; peak: largest "
            "resident set of nbconvert or its kernel in any round",
            "targets: each <= 5 s above its floor, all ten <= 30 s above theirs, peak <= 800 MB",
        ],
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="1,2,3")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--notebooks", default="*.ipynb", help="which notebooks table 3 runs")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of table 3's notebooks")
    parser.add_argument("--step-times", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--learn", nargs="+", metavar="RECIPE SEEDS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step_times:
        print(json.dumps(step_times()))
        return
    if args.learn:
        print(json.dumps(learn_runs(args.learn[0], [int(s) for s in args.learn[1:]])))
        return
    import keras
    import tensorflow as tf

    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPU cores; "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    started = time.perf_counter()
    tables = set(args.tables.split(","))
    if "1" in tables:
        table_step()
    if "2" in tables:
        table_learn(list(range(10, 10 + args.seeds)))
    if "3" in tables:
        table_notebooks(args.notebooks, args.rounds)
    print(
        f"\n(the benchmark took {time.perf_counter() - started:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f} at the end)"
    )


if __name__ == "__main__":
    main()
