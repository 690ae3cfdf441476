"""Counting the operations a TensorFlow function runs: what a small network's step pays for.

Each operation TensorFlow runs costs microseconds to launch, whatever its size, so for a network
as small as the adder the number of operations in a training step says more about its speed than
the arithmetic inside them (notebook 09 measures both). ``count_operations`` traces a function
into a graph with ``tf.function``, as a training step is traced, and counts what is in it.
"""

from collections import namedtuple

import tensorflow as tf

OperationCount = namedtuple("OperationCount", ["matrix_products", "operations"])
OperationCount.__doc__ = "How many matrix products, and how many operations in all, a graph holds."

MATRIX_PRODUCTS = ("MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3")
"""The operations ``@`` and ``tf.matmul`` record: 2-D operands, or a batch of them."""

NO_WORK = ("Placeholder", "Const")
"""Left out of the count: the graph's inputs and its constants, which do no work when it runs."""

CALLS = ("PartitionedCall", "StatefulPartitionedCall")
"""Calls of a function traced on its own, counted as the operations inside them."""


def count_operations(function, *args):
    """The matrix products and all operations in the graph ``tf.function`` traces for
    ``function(*args)``, as an ``OperationCount(matrix_products, operations)``.

    Every operation counts, the reads of variables and the additions as much as the products,
    except the graph's inputs and constants (``NO_WORK``). A call of a function traced on its
    own counts as the operations inside it, once per call: ``written_out`` calls a GRU's step so,
    once per time step. A loop or a branch that runs inside the graph (``tf.scan``,
    ``tf.while_loop``, ``tf.cond``) counts as one operation, since how often its body runs is
    known only when it runs. Python control flow is traced as Python (``autograph=False``).

    >>> a, b = tf.ones((4, 3)), tf.ones((3, 2))
    >>> count_operations(lambda a, b: tf.tanh(a @ b + 1.0), a, b)  # MatMul, AddV2, Tanh, Identity
    OperationCount(matrix_products=1, operations=4)
    >>> count_operations(lambda a, b: tf.tanh(a @ b + 1.0) @ tf.transpose(b), a, b).matrix_products
    2
    """
    if not callable(function):
        raise TypeError(f"function: expected a callable to trace, got {function!r:.60}")
    traced = tf.function(function, autograph=False).get_concrete_function(*args)
    definition = traced.graph.as_graph_def()
    bodies = {f.signature.name: f.node_def for f in definition.library.function}

    def kinds(nodes):
        for node in nodes:
            if node.op in CALLS:
                yield from kinds(bodies[node.attr["f"].func.name])
            elif node.op not in NO_WORK:
                yield node.op

    found = list(kinds(definition.node))
    return OperationCount(sum(kind in MATRIX_PRODUCTS for kind in found), len(found))
