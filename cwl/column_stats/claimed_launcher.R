# claimed-cwl launcher for R operators; copied into the operator image by claimed-cwl.
#
#   Rscript claimed_launcher.R SCRIPT.R
#
# The packages the script installs with install.packages() are already in the
# image, so install.packages is made a no-op; then the script is sourced
# unmodified, so error messages name its own lines.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) {
  stop("usage: Rscript claimed_launcher.R SCRIPT.R")
}
assign("install.packages", function(...) invisible(NULL), envir = globalenv())
source(args[[1]], echo = FALSE)
