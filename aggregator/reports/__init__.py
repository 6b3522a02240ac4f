"""Monthly reports: figures (pure functions of store rows) and writers (XLSX, CSV,
HTML, PDF); `aggregator.reports.service` ties them to the store and the access log."""
