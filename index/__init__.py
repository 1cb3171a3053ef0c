"""The indexer: read and clean articles, chunk them, embed the chunks, store them."""
