# claimed-cwl launcher for R operators; copied into the operator image by claimed-cwl.
#
#   Rscript claimed_launcher.R SCRIPT.R [--secret NAME=FILE ...]
#
# Each --secret NAME=FILE sets the environment variable NAME to the content of
# FILE when it exists (the runner writes secret values there so that they never
# appear on a command line; a missing FILE is an optional secret not given).
# The packages the script installs with install.packages() are already in the
# image, so install.packages is made a no-op; then the script is sourced
# unmodified, so error messages name its own lines.
usage <- "usage: Rscript claimed_launcher.R SCRIPT.R [--secret NAME=FILE ...]"
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) {
  stop(usage)
}
rest <- args[-1]
while (length(rest) > 0) {
  if (length(rest) < 2 || rest[[1]] != "--secret" || !grepl("=", rest[[2]], fixed = TRUE)) {
    stop(usage)
  }
  name <- sub("=.*$", "", rest[[2]])
  path <- sub("^[^=]*=", "", rest[[2]])
  if (file.exists(path)) {
    size <- file.info(path)$size
    value <- if (size > 0) readChar(path, size, useBytes = TRUE) else ""
    do.call(Sys.setenv, stats::setNames(list(value), name))
  }
  rest <- rest[-(1:2)]
}
assign("install.packages", function(...) invisible(NULL), envir = globalenv())
source(args[[1]], echo = FALSE)
