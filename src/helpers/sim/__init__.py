"""The workbook's synthetic e-commerce world: catalog, users, sessions with a known purchase
probability, reviews with aspect labels, and optional PII. See :mod:`helpers.sim.world`."""
