"""The web pages keep no models of their own: `WebProfile` lives in `accounts.models`."""
