"""Search and filters: the help article's query language over a full-text index.

Modules: :mod:`.parse` (query -> syntax tree), :mod:`.normalise` (case/accent folding),
:mod:`.fulltext` (the tantivy index beside the store file: words, relevance), :mod:`.documents`
(what that index holds per contact, built from the store), :mod:`.index`
(the index tables inside the store, refreshed by :func:`crmdata.derived.contacts_changed`, which
also log the changed contacts for the full-text index), :mod:`.matched` (where a hit matched),
:mod:`.filters` (filters as data), :mod:`.sql` (pure SQL builders), :mod:`.api` (``search``).
"""
