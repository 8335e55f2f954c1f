#!/usr/bin/env Rscript
# DESeq2 1.38.3 references for tests against a log2 fold-change threshold and for the
# "local" and "mean" dispersion trends, on the real data of ../shared/data.
#
# Usage (from the repository root; writes next to this script):
#   Rscript tests/parity/reference/deseq2_threshold/make_reference.R ../shared
#
# For each data set / design, DESeq() with all defaults, then results(contrast=...,
# lfcThreshold=1, altHypothesis=A) for A in greaterAbs, lessAbs, greater, less:
#   <stem>.threshold.tsv.gz  gene_id, stat_<A>, pvalue_<A>, padj_<A> (NA as in R)
# (baseMean, log2FoldChange and lfcSE are those of the plain Wald test, already in
# ../shared/reference/deseq2/<stem>.deseq2.tsv.gz). Then DESeq(fitType="local") and
# DESeq(fitType="mean") and results(contrast=...):
#   <stem>.<fit>.tsv.gz      gene_id log2FoldChange stat pvalue padj dispFit dispersion
# meta.tsv: independent-filtering threshold per result, mean dispersion of the mean fit.
# Values are written with 7 significant digits.
suppressPackageStartupMessages(library(DESeq2))
argv <- commandArgs(trailingOnly = TRUE)
shared <- if (length(argv)) argv[1] else "../shared"
out_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
write_tsv_gz <- function(df, path) {
  num <- vapply(df, is.numeric, logical(1))
  df[num] <- lapply(df[num], signif, digits = 7)
  con <- gzfile(path, "w")
  write.table(df, con, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
  close(con)
}
read_counts <- function(path) {
  sep <- if (grepl("\\.csv$", path)) "," else "\t"
  tab <- read.delim(path, sep = sep, header = TRUE, check.names = FALSE, colClasses = "character")
  cts <- as.matrix(tab[, -1, drop = FALSE])
  storage.mode(cts) <- "numeric"
  storage.mode(cts) <- "integer"
  rownames(cts) <- tab[[1]]
  cts
}
read_samples <- function(path, cts, design, ref) {
  smp <- read.delim(path, header = TRUE, check.names = FALSE, colClasses = "character")
  rownames(smp) <- smp[[1]]
  smp <- smp[colnames(cts), -1, drop = FALSE]
  for (v in all.vars(design)) smp[[v]] <- factor(smp[[v]])
  for (v in names(ref)) smp[[v]] <- relevel(smp[[v]], ref = ref[[v]])
  smp
}
ref_dir <- file.path(shared, "reference", "deseq2")
pasilla <- read_counts(file.path(shared, "data", "pasilla", "pasilla_gene_counts.tsv"))
gse <- read_counts(file.path(shared, "data", "mouse_GSE96870", "GSE96870_counts_cerebellum.csv"))
runs <- list(
  list(stem = "pasilla_condition", cts = pasilla, samples = "pasilla_samples.tsv", design = ~ condition,
       ref = list(condition = "untreated"), contrast = c("condition", "treated", "untreated")),
  list(stem = "pasilla_type_condition", cts = pasilla, samples = "pasilla_samples.tsv", design = ~ type + condition,
       ref = list(condition = "untreated"), contrast = c("condition", "treated", "untreated")),
  list(stem = "gse96870_Day8_vs_Day0", cts = gse, samples = "gse96870_samples.tsv", design = ~ sex + time,
       ref = list(time = "Day0", sex = "Female"), contrast = c("time", "Day8", "Day0"))
)
alts <- c("greaterAbs", "lessAbs", "greater", "less")
meta <- character(0)
for (run in runs) {
  smp <- read_samples(file.path(ref_dir, run$samples), run$cts, run$design, run$ref)
  dds0 <- DESeqDataSetFromMatrix(run$cts, smp, design = run$design)
  dds <- DESeq(dds0, quiet = TRUE)
  out <- data.frame(gene_id = rownames(dds))
  for (alt in alts) {
    res <- results(dds, contrast = run$contrast, lfcThreshold = 1, altHypothesis = alt, alpha = 0.1)
    out[[paste0("stat_", alt)]] <- res$stat
    out[[paste0("pvalue_", alt)]] <- res$pvalue
    out[[paste0("padj_", alt)]] <- res$padj
    meta <- c(meta, sprintf("%s.threshold.%s\tfilterThreshold=%.9g\tpadj<0.1=%d", run$stem, alt,
                            metadata(res)$filterThreshold, sum(res$padj < 0.1, na.rm = TRUE)))
  }
  write_tsv_gz(out, file.path(out_dir, paste0(run$stem, ".threshold.tsv.gz")))
  if (run$stem == "pasilla_type_condition") next
  for (fit in c("local", "mean")) {
    d <- DESeq(dds0, fitType = fit, quiet = TRUE)
    res <- results(d, contrast = run$contrast, alpha = 0.1)
    write_tsv_gz(data.frame(gene_id = rownames(res), log2FoldChange = res$log2FoldChange,
                            stat = res$stat, pvalue = res$pvalue, padj = res$padj,
                            dispFit = mcols(d)$dispFit, dispersion = mcols(d)$dispersion),
                 file.path(out_dir, paste0(run$stem, ".", fit, ".tsv.gz")))
    extra <- if (fit == "mean") sprintf("\tmeanDisp=%.12g", attr(dispersionFunction(d), "mean")) else ""
    meta <- c(meta, sprintf("%s.%s\tfilterThreshold=%.9g\tpadj<0.1=%d\tdispPriorVar=%.12g%s", run$stem, fit,
                            metadata(res)$filterThreshold, sum(res$padj < 0.1, na.rm = TRUE),
                            attr(dispersionFunction(d), "dispPriorVar"), extra))
  }
}
writeLines(meta, file.path(out_dir, "meta.tsv"))
writeLines(capture.output(sessionInfo()), file.path(out_dir, "sessionInfo.txt"))
message(paste(meta, collapse = "\n"))
