# Write a small JSON report with jsonlite, loaded with library() only.
library(jsonlite)

# label of the report
label <- Sys.getenv('label', 'demo')
# the JSON file to write
output_json <- Sys.getenv('output_json', 'report.json')
writeLines(toJSON(list(label = label, n = 3L), auto_unbox = TRUE), output_json)
