# Summarize a numeric table: mean and standard deviation per column.

install.packages(c('readr', 'dplyr'))

library(readr)

# Table to summarize
table_file <- Sys.getenv('table_file', 'table.csv')

# Number of digits to round to
digits <- as.numeric(Sys.getenv('digits', '3'))

# Include the median too
with_median <- as.logical(Sys.getenv('with_median', 'FALSE'))

# Summary output
output_summary <- Sys.getenv('output_summary', 'summary.csv')

frame <- read_csv(table_file)
result <- data.frame(mean = sapply(frame, mean), sd = sapply(frame, sd))
if (with_median) result$median <- sapply(frame, median)
write_csv(round(result, digits), output_summary)
