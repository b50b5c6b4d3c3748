"""Reflex pages and their components."""
