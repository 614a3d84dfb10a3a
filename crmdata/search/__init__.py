"""Search and filters: the help article's query language over an index kept in the store.

Modules: :mod:`.parse` (query -> syntax tree), :mod:`.normalise` (case/accent folding),
:mod:`.index` (index tables, refreshed by :func:`crmdata.derived.contacts_changed`),
:mod:`.filters` (filters as data), :mod:`.sql` (pure SQL builders), :mod:`.api` (``search``).
"""
