"""The embedded demo study.

- :mod:`~degsea.demo.simulate`: ``simulate_demo``, ``DemoStudy``
- :mod:`~degsea.demo.factorial`: ``simulate_host_treatment`` (host x treatment, the Rag1 experiment)
"""
