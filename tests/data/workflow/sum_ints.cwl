#!/usr/bin/env cwl-runner
# Test tool (no container): writes the sum of a list of integers.
cwlVersion: v1.2
class: CommandLineTool
id: sum-ints
requirements:
  - class: InlineJavascriptRequirement
baseCommand: [echo]
inputs:
  values: int[]
arguments:
  - valueFrom: $(inputs.values.reduce(function(a, b) { return a + b; }, 0))
outputs:
  total:
    type: stdout
stdout: total.txt
