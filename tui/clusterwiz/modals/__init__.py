"""Modal dialogs of the clusterwiz app."""
