#!/usr/bin/env cwl-runner
# Hand-written (not generated): the one example tool that is not a CLAIMED operator.
# Gathers the File[] of a scattered step into one Directory, naming the files
# <prefix>NNN<ext> in list order, so that an operator with a Directory input can use them.
# Each File keeps its checksum and size and gets its nameroot and nameext: engines that
# do not compute them for an expression's output (StreamFlow) need them.
cwlVersion: v1.2
class: ExpressionTool
id: collect-files
label: collect-files
doc: Gather a list of files into one directory, renamed <prefix>001<ext>, <prefix>002<ext>, ... in list order.
requirements:
  - class: InlineJavascriptRequirement
inputs:
  - id: files
    doc: the files to gather
    type: File[]
  - id: dirname
    doc: name of the directory
    type: string
    default: collected
  - id: prefix
    doc: start of each file name
    type: string
    default: part-
outputs:
  - id: output_dir
    doc: the directory holding the files
    type: Directory
expression: |
  ${
    var listing = inputs.files.map(function (file, index) {
      var root = inputs.prefix + ("00" + (index + 1)).slice(-3);
      var ext = file.nameext || "";
      var renamed = {"class": "File", "location": file.location, "basename": root + ext,
                     "nameroot": root, "nameext": ext};
      if (file.checksum) { renamed.checksum = file.checksum; }
      if (file.size !== undefined) { renamed.size = file.size; }
      return renamed;
    });
    return {"output_dir": {"class": "Directory", "basename": inputs.dirname, "listing": listing}};
  }
