#!/usr/bin/env Rscript
# R DESeq2 doing the work of degsea's DE stage: one fit, then every contrast (Wald test, Cook's
# filtering, independent filtering), optionally with shrinkage. Written for bench/run.py.
#
# Usage:
#   Rscript bench/deseq2_all.R counts.tsv samples.tsv DESIGN OUT_PREFIX FACTOR:TEST:REF [FACTOR:TEST:REF ...]
#       [--threads=1] [--shrink=none|normal|apeglm]
#
#   counts.tsv : genes x samples, first column gene id
#   samples.tsv: first column sample id, the other columns factors
#   OUT_PREFIX : writes OUT_PREFIX.<i>.tsv per contrast (gene_id, log2FoldChange, padj[, log2FoldChange_shrunk])
#   --threads  : BiocParallel MulticoreParam workers for DESeq() and results() (1: serial)
#   --shrink   : lfcShrink type per contrast (normal: DESeq2's own prior; apeglm needs the apeglm package)
suppressPackageStartupMessages({
  library(DESeq2)
  library(data.table)
})
argv <- commandArgs(trailingOnly = TRUE)
opts <- grep("^--", argv, value = TRUE)
pos <- argv[!grepl("^--", argv)]
if (length(pos) < 5) stop("usage: deseq2_all.R counts.tsv samples.tsv DESIGN OUT_PREFIX FACTOR:TEST:REF ...")
getopt <- function(name, default) {
  hit <- grep(paste0("^--", name, "="), opts, value = TRUE)
  if (length(hit) == 0) default else sub(paste0("^--", name, "="), "", hit[length(hit)])
}
threads <- as.integer(getopt("threads", "1"))
shrink <- getopt("shrink", "none")

cts_dt <- fread(pos[1], sep = "\t", header = TRUE, data.table = FALSE)
cts <- as.matrix(cts_dt[, -1, drop = FALSE])
rownames(cts) <- as.character(cts_dt[[1]])
storage.mode(cts) <- "integer"
smp <- read.delim(pos[2], sep = "\t", header = TRUE, check.names = FALSE, colClasses = "character")
rownames(smp) <- smp[[1]]
smp <- smp[colnames(cts), -1, drop = FALSE]
for (v in all.vars(as.formula(pos[3]))) smp[[v]] <- factor(smp[[v]])

parallel <- threads > 1
if (parallel) {
  suppressPackageStartupMessages(library(BiocParallel))
  register(MulticoreParam(workers = threads))
}
dds <- DESeqDataSetFromMatrix(countData = cts, colData = smp, design = as.formula(pos[3]))
dds <- DESeq(dds, quiet = TRUE, parallel = parallel)
for (i in seq_along(pos[-(1:4)])) {
  spec <- strsplit(pos[4 + i], ":", fixed = TRUE)[[1]]
  res <- results(dds, contrast = spec, parallel = parallel)
  out <- data.frame(gene_id = rownames(res), log2FoldChange = res$log2FoldChange, padj = res$padj)
  if (shrink != "none") {
    shrunk <- lfcShrink(dds, contrast = spec, res = res, type = shrink, quiet = TRUE, parallel = parallel)
    out$log2FoldChange_shrunk <- shrunk$log2FoldChange
  }
  fwrite(out, sprintf("%s.%d.tsv", pos[4], i - 1), sep = "\t", na = "NA", quote = FALSE)
}
