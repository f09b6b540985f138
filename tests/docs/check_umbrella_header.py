#!/usr/bin/python3
"""Checks that <tandem/tandem.h> includes every public header under src/tandem.

Internal headers (implementation details that a program never names) are listed below; a new
header is public unless it is added here. Usage: check_umbrella_header.py <repo>/src
"""
import os
import sys

INTERNAL = {
    "tandem/tandem.h",
    "tandem/activations/keras_logits.h",  # the activations and the probabilistic losses'
    "tandem/core/join.h",  # message helpers
    "tandem/core/literal.h",  # reached through ops/creation.h
    "tandem/core/storage.h",
    "tandem/data/datasets/idx_dataset.h",  # shared loader of mnist / fashion_mnist
    "tandem/data/ops/nodes.h",
    "tandem/distributed/comm_buffer.h",
    "tandem/distributed/gather_round_robin.h",
    "tandem/distributed/gradient_reducer.h",  # DataParallel's
    "tandem/io/crc32c.h",
    "tandem/io/example_wire.h",
    "tandem/io/input_stream.h",
    "tandem/io/output_stream.h",
    "tandem/io/tfrecord_format.h",
    "tandem/kokkos/view.h",  # needs Kokkos's headers: included on its own
    "tandem/layers/core/kernel_bias_config.h",
    "tandem/layers/shape_inference.h",  # the built-in layers' output-shape arithmetic
    "tandem/losses/loss_utils.h",
    "tandem/metrics/utils.h",
    "tandem/models/saved_state.h",  # Model::save / load_model internals
    "tandem/core/variable_state.h",  # shared by core/variable.cc and ops/variable_ops.cc
    "tandem/ops/dispatch.h",
    "tandem/ops/op_utils.h",
    "tandem/ops/training_ops.h",  # the optimizers' fused update
    "tandem/ops/window.h",  # conv/pool geometry
    "tandem/training/tensor_batches.h",
}


def main():
    src = sys.argv[1]
    with open(os.path.join(src, "tandem", "tandem.h"), encoding="utf-8") as f:
        included = {line.split('"')[1] for line in f if line.startswith('#include "')}
    missing = []
    for root, _, files in os.walk(os.path.join(src, "tandem")):
        for name in files:
            if name.endswith(".h"):
                header = os.path.relpath(os.path.join(root, name), src)
                if header not in INTERNAL and header not in included:
                    missing.append(header)
    for header in sorted(missing):
        print(f"tandem/tandem.h does not include the public header {header} "
              "(include it, or list it as internal in tests/docs/check_umbrella_header.py)")
    stale = sorted(h for h in included if not os.path.exists(os.path.join(src, h)))
    for header in stale:
        print(f"tandem/tandem.h includes {header}, which does not exist")
    print(f"{len(included)} headers included, {len(missing)} missing")
    return 1 if missing or stale else 0


if __name__ == "__main__":
    sys.exit(main())
