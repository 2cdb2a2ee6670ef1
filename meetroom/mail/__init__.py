"""Sending e-mail: messages built with the standard library, delivered over SMTP."""
