"""Live documents: the notebooks and files people have open, edited and run in place."""
