"""Writers: each turns the RDF graph of a study into another format, deterministically."""
