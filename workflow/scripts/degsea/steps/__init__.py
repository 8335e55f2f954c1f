"""The rule-facing layer: one function per workflow rule; the only library code that reads or writes files.

Each rule script in ``workflow/scripts`` unpacks Snakemake's objects and calls one of these.
Heavy modules (PyDESeq2, gseapy, matplotlib) are imported inside the step that needs them, so
each stage's environment holds only its own dependencies; only the ``figures*`` modules
import :mod:`degsea.plots`.

- :mod:`~degsea.steps.demo`: ``simulate_demo``
- :mod:`~degsea.steps.counts`: ``import_counts``
- :mod:`~degsea.steps.de`: ``differential_expression``
- :mod:`~degsea.steps.qc`: ``variance_stabilise``
- :mod:`~degsea.steps.gsea`: ``download_msigdb``, ``prepare_genesets``, ``gene_set_enrichment``,
  ``over_representation``, ``summarise_gsea``
- :mod:`~degsea.steps.figures_qc`: ``sample_qc``
- :mod:`~degsea.steps.figures_de`: ``de_figures``, ``de_overlap``
- :mod:`~degsea.steps.figures_gsea`: ``gsea_figures``, ``gsea_overview``, ``gene_set_scores``, ``ora_overview``,
  ``collection_scores``
- :mod:`~degsea.steps.figures_profiles`: ``lrt_profiles``
- :mod:`~degsea.steps.profiles_ora`: ``cluster_over_representation``
- :mod:`~degsea.steps.report`: ``write_provenance``, ``report_front_page``, ``write_de_table_page``,
  ``write_gsea_table_page``, ``write_table_pages``
"""
