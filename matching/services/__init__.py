"""The matching engine's Django side, split by job: `problem` (catalog -> solver input and
solving), `documents` (the recommendation document), `runs` (the run lifecycle) and
`staleness` (re-planning after catalog changes)."""
