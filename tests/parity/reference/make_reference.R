#!/usr/bin/env Rscript
# DESeq2 reference results for a self-built parity scenario (tests/parity/reference/<scenario>/).
#
# Usage (from the repository root):
#   Rscript tests/parity/reference/make_reference.R tests/parity/reference/<scenario>
#
# Reads counts.tsv.gz (genes x samples), samples.tsv (sample + covariates) and scenario.tsv
# (design, continuous covariates, contrasts). Covariates listed as continuous are numeric,
# every other one a factor. Runs DESeq() with all defaults, then results(contrast=, alpha=0.1)
# per contrast. Writes <contrast>.deseq2.tsv.gz (gene_id baseMean log2FoldChange lfcSE stat
# pvalue padj, NA as in R), dispersions.tsv.gz (dispGeneEst dispFit dispMAP dispersion maxCooks
# replace), meta.tsv (size factors, trend coefficients, varLogDispEsts, dispPriorVar, filter
# theta per contrast) and sessionInfo.txt.
suppressPackageStartupMessages(library(DESeq2))
write_tsv_gz <- function(df, path) {
  con <- gzfile(path, "w")
  write.table(df, con, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
  close(con)
}
argv <- commandArgs(trailingOnly = TRUE)
if (length(argv) != 1) stop("usage: make_reference.R <scenario directory>")
dir <- argv[1]
scen <- read.delim(file.path(dir, "scenario.tsv"), header = TRUE, colClasses = "character")
design_s <- scen$value[scen$key == "design"]
continuous <- strsplit(scen$value[scen$key == "continuous"], ",")[[1]]
contrasts <- lapply(strsplit(scen$value[scen$key == "contrast"], ","), function(x) x)

cts_dt <- read.delim(gzfile(file.path(dir, "counts.tsv.gz")), header = TRUE, check.names = FALSE,
                     colClasses = c("character"))
cts <- as.matrix(cts_dt[, -1, drop = FALSE])
storage.mode(cts) <- "numeric"
rownames(cts) <- as.character(cts_dt[[1]])
storage.mode(cts) <- "integer"
smp <- read.delim(file.path(dir, "samples.tsv"), header = TRUE, colClasses = "character")
rownames(smp) <- smp$sample
smp <- smp[colnames(cts), setdiff(colnames(smp), "sample"), drop = FALSE]
for (v in all.vars(as.formula(design_s))) {
  smp[[v]] <- if (v %in% continuous) as.numeric(smp[[v]]) else factor(smp[[v]])
}

dds <- DESeqDataSetFromMatrix(countData = cts, colData = smp, design = as.formula(design_s))
dds <- DESeq(dds, quiet = TRUE)

meta <- c(sprintf("sizeFactors\t%s", paste(signif(sizeFactors(dds), 10), collapse = ",")),
          sprintf("trend_coefs\t%s", paste(signif(attr(dispersionFunction(dds), "coefficients"), 10), collapse = ",")),
          sprintf("varLogDispEsts\t%.10g", attr(dispersionFunction(dds), "varLogDispEsts")),
          sprintf("dispPriorVar\t%.10g", attr(dispersionFunction(dds), "dispPriorVar")),
          sprintf("replaced\t%d", sum(mcols(dds)$replace, na.rm = TRUE)))
for (con in contrasts) {
  res <- results(dds, contrast = con[2:4], alpha = 0.1)
  out <- data.frame(gene_id = rownames(res), baseMean = res$baseMean, log2FoldChange = res$log2FoldChange,
                    lfcSE = res$lfcSE, stat = res$stat, pvalue = res$pvalue, padj = res$padj)
  write_tsv_gz(out, file.path(dir, paste0(con[1], ".deseq2.tsv.gz")))
  meta <- c(meta, sprintf("filterTheta_%s\t%.10g", con[1], metadata(res)$filterTheta),
            sprintf("padj_below_0.1_%s\t%d", con[1], sum(res$padj < 0.1, na.rm = TRUE)))
}
mc <- mcols(dds)
replace <- if (is.null(mc$replace)) rep(FALSE, nrow(dds)) else mc$replace
write_tsv_gz(data.frame(gene_id = rownames(dds), dispGeneEst = mc$dispGeneEst, dispFit = mc$dispFit,
                        dispMAP = mc$dispMAP, dispersion = mc$dispersion, maxCooks = mc$maxCooks, replace = replace),
             file.path(dir, "dispersions.tsv.gz"))
writeLines(meta, file.path(dir, "meta.tsv"))
writeLines(capture.output(sessionInfo()), file.path(dir, "sessionInfo.txt"))
message(sprintf("%s: %s, %d genes x %d samples; %s", basename(dir), design_s, nrow(dds), ncol(dds),
                paste(meta[grepl("padj_below", meta)], collapse = "; ")))
