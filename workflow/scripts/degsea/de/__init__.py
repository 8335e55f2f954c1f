"""Differential expression: the design and its contrasts, the fit, summaries and the sample-QC values.

- :mod:`~degsea.de.design`: ``Contrast``, ``parse_contrasts``, ``check_design``, ``design_variables``, ``model_frame``
- :mod:`~degsea.de.fit`: ``DESettings``, ``fit``, ``test_contrast``, ``normalized_counts``, ``fitted_anndata``
- :mod:`~degsea.de.summary`: ``significant``, ``de_counts``, ``membership``, ``intersections``, ``top_genes``
- :mod:`~degsea.de.qc`: ``variance_stabilise``, ``library_stats``, ``pca``, ``sample_distances``,
  ``dispersions``, ``cooks_outliers``, ``sample_table``, ``order_samples``
- :mod:`~degsea.de.exact`: the DESeq2-exact engine (``engine_classes``)
"""
