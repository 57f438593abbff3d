#!/usr/bin/env Rscript
# Fetch JSON records from a REST API and store them as CSV.
# dnf install -y libcurl-devel

install.packages(c('httr', 'jsonlite'))

library(httr)
library(jsonlite)

# Base URL of the API
api_url <- Sys.getenv('api_url', 'https://api.example.org/v1/records')

# Bearer token
api_token <- Sys.getenv('API_TOKEN')

# Page size
page_size <- as.integer(Sys.getenv('page_size', '100'))

# Verbose logging
verbose <- as.logical(Sys.getenv('verbose', 'FALSE'))

# Records table
output_records <- Sys.getenv('output_records', 'records.csv')

response <- GET(api_url, add_headers(Authorization = paste('Bearer', api_token)), query = list(limit = page_size))
if (verbose) print(response)
records <- fromJSON(content(response, as = 'text', encoding = 'UTF-8'))
write.csv(records, output_records, row.names = FALSE)
