"""claimdesk: tags each sentence of news articles with how the article presents its claim
(confirmed, alleged, denied, disputed, or no claim), who it is attributed to and which rule decided.

The core is plain Python, one module a job. Library calls: ``claimdesk.runs.run`` (a whole run
without Prefect; ``claimdesk run`` runs it as a Prefect flow, ``claimdesk.flows.pipeline.run_with``),
``claimdesk.export.export``, ``claimdesk.evaluate``, ``claimdesk.rulecheck.check_rules``,
``claimdesk.ui.serve``; text in memory is tagged with ``claimdesk.segment.segment`` and
``claimdesk.tag.tag_sentences`` (see the README's table of commands and their library calls).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("claimdesk")
except PackageNotFoundError:  # a checkout on sys.path, not installed
    __version__ = "unknown (not installed)"
