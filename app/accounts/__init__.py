"""Local accounts, browser sessions, OpenID Connect sign-in, CSRF and abuse limits."""
