# Character statistics of a text file (R operator): number of lines and
# characters, written as a CSV.

# text file to read
input_file <- Sys.getenv('input_file')
# count blank lines too
count_blank <- as.logical(Sys.getenv('count_blank', 'FALSE'))
# scale factor for the character count
scale <- as.numeric(Sys.getenv('scale', '1'))
# where the statistics go
output_stats <- Sys.getenv('output_stats', 'stats.csv')

lines <- readLines(input_file, warn = FALSE)
if (!count_blank) {
  lines <- lines[nchar(trimws(lines)) > 0]
}
stats <- data.frame(lines = length(lines), chars = sum(nchar(lines)) * scale)
write.csv(stats, output_stats, row.names = FALSE)
