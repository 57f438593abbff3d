#!/usr/bin/env Rscript
# Summarise every numeric column of a table by group:
# mean, median and standard deviation, written as CSV.

install.packages(c('dplyr', 'readr'))

library(dplyr)
library(readr)

# Table to summarise
input_file <- Sys.getenv('input_file', 'table.csv')

# Column to group by
group_by_column <- Sys.getenv('group_by_column', 'group')

# Number of digits in the result
digits <- as.integer(Sys.getenv('digits', '3'))

# Summary table
output_file <- Sys.getenv('output_file', 'summary.csv')

data <- read_csv(input_file, show_col_types = FALSE)
summary <- data %>%
  group_by(.data[[group_by_column]]) %>%
  summarise(across(where(is.numeric), list(mean = mean, median = median, sd = sd)))
write_csv(mutate(summary, across(where(is.numeric), ~ round(.x, digits))), output_file)
