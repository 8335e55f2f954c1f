"""The embedded demo study.

- :mod:`~degsea.demo.simulate`: ``simulate_demo``, ``DemoStudy``
"""
