# An R operator whose parameter name is not an identifier.

# Input table
input_file <- Sys.getenv('input-file', 'table.csv')
print(input_file)
