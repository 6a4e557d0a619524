"""The Cognito Identity domain: identity pools, identities, developer authenticated
identities and their OpenID tokens. Pure: storage, time, ids and keys are passed in."""
