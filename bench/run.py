"""Speed, learning and memory of the GRU adder and the minimal GRU: four tables, ``make bench``.

1. Warm training step against ``keras.layers.GRU`` of the same size (hidden 16, batch 64,
   16-bit operands = width 17, float32, Adam, cross-entropy), like for like: the same number of
   steps per call (``train`` runs the steps between two evaluations in one call; Keras runs
   ``steps_per_execution`` steps per call of ``fit``). Once with oneDNN's custom operations on
   (TensorFlow's default) and once off (the notebooks' kernels): each in its own process, since
   TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS`` when it is imported.
2. The recipes of notebook 06 on other seeds (100-119; the notebook uses 0-19): stop at the first
   exact check; then on for a margin of 100 steps of exact checks on 16-bit additions; or on
   32-bit additions half built around long carry chains; and the 2017 recipe (one fixed batch
   of 100 4-bit additions, squared error, Adam 0.001, 5000 steps). Each recipe's 20 seeds train
   side by side (``train_side_by_side``). Then how many runs of each are exact on what no
   stopping rule checked: random 1024- and 4096-bit sums, and carry chains 1000 bits long.
3. Notebooks: wall time and peak memory of each notebook executed in a fresh kernel, and of a
   floor notebook that only imports TensorFlow, Keras, Matplotlib and gru_helpers, run just
   before it the same way: what a notebook costs is its time above that floor. One run of
   either moves by a second or two with what else the machine does, so all the notebooks run
   in three rounds, and the fastest run of each (and of its floor) counts.
4. Parallel in time (notebook 11): the minimal GRU adder run through a sequential ``tf.scan``
   and through ``linear_scan``, forward on one addition and a training step on 64, at lengths
   64 to 4096; then the time ``train`` takes to learn 16-bit addition, GRU adder against
   minimal-GRU adder, one seed after another as a reader would, each run tracing afresh; and how
   many of the 20 minimal-GRU adders add long sums and carry chains exactly.

Tables 2 and 4 run with oneDNN's custom operations off, as the notebooks do. The machine may be
shared: contenders that are compared are timed in the same process, in interleaved rounds, and
read as ratios. Options: ``--tables 1,2,3,4``, ``--seeds N``, ``--notebooks 0[1-3]*.ipynb``
(table 3's pattern), ``--rounds N`` (table 3's rounds). Takes about 12 minutes on two cores.
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
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # tables 2 and 4, as in the notebooks

ROOT = pathlib.Path(__file__).resolve().parents[1]
HIDDEN, BATCH, WIDTH = 16, 64, 17
SETTINGS = {"oneDNN on": "1", "oneDNN off": "0"}  # TF_ENABLE_ONEDNN_OPTS
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

    from gru_helpers import Adder, cross_entropy, make_batch
    from gru_helpers.train import adam, compiled_steps

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
        adder = Adder(HIDDEN, **options)
        update = adam(adder.trainable_variables, 0.01)
        function = compiled_steps(adder, (BATCH, WIDTH, 2), update, cross_entropy)
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


# ------------------------------------------------------- table 2: the recipes of 06, other seeds
def long_tests():
    """What no stopping rule checks: random long sums, and carry chains 1000 bits long, each
    padded with zero columns to one length (a zero-padded addition is still an addition)."""
    import numpy as np

    from gru_helpers import make_batch, pair_to_input, to_bits

    rng = np.random.default_rng(4096)
    tests = {f"random {n}-bit": make_batch(rng, 20, n + 1) for n in (1024, 4096)}
    n, ones = 1000, 2**1000 - 1
    chains = {"(2^n-1)+1": (ones, 1), "1+(2^n-1)": (1, ones), "(2^n-1)+(2^n-1)": (ones, ones)}
    chains["(2^n-1)+0"] = (ones, 0)
    for name, (a, b) in chains.items():
        x, y = pair_to_input(a, b, n + 1), to_bits(a + b, n + 1)[np.newaxis, :, np.newaxis]
        tests[name] = (x, y)
    longest = max(x.shape[1] for x, _ in tests.values())
    pad = lambda t: np.pad(t, [(0, 0), (0, longest - t.shape[1]), (0, 0)])  # noqa: E731
    return {name: (pad(x), pad(y)) for name, (x, y) in tests.items()}


def exact_on_long_tests(adders):
    """For each test of ``long_tests``, whether each adder gets every one of its sums exact.

    GRU adders run side by side (``StackedAdders.exact_sums``); other models one by one.
    """
    import numpy as np

    from gru_helpers import Adder, StackedAdders

    tests = long_tests()
    x = np.concatenate([x for x, _ in tests.values()])
    y = np.concatenate([y for _, y in tests.values()])
    if all(type(adder) is Adder for adder in adders):
        right = StackedAdders(adders).exact_sums(x, y)  # (adder, sum)
    else:
        right = np.stack([(a.predict_bits(x) == y[..., 0]).all(axis=1) for a in adders])
    ends = np.cumsum([len(x) for x, _ in tests.values()])
    return {
        name: right[:, end - len(x_) : end].all(axis=1)
        for (name, (x_, _)), end in zip(tests.items(), ends)
    }


def recipe_runs(seeds):
    """Notebook 06's four recipes on ``seeds``, side by side; per recipe: seconds, steps, and
    which runs are exact on each long test."""
    import copy

    import numpy as np

    from gru_helpers import (
        Adder,
        exact_for,
        long_carry_batch,
        make_batch,
        one_batch,
        train_side_by_side,
    )

    def timed(adders, *arguments, **options):
        start = time.perf_counter()
        histories = train_side_by_side(adders, *arguments, **options)
        return adders, histories, time.perf_counter() - start

    second_phase = [1000 + seed for seed in seeds]  # seeds of their own: no batch replayed
    held_out_chains = long_carry_batch(np.random.default_rng([2**31, 33]), 1000, 33)
    first = timed([Adder(16, seed=s) for s in seeds], 2000, seeds, stop=exact_for(0))
    runs = {
        "first exact check": first,
        "then a margin of 100 steps": timed(
            copy.deepcopy(first[0]), 2000, second_phase, stop=exact_for(100)
        ),
        "then 32-bit additions, half carry chains": timed(
            copy.deepcopy(first[0]),
            2000,
            second_phase,
            batches=lambda rng: long_carry_batch(rng, 64, 33),
            validation=held_out_chains,
            stop=exact_for(100),
        ),
        "the 2017 recipe": timed(
            [Adder(16, seed=s) for s in seeds],
            5000,
            seeds,
            width=5,
            batches=one_batch(lambda rng: make_batch(rng, 100, 5)),
            loss="squared_error",
            learning_rate=0.001,
            eval_every=1000,
        ),
    }
    table = {}
    for name, (adders, histories, seconds) in runs.items():
        exact = exact_on_long_tests(adders)
        table[name] = dict(
            seconds=seconds,
            steps=[h.step[-1] for h in histories],
            stopped=sum(h.stopped for h in histories),
            exact={test: int(right.sum()) for test, right in exact.items()},
            every=int(np.all(list(exact.values()), axis=0).sum()),
        )
    return table


def table_recipes(seeds):
    table = recipe_runs(seeds)
    tests = list(next(iter(table.values()))["exact"])
    rows = [
        [
            name,
            f"{run['seconds']:.1f}",
            f"{statistics.median(run['steps']):.0f}",
            f"{run['stopped']}/{len(seeds)}",
            *(f"{run['exact'][test]}/{len(seeds)}" for test in tests),
            f"{run['every']}/{len(seeds)}",
        ]
        for name, run in table.items()
    ]
    print_table(
        f"Table 2. The recipes of notebook 06, seeds {seeds[0]}-{seeds[-1]} side by side: runs "
        "exact on sums no stopping rule checked",
        ["recipe", "seconds", "median steps", "stopped", *tests, "every test"],
        rows,
        [
            "the two 'then' recipes train on from the first-exact adders, with seeds of their "
            "own; seconds: the recipe's side-by-side training (its own phase only); steps: of "
            "that phase",
            "random n-bit: 20 sums of two random n-bit numbers; n = 1000 for the chains; a run "
            "counts when every sum of the test is exact",
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
            "targets: each <= 10 s above its floor (06 <= 20 s: its recipe table), notebooks "
            "01-10 <= 45 s above theirs, peak <= 800 MB",
        ],
    )


# ------------------------------------------------------------------ table 4: parallel in time
LENGTHS = (64, 256, 1024, 4096)


def scan_times(rounds=5):
    """Seconds of MinGRUAdder's forward pass (batch 1) and training step (batch 64), its cell
    run sequentially (``tf.scan``) and in parallel (``linear_scan``), at each of ``LENGTHS``;
    the fastest of interleaved rounds, with each function's first call (tracing) apart."""
    import numpy as np
    import tensorflow as tf

    from gru_helpers import MinGRUAdder, cross_entropy, make_batch
    from gru_helpers.train import adam, compiled_steps

    results = {}
    for steps in LENGTHS:
        x1, _ = make_batch(np.random.default_rng(1), 1, steps)
        x64, y64 = (part[np.newaxis] for part in make_batch(np.random.default_rng(64), 64, steps))
        calls = {}
        for parallel in (False, True):
            model = MinGRUAdder(HIDDEN, seed=0, parallel=parallel)
            forward = tf.function(model.__call__, autograph=False)
            train_step = compiled_steps(
                model, x64.shape[1:], adam(model.trainable_variables, 0.01), cross_entropy
            )
            calls[("forward, batch 1", parallel)] = lambda f=forward: f(x1)
            calls[("training step, batch 64", parallel)] = lambda f=train_step: f(x64, y64)
        first = {}
        for key, call in calls.items():
            start = time.perf_counter()
            np.asarray(call())
            first[key] = time.perf_counter() - start
        times = {key: [] for key in calls}
        for _ in range(rounds):
            for key, call in calls.items():
                start = time.perf_counter()
                np.asarray(call())
                times[key].append(time.perf_counter() - start)
        for (kind, parallel), values in times.items():
            results[f"{kind}|{steps}|{parallel}"] = [min(values), first[(kind, parallel)]]
    return results


def learn_runs(seeds):
    """GRU adders and minimal-GRU adders trained one after another with ``train``, each run
    tracing afresh: seconds, steps, and how many minimal-GRU adders pass each long test."""
    from gru_helpers import Adder, MinGRUAdder, exact_for, train

    train(Adder(2), steps=1)  # TensorFlow's once-per-process start-up, paid before any timing
    runs, trained = {}, []
    for name, make in [("GRU adder", Adder), ("minimal-GRU adder", MinGRUAdder)]:
        runs[name] = []
        for seed in seeds:
            model = make(hidden_size=HIDDEN, seed=seed)
            start = time.perf_counter()
            history = train(model, 2000, seed=seed, stop=exact_for(100))
            seconds = time.perf_counter() - start
            runs[name].append(
                dict(seconds=seconds, steps=history.step[-1], stopped=history.stopped)
            )
            if name == "minimal-GRU adder":
                trained.append(model)
    exact = exact_on_long_tests(trained)
    return runs, {test: int(right.sum()) for test, right in exact.items()}


def table_parallel(seeds):
    times = in_process("oneDNN off", "--scan-times")
    rows = []
    for kind in ("forward, batch 1", "training step, batch 64"):
        for steps in LENGTHS:
            (sequential, traced_s), (parallel, traced_p) = (
                times[f"{kind}|{steps}|{mode}"] for mode in (False, True)
            )
            rows.append(
                [
                    kind,
                    steps,
                    f"{1e3 * sequential:.2f}",
                    f"{1e3 * parallel:.2f}",
                    f"{sequential / parallel:.1f}x",
                    f"{traced_s:.1f}",
                    f"{traced_p:.1f}",
                ]
            )
    print_table(
        "Table 4a. The minimal GRU adder (hidden 16), its cell run one step after another "
        "(tf.scan) or in parallel (linear_scan, about log2 T levels): the fastest of 5 rounds",
        ["pass", "T", "tf.scan ms", "linear_scan ms", "speed-up", "first call s", "(parallel)"],
        rows,
        [
            "speed-up above 1: the parallel scan is faster. Batch 1 asks for latency, where its "
            "log2 T depth wins; batch 64 asks for throughput, where its T log2 T work counts",
        ],
    )
    runs, exact = in_process("oneDNN off", "--learn", *map(str, seeds))
    rows = []
    for name, each in runs.items():
        seconds = [run["seconds"] for run in each]
        rows.append(
            [
                name,
                f"{statistics.median(seconds):.2f}",
                f"{max(seconds):.2f}",
                f"{statistics.median(run['steps'] for run in each):.0f}",
                f"{max(run['steps'] for run in each)}",
                f"{sum(run['stopped'] for run in each)}/{len(each)}",
            ]
        )
    print_table(
        f"Table 4b. Time to learn 16-bit addition: train(..., stop=exact_for(100)), seeds "
        f"{seeds[0]}-{seeds[-1]} one after another, each run tracing afresh",
        ["model", "median s", "worst s", "median steps", "most steps", "stopped"],
        rows,
    )
    print_table(
        "Table 4c. The minimal-GRU adders of table 4b: runs exact on sums no stopping rule "
        "checked",
        ["model", *exact, "of"],
        [["minimal-GRU adder", *exact.values(), len(seeds)]],
        ["random n-bit: 20 sums of two random n-bit numbers; n = 1000 for the chains"],
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="1,2,3,4")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--notebooks", default="*.ipynb", help="which notebooks table 3 runs")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of table 3's notebooks")
    parser.add_argument("--step-times", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scan-times", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--learn", nargs="+", metavar="SEEDS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step_times:
        print(json.dumps(step_times()))
        return
    if args.scan_times:
        print(json.dumps(scan_times()))
        return
    if args.learn:
        print(json.dumps(learn_runs([int(s) for s in args.learn])))
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
    seeds = list(range(100, 100 + args.seeds))  # not the notebooks' seeds
    if "2" in tables:
        table_recipes(seeds)
    if "3" in tables:
        table_notebooks(args.notebooks, args.rounds)
    if "4" in tables:
        table_parallel(seeds)
    print(
        f"\n(the benchmark took {time.perf_counter() - started:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f} at the end)"
    )


if __name__ == "__main__":
    main()
