"""Provider insights: anonymised demand from shared prescriptions against a provider's supply.

Privacy rules, applied to every figure these pages show:
- only prescriptions whose owner ticked "share anonymously" count, and only open ones
  (deadline today or later);
- only aggregates leave this module, as `Figure`s built by `figure()`: a figure with fewer
  than ANONYMITY_THRESHOLD contributing prescriptions carries neither its value nor its
  count, and is shown as "fewer than 5";
- rows of the heat map also get complementary suppression (`figure_row`), so a hidden cell
  cannot be recovered by subtracting the shown cells from the row total.

Every function here runs a fixed number of queries, whatever the number of prescriptions,
courses or runs.

Split by job: `figures` (the suppression rule), `access`, `demand`, `supply`, `dashboard`
and `suggestion`.
"""
