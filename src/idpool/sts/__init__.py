"""STS: AssumeRoleWithWebIdentity, AssumeRole, GetCallerIdentity, and the sealed
session tokens behind temporary credentials. Pure: store, clock, sealer passed in."""
