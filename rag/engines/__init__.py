"""Answer engines (extractive, llm) behind one interface, plus the steps every engine shares: follow-ups and
the citation check."""
