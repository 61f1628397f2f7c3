"""Readers: each turns one input format into RDF graphs or study packages, naming the place of any error."""
