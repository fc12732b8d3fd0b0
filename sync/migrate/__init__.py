"""Carry a customer base from one CRM to another, cleaned and merged (``crmsync migrate``)."""
