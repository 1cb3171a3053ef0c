"""Where an index lives: chunks and vectors in Chroma, article bodies in SQLite, the BM25 keyword index, and
the embedder that turns text into vectors."""
