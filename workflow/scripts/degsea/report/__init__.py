"""The run's record and report content (never figures).

- :mod:`~degsea.report.front_page`: ``front_page``
- :mod:`~degsea.report.provenance`: ``provenance``, ``package_versions``, ``seeds``, ``sha256``, ``plain_config``
- :mod:`~degsea.report.table_pages`: ``de_table_page``, ``gsea_table_page``, ``table_page``, ``beside_report_page``
- :mod:`~degsea.report.order`: ``numbered`` (report names that sort in analysis and config order)
- :mod:`~degsea.report.styles`: ``front_page_style``
"""
