"""Inputs: the sample sheet, the counts in every supported format.

The up-front check of the whole study is degsea.study.

- :mod:`~degsea.inputs.sheet`: ``read_sample_sheet``, ``parse_sample_sheet``, ``check_safe_id``
- :mod:`~degsea.inputs.counts`: ``CountMatrix``, ``parse_count_matrix``, ``read_count_matrix``,
  ``read_count_header``, ``match_samples``, ``to_anndata``
- :mod:`~degsea.inputs.detect`: ``detect_format``, ``detect_format_bytes``, ``single_file_format``,
  ``per_sample_format``, ``rsem_level``, ``is_kallisto_h5``
- :mod:`~degsea.inputs.aligner`: ``read_featurecounts``, ``read_htseq``, ``read_star``,
  ``bam_sample_names``, ``infer_strandedness``, ``combine_samples``
- :mod:`~degsea.inputs.transcripts`: ``read_transcript_quant``, ``read_rsem_genes`` (tximport staging)
- :mod:`~degsea.inputs.h5ad`: ``read_h5ad_counts``
- :mod:`~degsea.inputs.annotation`: ``strip_ensembl_version``, ``read_gtf``, ``read_id_table``,
  ``read_tx2gene``, ``map_gene_ids``, ``resolve_duplicates``
- :mod:`~degsea.inputs.files`: ``sample_files``, ``sample_strandedness``, ``single_file_samples``
- :mod:`~degsea.inputs.read`: ``read_counts`` (everything together), ``Imported``
"""
