"""Loaders for the real data sets, one module per source.

* :mod:`helpers.data.cdnow`: the CDNOW purchase log (shipped inside the ``lifetimes`` package), one row
  per customer with the BG/NBD calibration summary, a purchase-history text and ``buys_again``.
* :mod:`helpers.data.shoppers`: the UCI Online Shoppers Purchasing Intention CSV, and each session
  written as a sentence with its label.
* :mod:`helpers.data.reviews`: review files (CSV, TSV, JSON Lines, ``sentence<TAB>label``) with presets,
  cleaning, a report of what was dropped, and the one stars -> sentiment mapping.
* :mod:`helpers.data.files`: the reading and checking machinery the loaders share.

Every loader checks the file's schema and values and raises one :class:`~helpers.errors.DataError`
naming the file, the line (1-based, as an editor shows it) and the column of the first problem, so a
wrong or damaged file fails at once with a message the analyst can act on. A bad argument (a path that
is not one, an unknown encoding, a date outside the data) is a :class:`~helpers.errors.ParameterError`
naming the parameter, and a missing file a :class:`~helpers.errors.DataFileNotFoundError`. Quoted values
are cut to a readable length.
"""
