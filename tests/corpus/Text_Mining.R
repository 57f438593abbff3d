# Term frequencies of a document collection with tidytext.
install.packages(c("tidytext", "dplyr", "readr"))

library(dplyr)
library(readr)
library(tidytext)

# Folder with one .txt file per document
docs_dir <- Sys.getenv("docs_dir", unset = "docs/")

# Remove English stop words
remove_stopwords <- as.logical(Sys.getenv("remove_stopwords", unset = "FALSE"))

# Number of top terms per document
top_n <- as.integer(Sys.getenv("top_n", unset = "3"))

# Connection string of the results database
# claimed: secret
results_db <- Sys.getenv("results_db", "postgresql://db.internal/results")

# Directory with one CSV of terms per document
output_dir <- Sys.getenv("output_dir", "terms")

dir.create(output_dir, showWarnings = FALSE)
for (path in list.files(docs_dir, pattern = "\\.txt$", full.names = TRUE)) {
  words <- tibble(text = read_file(path)) %>% unnest_tokens(word, text)
  if (remove_stopwords) words <- anti_join(words, stop_words, by = "word")
  top <- words %>% count(word, sort = TRUE) %>% head(top_n)
  write_csv(top, file.path(output_dir, paste0(basename(path), ".csv")))
}
