"""Screens of the clusterwiz app."""
