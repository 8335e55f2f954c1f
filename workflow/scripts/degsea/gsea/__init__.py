"""Gene-set enrichment: collections, ranking, the permutation engine, preranked GSEA and per-sample scores.

- :mod:`~degsea.gsea.collections`: ``GeneSet``, ``read_gmt``, ``parse_gmt``, ``read_orthologs``,
  ``translate_sets``, ``load_collections``, ``collections_to_json``, ``collections_from_json``
- :mod:`~degsea.gsea.msigdb`: ``Collection``, ``parse_entries``, ``download``, ``check_cached``, ``verify``
- :mod:`~degsea.gsea.ranking`: ``rank_genes``, ``metric_values``
- :mod:`~degsea.gsea.engine`: ``prerank`` (degsea's vectorised engine), ``null_sample`` (Benjamini-Hochberg:
  ``degsea.tables.bh_adjust``)
- :mod:`~degsea.gsea.multilevel`: ``set_pvalues``, ``tail_pvalues`` (fgsea's multilevel tail p-values);
  :mod:`~degsea.gsea.ruler`: their numba kernels (``build_ruler``, ``random_scores``)
- :mod:`~degsea.gsea.prerank`: ``prerank`` (either engine), ``check_coverage``, ``check_focus_sets``,
  ``merge_collections``, ``summarise``, ``fdr_floor``
- :mod:`~degsea.gsea.running_sum`: ``walk``, ``extreme``, ``leading_edge`` (the one running-sum and
  leading-edge implementation, used by the engine and the figures), ``RunningSum``, ``running_sum``
- :mod:`~degsea.gsea.scores`: ``sample_scores``, ``expression_by_symbol``
- :mod:`~degsea.gsea.selection`: ``select_sets``
- :mod:`~degsea.gsea.settings`: ``GSEASettings`` (config ``gsea:``, every key and its default once)
- :mod:`~degsea.gsea.ora`: ``de_universe``, ``over_representation``, ``hypergeometric_p``, ``select_ora_sets``
- :mod:`~degsea.gsea.collapse`: ``collapse_sets``, ``with_groups``, ``jaccard_matrix`` (redundancy groups)
- :mod:`~degsea.gsea.collection_scores`: ``collection_scores`` (GSVA / ssGSEA of whole collections),
  ``contrast_tests``, ``top_variable``
"""
