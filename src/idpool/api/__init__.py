"""API adapters: one module per AWS service. Each maps wire params (model member names)
to one domain call and back, and names its domain-error -> wire-error table."""
