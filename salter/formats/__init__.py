"""Date and number formats where Django's own do not fit a municipality in Serbia."""
