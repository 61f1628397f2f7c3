"""The base layer: the error family and the IRI scheme every other layer builds on."""
