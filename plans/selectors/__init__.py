"""Reads about runs, bundles and the chosen plan, split by job: `access` (the access
helpers), `credits` (credit accounting), `lines` and `pages` (what the pages show), `proof`
(what the engine proved), `plan_document` (the PDF), `ical` (the calendar), `report` (the
ARRT report) and `private` (the technologist's own courses). Callers import from the module
that owns a name."""
