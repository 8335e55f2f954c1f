"""degsea: differential expression (PyDESeq2) and gene-set enrichment (gseapy) for bulk RNA-seq.

The library behind the degsea Snakemake workflow. Every module takes data and returns
data; files are read and written by the thin adapters in ``workflow/scripts``.
"""

__version__ = "0.1.0"
