"""Gene-set enrichment: collections, ranking, the permutation engine, preranked GSEA and per-sample scores.

- :mod:`~degsea.gsea.collections`: ``GeneSet``, ``read_gmt``, ``parse_gmt``, ``read_orthologs``,
  ``translate_sets``, ``load_collections``, ``collections_to_json``, ``collections_from_json``
- :mod:`~degsea.gsea.msigdb`: ``Collection``, ``parse_entries``, ``download``, ``check_cached``, ``verify``
- :mod:`~degsea.gsea.ranking`: ``rank_genes``, ``metric_values``
- :mod:`~degsea.gsea.engine`: ``prerank`` (degsea's vectorised engine), ``null_scores``, ``tail_counts``, ``bh_adjust``
- :mod:`~degsea.gsea.prerank`: ``prerank`` (either engine), ``check_coverage``, ``check_focus_sets``,
  ``merge_collections``, ``summarise``, ``fdr_floor``
- :mod:`~degsea.gsea.running_sum`: ``RunningSum``, ``running_sum``
- :mod:`~degsea.gsea.scores`: ``sample_scores``, ``expression_by_symbol``
- :mod:`~degsea.gsea.selection`: ``select_sets``
"""
