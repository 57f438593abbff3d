"""A trivial grid operator for the benchmark: each batch does nothing."""
import os

# unused parameter, so the worker passes one through the environment as a real operator does
label = os.getenv("label", "bench")


def grid_process(batch_id, label):
    return None
