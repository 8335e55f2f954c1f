"""The HTML report: its front page, provenance and the result tables as report pages."""
