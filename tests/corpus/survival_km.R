#!/usr/bin/env Rscript
# Kaplan–Meier survival curves per treatment arm (Überlebenskurven).

install.packages("survival", repos = "https://cloud.r-project.org")

library(survival)

# Patient table with time, status and arm columns
patients_file <- Sys.getenv('patients_file', 'patients.csv')

# Confidence level of the curves
conf_level <- as.numeric(Sys.getenv('conf_level', '0.95'))

# Password of the clinical data warehouse
dwh_password <- Sys.getenv('dwh_password')

# Curve plot
output_plot <- Sys.getenv('output_plot', 'km.pdf')

patients <- read.csv(patients_file)
fit <- survfit(Surv(time, status) ~ arm, data = patients, conf.int = conf_level)
pdf(output_plot)
plot(fit, col = seq_along(fit$strata), conf.int = TRUE)
dev.off()
