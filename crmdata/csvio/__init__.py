"""CSV in and out: ONLYOFFICE contact CSV import (:mod:`.importer`) and export (:mod:`.exporter`),
and plain tables (:mod:`.plain`)."""
