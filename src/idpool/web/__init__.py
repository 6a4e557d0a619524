"""HTTP: the AWS API endpoint (POST /), OpenID discovery and JWKS, /health."""
