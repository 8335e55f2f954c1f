"""The run's record and report text (never figures).

- :mod:`~degsea.report.front_page`: ``front_page``
- :mod:`~degsea.report.provenance`: ``provenance``, ``package_versions``, ``seeds``, ``sha256``
"""
