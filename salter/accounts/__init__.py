"""Staff accounts: signing in, and throttling of failed sign-ins."""
