#!/usr/bin/env cwl-runner
# Test tool (no container): splits a file into chunks of `size` lines.
cwlVersion: v1.2
class: CommandLineTool
id: split-lines
baseCommand: [split]
inputs:
  size:
    type: int?
    default: 2
    inputBinding: {position: 1, prefix: -l}
  data:
    type: File
    inputBinding: {position: 2}
outputs:
  chunks:
    type: File[]
    outputBinding: {glob: "x*"}
