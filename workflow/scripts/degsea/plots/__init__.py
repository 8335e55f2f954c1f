"""Figures: every function takes data and returns a :class:`matplotlib.figure.Figure`.

Imported only by the figure steps (``degsea.steps.figures*``).

- :mod:`~degsea.plots.style`: ``Groups``, ``make_groups``, ``group_colors``, ``new_figure``,
  ``publication_style``, ``styled``
- :mod:`~degsea.plots.qc`: ``library_sizes``, ``size_factors``, ``pca_scatter``, ``scree``,
  ``sample_distance_heatmap``, ``dispersion_plot``, ``cooks_distances``
- :mod:`~degsea.plots.de`: ``volcano``, ``ma_plot``, ``pvalue_histogram``, ``expression_heatmap``, ``upset``
- :mod:`~degsea.plots.gsea`: ``nes_dotplot``, ``ora_dotplot``, ``running_enrichment``, ``score_boxplots``
- :mod:`~degsea.plots.profiles`: ``profile_figure``
"""
