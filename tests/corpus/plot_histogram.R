# Draw a histogram of one column of a CSV table with ggplot2.
install.packages("ggplot2")

library(ggplot2)

# CSV table
data_file <- Sys.getenv("data_file", unset = "values.csv")

# Column to plot
column <- as.character(Sys.getenv("column", unset = "value"))

# Number of bins
bins <- as.integer(Sys.getenv("bins", unset = "30"))

# Use a logarithmic x axis
log_scale <- as.logical(Sys.getenv("log_scale", unset = "TRUE"))

# Fill colour (# included)
fill <- Sys.getenv("fill", unset = "#3366cc")

# Plot image
output_png <- Sys.getenv("output_png", unset = "histogram.png")

data <- read.csv(data_file)
plot <- ggplot(data, aes(x = .data[[column]])) + geom_histogram(bins = bins, fill = fill)
if (log_scale) plot <- plot + scale_x_log10()
ggsave(output_png, plot, width = 6, height = 4)
