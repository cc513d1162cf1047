"""One use case per CLI verb; the only writers to build/ (gather, validate, then swap in)."""
