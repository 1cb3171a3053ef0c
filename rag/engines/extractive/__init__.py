"""The extractive engine: answers made of the articles' own sentences (evidence scoring, direct spans)."""
