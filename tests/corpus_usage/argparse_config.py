#!/usr/bin/env python3
"""Scale numbers by the factor in a JSON config file; works as a CLI and as an operator."""
import argparse
import json
import os


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=os.environ.get("config"), help="JSON file with a 'factor'")
    parser.add_argument("--values", default=os.environ.get("values", "1 2 3"))
    parser.add_argument("--out", default=os.environ.get("out", "scaled.txt"))
    args = parser.parse_args()
    with open(args.config) as handle:
        factor = json.load(handle)["factor"]
    scaled = [float(v) * factor for v in args.values.split()]
    with open(args.out, "w") as out:
        out.write(" ".join(f"{v:g}" for v in scaled) + "\n")


if __name__ == "__main__":
    main()
