"""Prescription reads: `unmatched` (lines our outline does not know yet) and `wording` (the
date and number style every page shares). Reads about runs, bundles and plans are in
`plans.selectors`."""
