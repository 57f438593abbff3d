# Report a checksum of the secret token: R reads it like any parameter.
# the service token
api_token <- Sys.getenv("api_token", "")
output_report <- Sys.getenv("output_report", "report.txt")
v <- utf8ToInt(api_token)
writeLines(c(paste("token", sum(v * seq_along(v)), nchar(api_token))), output_report)
