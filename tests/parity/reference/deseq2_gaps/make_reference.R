#!/usr/bin/env Rscript
# Small DESeq2 1.38.3 references for the last exactness gaps and the contrast/LRT paths of issue 13.
#
# Usage (from the repository root; writes next to this script):
#   Rscript tests/parity/reference/deseq2_gaps/make_reference.R
#
# Simulates (set.seed(13)) 600 genes x 21 samples, group A/B/C x 7 (7 replicates: outliers are
# replaced and refitted), with planted cases:
#   Z001-Z010  counts only in group A (B and C all zero): a B-vs-C contrast is all zero
#   O001-O010  one large count in one sample, zero elsewhere: all zero after outlier replacement
#   P001-P010  an ordinary gene with one outlier count: replaced and refitted
# Writes counts.tsv.gz, samples.tsv, and per result <name>.tsv.gz (gene_id baseMean log2FoldChange
# lfcSE stat pvalue padj), cooks.tsv.gz (per gene: maxCooks and replace of the Wald and the LRT
# fit, and the Cook's distance of every sample for the Wald fit), sessionInfo.txt.
# Then (set.seed(7)) 400 genes x 8 samples whose dispersion rises with the mean, so that the
# parametric trend fails and DESeq2 substitutes its local fit: trend_fallback_counts.tsv.gz,
# trend_fallback_samples.tsv and trend_fallback.tsv.gz (results(contrast = B vs A) plus dispFit).
suppressPackageStartupMessages(library(DESeq2))
out_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
write_tsv_gz <- function(df, name) {
  num <- vapply(df, is.numeric, logical(1))
  df[num] <- lapply(df[num], signif, digits = 10)
  con <- gzfile(file.path(out_dir, name), "w")
  write.table(df, con, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
  close(con)
}
set.seed(13)
n_per <- 7
group <- factor(rep(c("A", "B", "C"), each = n_per))
sf <- exp(rnorm(length(group), 0, 0.2))
n_main <- 570
mu0 <- exp(runif(n_main, log(2), log(2000)))
lfc <- matrix(0, n_main, 3)
de <- sample(n_main, 120)
lfc[de, 2] <- rnorm(120, 0, 1.2)
lfc[de, 3] <- rnorm(120, 0, 1.2)
disp <- 0.05 + 2 / mu0
cts <- t(sapply(seq_len(n_main), function(i) {
  mu <- mu0[i] * 2^lfc[i, as.integer(group)] * sf
  rnbinom(length(group), mu = mu, size = 1 / disp[i])
}))
rownames(cts) <- sprintf("G%03d", seq_len(n_main))
zero_bc <- t(sapply(1:10, function(i) c(rnbinom(n_per, mu = 20 * i, size = 5), rep(0, 2 * n_per))))
rownames(zero_bc) <- sprintf("Z%03d", 1:10)
one_out <- t(sapply(1:10, function(i) { x <- rep(0, length(group)); x[(i %% 21) + 1] <- 200 + 50 * i; x }))
rownames(one_out) <- sprintf("O%03d", 1:10)
planted <- t(sapply(1:10, function(i) { x <- rnbinom(length(group), mu = 100 * sf, size = 10); x[i + 5] <- x[i + 5] * 30 + 500; x }))
rownames(planted) <- sprintf("P%03d", 1:10)
cts <- rbind(cts, zero_bc, one_out, planted)
storage.mode(cts) <- "integer"
colnames(cts) <- sprintf("S%02d", seq_along(group))
samples <- data.frame(sample = colnames(cts), group = as.character(group))
con <- gzfile(file.path(out_dir, "counts.tsv.gz"), "w")
write.table(data.frame(gene_id = rownames(cts), cts, check.names = FALSE), con, sep = "\t", quote = FALSE, row.names = FALSE)
close(con)
write.table(samples, file.path(out_dir, "samples.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)

dds0 <- DESeqDataSetFromMatrix(cts, data.frame(group = group, row.names = colnames(cts)), ~ group)
wald <- DESeq(dds0, quiet = TRUE)
lrt <- DESeq(dds0, test = "LRT", reduced = ~ 1, quiet = TRUE)
keep <- function(res) data.frame(gene_id = rownames(res), baseMean = res$baseMean, log2FoldChange = res$log2FoldChange,
                                 lfcSE = res$lfcSE, stat = res$stat, pvalue = res$pvalue, padj = res$padj)
write_tsv_gz(keep(results(wald, contrast = c("group", "B", "C"))), "levels_B_vs_C.tsv.gz")
write_tsv_gz(keep(results(wald, contrast = c(0, 1, -1))), "numeric_B_vs_C.tsv.gz")
write_tsv_gz(keep(results(wald, contrast = list("group_B_vs_A", "group_C_vs_A"))), "list_B_vs_C.tsv.gz")
write_tsv_gz(keep(results(wald, name = "group_C_vs_A")), "name_group_C_vs_A.tsv.gz")
write_tsv_gz(keep(results(wald, contrast = c("group", "B", "A"), lfcThreshold = 0.5, altHypothesis = "lessAbs")),
             "threshold_lessAbs_B_vs_A.tsv.gz")
write_tsv_gz(keep(results(lrt)), "lrt_group.tsv.gz")
cooks <- assays(wald)[["cooks"]]
colnames(cooks) <- paste0("cooks_", colnames(cooks))
write_tsv_gz(data.frame(gene_id = rownames(wald), maxCooks_wald = mcols(wald)$maxCooks, replace_wald = mcols(wald)$replace,
                        maxCooks_lrt = mcols(lrt)$maxCooks, replace_lrt = mcols(lrt)$replace, cooks, check.names = FALSE),
             "cooks.tsv.gz")

set.seed(7)
fb_group <- factor(rep(c("A", "B"), each = 4))
fb_mu <- exp(runif(400, log(5), log(5000)))
fb_cts <- t(sapply(seq_along(fb_mu), function(i) rnbinom(8, mu = fb_mu[i], size = 1 / (0.002 * fb_mu[i]^0.6))))
rownames(fb_cts) <- sprintf("T%03d", seq_along(fb_mu))
colnames(fb_cts) <- sprintf("F%d", 1:8)
con <- gzfile(file.path(out_dir, "trend_fallback_counts.tsv.gz"), "w")
write.table(data.frame(gene_id = rownames(fb_cts), fb_cts, check.names = FALSE), con, sep = "\t", quote = FALSE, row.names = FALSE)
close(con)
write.table(data.frame(sample = colnames(fb_cts), group = as.character(fb_group)), file.path(out_dir, "trend_fallback_samples.tsv"),
            sep = "\t", quote = FALSE, row.names = FALSE)
fb <- DESeq(DESeqDataSetFromMatrix(fb_cts, data.frame(group = fb_group, row.names = colnames(fb_cts)), ~ group), quiet = TRUE)
stopifnot(attr(dispersionFunction(fb), "fitType") == "local")
write_tsv_gz(cbind(keep(results(fb, contrast = c("group", "B", "A"))), dispFit = mcols(fb)$dispFit), "trend_fallback.tsv.gz")
writeLines(capture.output(sessionInfo()), file.path(out_dir, "sessionInfo.txt"))
message(sprintf("replaced (Wald) %d, (LRT) %d; refitted genes now all zero: %d",
                sum(mcols(wald)$replace, na.rm = TRUE), sum(mcols(lrt)$replace, na.rm = TRUE),
                sum(mcols(wald)$replace & mcols(wald)$baseMean == 0, na.rm = TRUE)))
