"""``make bench``: how much an incremental re-run saves over a first run, through the real flow."""
