#!/usr/bin/env cwl-runner
# Test tool (no container): writes the numbers 1..n, one a line.
cwlVersion: v1.2
class: CommandLineTool
id: make-lines
baseCommand: [seq]
inputs:
  n:
    type: int
    inputBinding: {position: 1}
outputs:
  lines:
    type: stdout
stdout: lines.txt
