"""Live charts: each chart class owns its artists and updates them in place, frame by frame."""
