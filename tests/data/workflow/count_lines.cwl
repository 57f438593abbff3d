#!/usr/bin/env cwl-runner
# Test tool (no container): counts the lines of a file.
cwlVersion: v1.2
class: CommandLineTool
id: count-lines
requirements:
  - class: InlineJavascriptRequirement
baseCommand: [wc, -l]
stdin: $(inputs.data.path)
inputs:
  data: File
  label:
    type: string
    default: lines
outputs:
  count:
    type: int
    outputBinding:
      glob: count.txt
      loadContents: true
      outputEval: $(parseInt(self[0].contents))
stdout: count.txt
