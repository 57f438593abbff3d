# Summary statistics of one numeric column of a CSV file, as a one-row CSV:
# n, mean, sd, min, median and max. Base R only.

# CSV file to read (with a header line)
input_file <- Sys.getenv("input_file")
# numeric column to summarise
column <- Sys.getenv("column", "value")
# decimal places of the statistics
digits <- as.integer(Sys.getenv("digits", "2"))
# the statistics
output_csv <- Sys.getenv("output_csv", "stats.csv")

if (input_file == "") stop("input_file is required")
data <- read.csv(input_file, stringsAsFactors = FALSE)
if (!(column %in% names(data))) stop(paste("column", column, "not in", input_file))
x <- as.numeric(data[[column]])
stats <- data.frame(
  column = column,
  n = length(x),
  mean = round(mean(x), digits),
  sd = round(sd(x), digits),
  min = round(min(x), digits),
  median = round(median(x), digits),
  max = round(max(x), digits)
)
write.csv(stats, output_csv, row.names = FALSE, quote = FALSE)
cat("summarised", length(x), "values of", column, "\n")
