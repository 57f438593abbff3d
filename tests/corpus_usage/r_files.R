# Keep the largest values
#
# Sorts a one-column table and keeps the top n rows.

table_in <- Sys.getenv("table_in")
n <- Sys.getenv("n", "2")
top_out <- Sys.getenv("top_out", "top.csv")
note <- Sys.getenv("note")

if (table_in == "") stop("table_in is required")
values <- read.csv(table_in)
values <- values[order(-values$value), , drop = FALSE]
kept <- head(values, as.integer(n))
write.csv(kept, top_out, row.names = FALSE)
if (nchar(note) > 0) message(note)
