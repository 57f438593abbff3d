#!/usr/bin/env cwl-runner
# Test tool with a container: the first lines of a file.
cwlVersion: v1.2
class: CommandLineTool
id: docker-head
requirements:
  - class: DockerRequirement
    dockerPull: debian:stable-slim
baseCommand: [head]
inputs:
  lines:
    type: int
    default: 3
    inputBinding: {prefix: -n, position: 1}
  data:
    type: File
    inputBinding: {position: 2}
outputs:
  head:
    type: stdout
stdout: head.txt
