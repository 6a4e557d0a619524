"""A small IAM: roles with trust policies, users, inline policies, access keys, and the
authorizer that evaluates every signed call against them. Pure: store, clock and sealer
are passed in."""
