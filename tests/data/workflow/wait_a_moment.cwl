#!/usr/bin/env cwl-runner
# Test tool (no container, no outputs): sleeps briefly.
cwlVersion: v1.2
class: CommandLineTool
id: wait-a-moment
baseCommand: [sleep, "0.1"]
inputs: []
outputs: []
