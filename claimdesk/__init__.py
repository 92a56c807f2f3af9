"""claimdesk: tags each sentence of news articles with how the article presents its claim
(confirmed, alleged, denied, disputed, or no claim), who it is attributed to and which rule decided.

The core is plain Python, one module a job; the library calls behind the command line:
``claimdesk.runs.run`` (a whole run), ``claimdesk.export.export``, ``claimdesk.evaluate``,
``claimdesk.rulecheck.check_rules``, ``claimdesk.ui.serve``; text in memory is tagged with
``claimdesk.segment.segment`` and ``claimdesk.tag.tag_sentences`` (see the README). The Prefect
flows are in ``claimdesk.flows``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("claimdesk")
except PackageNotFoundError:  # a checkout on sys.path, not installed
    __version__ = "unknown (not installed)"
