"""Textual widgets of the clusterwiz app."""
