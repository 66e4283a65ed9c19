"""Plans: the bundle a technologist chose and everything shown about runs and bundles (the
bundles, plan and proof pages, the PDF and calendar, the prescription pages and APIs that
save a prescription and then start its run). Sits above prescriptions and matching."""
