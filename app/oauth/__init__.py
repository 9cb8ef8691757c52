"""The OAuth 2 authorization server of the platform's own API, and personal access tokens."""
