"""Prescription reads, split by job: `access` (the access helpers), `credits` (credit
accounting), `lines` and `pages` (what the pages show), `plan_document` (the PDF) and
`ical` (the calendar). Callers import from the module that owns a name."""
