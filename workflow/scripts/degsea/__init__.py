"""degsea: differential expression (PyDESeq2) and gene-set enrichment for bulk RNA-seq.

The library behind the degsea Snakemake workflow, in packages by role: ``inputs`` (sheet,
counts in every format, up-front checks), ``de`` (design, fit, summaries, QC values),
``gsea`` (collections, ranking, engine, scores), ``plots``, ``report``, ``demo``, and
``steps``, the rule-facing layer and the only code that reads and writes files. Neutral
modules shared by all: ``errors``, ``io``, ``naming``, ``tables``.
"""

__version__ = "0.1.0"
