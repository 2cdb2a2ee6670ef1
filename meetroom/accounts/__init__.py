"""Accounts: users, sign-in with lock-out, login sessions, API tokens."""
