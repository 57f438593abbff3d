# Scale a numeric column
#
# Reads a table from the data folder and writes a scaled copy next to it (C3 style paths).

data_dir <- Sys.getenv("data_dir", "../../data/")
input_name <- Sys.getenv("input_name", "measurements.csv")
output_name <- Sys.getenv("output_name", "scaled.csv")
factor <- as.numeric(Sys.getenv("factor", "2"))

frame <- read.csv(file.path(data_dir, input_name))
frame$value <- frame$value * factor
write.csv(frame, paste0(data_dir, output_name), row.names = FALSE)
